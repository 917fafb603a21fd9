package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBoto3AllOperations runs e2e/py/all_ops.py: boto3 calls every
// operation of the installed botocore Kinesis model with valid input and
// checks each answer's key fields; the script fails if the set of
// operations it sent differs from the model's list, so an operation added
// to botocore's model fails this test until the script covers it. boto3 is
// part of the machine image (python3 with boto3, as the aws CLI uses); a
// machine without it fails here rather than skip, so the coverage check
// cannot be lost silently.
func TestBoto3AllOperations(t *testing.T) {
	t.Parallel()
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Fatalf("python3 with boto3 is needed: %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("py", "all_ops.py"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startFastServer(t)
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "python3", script, srv.Endpoint, testAccount)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") { // only the script's own settings
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	t.Logf("all_ops.py output:\n%s", out)
	if err != nil {
		t.Fatalf("python3 all_ops.py: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	oks := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "OK ") {
			oks++
		}
	}
	// The script compares with the model itself; these only guard against
	// a script that exited 0 without getting there.
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "ALL ") || !strings.HasSuffix(last, " operations OK") {
		t.Fatalf("all_ops.py did not finish: last line %q", last)
	}
	if oks < 39 {
		t.Fatalf("all_ops.py reported %d operations OK; the model had 39 when this test was written", oks)
	}
}
