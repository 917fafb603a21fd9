//go:build linux

package fsutil

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Fdatasync flushes the data of f, and the metadata needed to read it back
// (its size), to stable storage. It goes through the file's raw connection so
// a concurrent Close cannot make it sync a reused descriptor.
func Fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("fdatasync %s: %w", f.Name(), err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = unix.Fdatasync(int(fd))
			if serr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return fmt.Errorf("fdatasync %s: %w", f.Name(), err)
	}
	if serr != nil {
		return fmt.Errorf("fdatasync %s: %w", f.Name(), serr)
	}
	return nil
}
