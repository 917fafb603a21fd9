package harness

import (
	"context"
	"fmt"
	"os"
)

// StartRunnelArgs is StartRunnel with extra flags appended, e.g. the other
// zero delays a soak wants ("--update-stream-delay", "0").
func StartRunnelArgs(ctx context.Context, bin, dataDir string, extra ...string) (*Process, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("runnel data dir: %w", err)
	}
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--create-stream-delay", "0"}, extra...)
	return startProcess(ctx, Runnel, readyPattern(Runnel), dataDir, bin, args...)
}
