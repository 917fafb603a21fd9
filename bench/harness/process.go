package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

const (
	// ReadyTimeout bounds how long a target may take to log its ready line.
	ReadyTimeout = 30 * time.Second
	// StopTimeout bounds a graceful stop before the process is killed.
	StopTimeout = 15 * time.Second
	// maxOutput caps the output kept from a child process.
	maxOutput = 1 << 20
)

// Process is one running child process.
type Process struct {
	Name string
	Addr string // 127.0.0.1:PORT, from the ready line
	// Started is when the process was started (just before exec).
	Started time.Time

	cmd     *exec.Cmd
	out     *outputBuffer
	done    chan struct{} // closed once the process has been reaped
	waitErr error         // valid after done is closed
}

// PID is the process id the child was started with.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Endpoint is the target's base URL.
func (p *Process) Endpoint() string { return "http://" + p.Addr }

// Output returns what the process wrote to stdout and stderr (the first MiB).
func (p *Process) Output() string { return p.out.String() }

// outputBuffer collects a child's output and notices the ready line.
type outputBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	pending []byte // the unterminated tail while the ready line is awaited
	ready   *regexp.Regexp
	addr    chan string // receives the ready address once; buffered
	sent    bool
}

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := maxOutput - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	if b.sent {
		return len(p), nil
	}
	b.pending = append(b.pending, p...)
	for {
		i := bytes.IndexByte(b.pending, '\n')
		if i < 0 {
			break
		}
		line := b.pending[:i]
		b.pending = b.pending[i+1:]
		if m := b.ready.FindSubmatch(line); m != nil {
			b.sent = true
			b.pending = nil
			b.addr <- string(m[1])
			break
		}
	}
	if len(b.pending) > maxOutput { // a runaway line: stop looking
		b.pending = nil
	}
	return len(p), nil
}

func (b *outputBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readyPattern matches a slog text line `msg="NAME ready" addr=HOST:PORT`.
func readyPattern(name string) *regexp.Regexp {
	return regexp.MustCompile(`msg="` + regexp.QuoteMeta(name) + ` ready".*\baddr="?([^"\s]+)"?`)
}

// startProcess runs bin with args in dir and waits for a line matching ready
// whose first group is the listen address, which must be on 127.0.0.1.
func startProcess(ctx context.Context, name string, ready *regexp.Regexp, dir, bin string, args ...string) (*Process, error) {
	p := &Process{
		Name: name,
		out:  &outputBuffer{ready: ready, addr: make(chan string, 1)},
		done: make(chan struct{}),
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.Env = os.Environ()
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	timer := time.NewTimer(ReadyTimeout)
	defer timer.Stop()
	select {
	case addr := <-p.out.addr:
		if err := checkLoopback(addr); err != nil {
			p.Stop()
			return nil, fmt.Errorf("%s ready line: %w", name, err)
		}
		p.Addr = addr
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready: %v\n%s", name, p.waitErr, tail(p.Output(), 4000))
	case <-timer.C:
		p.Stop()
		return nil, fmt.Errorf("%s logged no ready line within %v\n%s", name, ReadyTimeout, tail(p.Output(), 4000))
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("start %s: %w", name, ctx.Err())
	}
}

// Stop ends the process by its PID: SIGTERM, then SIGKILL after StopTimeout.
// It reports how the process exited; calling it again is harmless.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		return p.exitError()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(StopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.exitError()
	case <-timer.C:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(StopTimeout):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.Name, p.PID())
	}
	return fmt.Errorf("%s (pid %d) ignored SIGTERM for %v and was killed", p.Name, p.PID(), StopTimeout)
}

func (p *Process) exitError() error {
	var exit *exec.ExitError
	if errors.As(p.waitErr, &exit) {
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() && status.Signal() == syscall.SIGTERM {
			return nil // node's default SIGTERM action
		}
	}
	if p.waitErr != nil {
		return fmt.Errorf("%s (pid %d) exited: %w", p.Name, p.PID(), p.waitErr)
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
