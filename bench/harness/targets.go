package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// buildTimeout bounds one `go build`.
const buildTimeout = 10 * time.Minute

// Target names, as they appear in the results.
const (
	Baseline   = "baseline"
	Kinesalite = "kinesalite"
	Runnel     = "runnel"
)

// RepoRoot is the directory of the go.mod governing dir.
func RepoRoot(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the runnel repository")
	}
	return filepath.Dir(gomod), nil
}

// Build runs `go build -o out pkg` in root and returns out.
func Build(ctx context.Context, root, pkg, out string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -o %s %s: %w\n%s", out, pkg, err, tail(string(output), 2000))
	}
	return out, nil
}

// StartRunnel starts `runnel serve` durable, with default flags except a
// free loopback port, dataDir, and no CREATING delay.
func StartRunnel(ctx context.Context, bin, dataDir string) (*Process, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("runnel data dir: %w", err)
	}
	return startProcess(ctx, Runnel, readyPattern(Runnel), dataDir, bin,
		"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--create-stream-delay", "0")
}

// StartBaseline starts the baseline binary (bench/cmd/baseline) in dir.
func StartBaseline(ctx context.Context, bin, dir string) (*Process, error) {
	return startProcess(ctx, Baseline, readyPattern(Baseline), dir, bin, "-listen", "127.0.0.1:0")
}

// checkLoopback requires addr to be 127.0.0.1:PORT.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host != "127.0.0.1" || port == "" || port == "0" {
		return fmt.Errorf("address %q is not 127.0.0.1:PORT", addr)
	}
	return nil
}
