package scenario

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// FanoutSubscribersCommand is the first argument that makes runnelbench
// run as the fan-out scenario's subscriber process instead of a benchmark.
//
// The subscribers run in a process of their own because on AWS they run on
// other machines: in the writer's process, 20 SDK event-stream decoders
// share its Go scheduler and the writer waits behind them for a processor
// after every call, which measures the load generator, not the server. As a
// separate process they still share this machine's cores (the kernel
// divides them), and the CPU each side used is reported.
const FanoutSubscribersCommand = "fanout-subscribers"

// fanoutChildSpec is what the parent tells the subscriber process.
type fanoutChildSpec struct {
	Endpoint  string
	Shard     string
	Consumers []string // ARNs, one subscription each
}

// fanoutChildReport is what the subscriber process answers at the end.
type fanoutChildReport struct {
	Received []int64
	// AtWritten is what each subscriber had received when the writer
	// finished (the rest arrived while the parent waited).
	AtWritten []int64
	Failures  []string
	Samples   [][]int64 // per subscriber: paced-record latencies, ns
	Max       []int64   // per subscriber: longest latency, ns
}

// RunFanoutSubscribers is the subscriber process: it subscribes one
// SubscribeToShard per consumer in the spec (args[0], JSON) at LATEST,
// writes "ready" to out, reads "written N" from in, waits until every
// subscriber has N records (or fanoutDrainTimeout), then writes the report
// as JSON to out.
func RunFanoutSubscribers(ctx context.Context, newClient func(endpoint string, conns int) *kinesis.Client, args []string, in io.Reader, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("fanout-subscribers: want one JSON argument")
	}
	var spec fanoutChildSpec
	if err := json.Unmarshal([]byte(args[0]), &spec); err != nil {
		return fmt.Errorf("fanout-subscribers: %w", err)
	}
	c := newClient(spec.Endpoint, len(spec.Consumers)+1)
	subs, err := subscribeConsumers(ctx, c, spec.Shard, spec.Consumers)
	defer func() {
		for _, s := range subs {
			s.close()
		}
	}()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(s.consume)
	}
	if _, err := io.WriteString(out, "ready\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil {
		return fmt.Errorf("fanout-subscribers: reading the written count: %w", err)
	}
	rep := fanoutChildReport{}
	for _, s := range subs {
		rep.AtWritten = append(rep.AtWritten, s.received.Load())
	}
	written, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(line), "written "), 10, 64)
	if err != nil {
		return fmt.Errorf("fanout-subscribers: %q: %w", line, err)
	}
	waitReceived(subs, written)
	wg.Wait()
	for _, s := range subs {
		rep.Received = append(rep.Received, s.received.Load())
		if f := s.failed.Load(); f != nil {
			rep.Failures = append(rep.Failures, *f)
		} else {
			rep.Failures = append(rep.Failures, "")
		}
		ns := make([]int64, len(s.lat.samples))
		for i, d := range s.lat.samples {
			ns[i] = int64(d)
		}
		rep.Samples = append(rep.Samples, ns)
		rep.Max = append(rep.Max, int64(s.lat.max))
	}
	return json.NewEncoder(out).Encode(rep)
}

// waitReceived waits until every subscriber has written records, has
// failed, or fanoutDrainTimeout has passed, then closes them all.
func waitReceived(subs []*fanoutSubscriber, written int64) {
	deadline := time.Now().Add(fanoutDrainTimeout)
	for _, s := range subs {
		for s.received.Load() < written && time.Now().Before(deadline) && s.failed.Load() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		s.close()
	}
}

// fanoutChild is a running subscriber process, seen from the parent.
type fanoutChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	errs  strings.Builder
}

// startFanoutChild starts exe as the subscriber process for consumers and
// waits for its "ready" (every subscription answered).
func startFanoutChild(ctx context.Context, exe string, spec fanoutChildSpec) (*fanoutChild, error) {
	arg, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	// SCHED_IDLE (chrt --idle): the subscribers stand in for consumers on
	// other machines, so they get only CPU the writer and the server leave
	// unused. They fall behind while the writer runs and catch up after it;
	// the report says how much of the fan-out happened during the writes.
	ch := &fanoutChild{cmd: exec.CommandContext(ctx, "chrt", "--idle", "0", exe, FanoutSubscribersCommand, string(arg))}
	ch.cmd.Stderr = &ch.errs
	if ch.stdin, err = ch.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := ch.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	ch.out = bufio.NewReader(stdout)
	if err := ch.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the subscriber process: %w", err)
	}
	line, err := ch.out.ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		ch.kill()
		return nil, fmt.Errorf("subscriber process did not start (%v): %s", err, strings.TrimSpace(ch.errs.String()))
	}
	return ch, nil
}

func (ch *fanoutChild) pid() int { return ch.cmd.Process.Pid }

// finish tells the child how many records were written and returns its
// report once every subscriber has them (or its drain timeout passed).
func (ch *fanoutChild) finish(written int64) (fanoutChildReport, error) {
	var rep fanoutChildReport
	if _, err := fmt.Fprintf(ch.stdin, "written %d\n", written); err != nil {
		ch.kill()
		return rep, fmt.Errorf("subscriber process: %w", err)
	}
	_ = ch.stdin.Close()
	derr := json.NewDecoder(ch.out).Decode(&rep)
	werr := ch.cmd.Wait()
	if derr != nil || werr != nil {
		return rep, fmt.Errorf("subscriber process: report %v, exit %v: %s", derr, werr, strings.TrimSpace(ch.errs.String()))
	}
	return rep, nil
}

// kill ends the child (started by us, by its PID) after a failure.
func (ch *fanoutChild) kill() {
	if ch.cmd.Process != nil {
		_ = ch.cmd.Process.Kill()
		_ = ch.cmd.Wait()
	}
}

// selfExecutable is the running runnelbench binary, for the child.
func selfExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate runnelbench for the subscriber process: %w", err)
	}
	return exe, nil
}
