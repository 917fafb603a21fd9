//go:build !linux

package fsutil

import (
	"fmt"
	"os"
)

// Fdatasync flushes f to stable storage. Outside Linux it is a full fsync.
func Fdatasync(f *os.File) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fdatasync %s: %w", f.Name(), err)
	}
	return nil
}
