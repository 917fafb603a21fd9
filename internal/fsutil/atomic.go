package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// AtomicWriteFile replaces the file at path with data, atomically and
// durably: it writes a temporary file in the same directory, fsyncs it,
// renames it over path and fsyncs the directory. A crash at any point leaves
// either the old file or the new one at path (and at worst a stray
// "<name>.tmp-*" file beside it). perm applies to the new file.
func AtomicWriteFile(path string, data []byte, perm os.FileMode) error {
	return AtomicWriteFileFS(OS{}, path, data, perm)
}

// AtomicWriteFileFS is AtomicWriteFile on fsys.
func AtomicWriteFileFS(fsys FS, path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := fsys.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	fail := func(step string, err error) error {
		_ = tmp.Close()
		_ = fsys.Remove(tmpName)
		return fmt.Errorf("atomic write %s: %s: %w", path, step, err)
	}
	if n, err := tmp.Write(data); err != nil {
		return fail("write", err)
	} else if n != len(data) {
		return fail("write", fmt.Errorf("short write: %d of %d bytes", n, len(data)))
	}
	if c, ok := tmp.(interface{ Chmod(os.FileMode) error }); ok {
		if err := c.Chmod(perm); err != nil {
			return fail("chmod", err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fail("fsync", err)
	}
	if err := tmp.Close(); err != nil {
		_ = fsys.Remove(tmpName)
		return fmt.Errorf("atomic write %s: close: %w", path, err)
	}
	if err := fsys.Rename(tmpName, path); err != nil {
		_ = fsys.Remove(tmpName)
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("atomic write %s: %w", path, err)
	}
	return nil
}
