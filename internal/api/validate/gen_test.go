package validate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate regenerates constraints_gen.go from the installed
// botocore model (or $RUNNEL_KINESIS_MODEL) and compares it with the
// committed file.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	if os.Getenv("RUNNEL_KINESIS_MODEL") == "" {
		if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
			t.Skipf("botocore not installed: %v", err)
		}
	}
	out := filepath.Join(t.TempDir(), "constraints_gen.go")
	cmd := exec.Command("go", "run", "./gen", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("constraints_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("constraints_gen.go is stale: run go generate ./internal/api/validate/")
	}
}
