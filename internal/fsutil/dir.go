package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SyncDir fsyncs the directory dir, making the creation, rename or removal
// of its entries durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return fmt.Errorf("sync dir %s: %w", dir, serr)
	}
	if cerr != nil {
		return fmt.Errorf("sync dir %s: close: %w", dir, cerr)
	}
	return nil
}

// MkdirAllDurable is os.MkdirAll that also fsyncs the parent of every
// directory it creates, so the whole path survives a crash.
func MkdirAllDurable(dir string, perm os.FileMode) error {
	return MkdirAllDurableFS(OS{}, dir, perm)
}

// MkdirAllDurableFS is MkdirAllDurable on fsys.
func MkdirAllDurableFS(fsys FS, dir string, perm os.FileMode) error {
	dir = filepath.Clean(dir)
	info, err := fsys.Stat(dir)
	if err == nil {
		if !info.IsDir() {
			return fmt.Errorf("mkdir %s: %w", dir, fs.ErrExist)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAllDurableFS(fsys, parent, perm); err != nil {
			return err
		}
	}
	if err := fsys.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := fsys.SyncDir(parent); err != nil {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	return nil
}

// RemoveDurable removes the file or empty directory at path and fsyncs its
// parent. A path that does not exist is not an error.
func RemoveDurable(path string) error { return RemoveDurableFS(OS{}, path) }

// RemoveDurableFS is RemoveDurable on fsys.
func RemoveDurableFS(fsys FS, path string) error {
	if err := fsys.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove: %w", err)
	}
	return fsys.SyncDir(filepath.Dir(path))
}
