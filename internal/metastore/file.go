package metastore

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// filePerm is the mode of the catalog file.
const filePerm = 0o600

// File stores the catalog in one file, replaced atomically by Save.
type File struct {
	fs   fsutil.FS
	path string
	mu   sync.Mutex // serialises Load and Save
}

// OpenFile returns the store for the catalog file at path, creating its
// directory if needed. It does not read the file; Load does.
func OpenFile(path string) (*File, error) { return OpenFileFS(fsutil.OS{}, path) }

// OpenFileFS is OpenFile on fsys (tests pass an fsutil.Fault).
func OpenFileFS(fsys fsutil.FS, path string) (*File, error) {
	if path == "" {
		return nil, errors.New("metastore: open: empty path")
	}
	path = filepath.Clean(path)
	if err := fsutil.MkdirAllDurableFS(fsys, filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("metastore: open %s: %w", path, err)
	}
	if info, err := fsys.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("metastore: open %s: is a directory", path)
	}
	return &File{fs: fsys, path: path}, nil
}

// Path returns the catalog file's path.
func (f *File) Path() string { return f.path }

// Load returns the last saved document, nil if the file does not exist, or
// a *CorruptError if it exists but fails a check. It first removes
// temporary files left by an interrupted Save.
func (f *File) Load() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.removeStaleTemps(); err != nil {
		return nil, err
	}
	data, err := f.fs.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("metastore: load %s: %w", f.path, err)
	}
	payload, reason := decode(data)
	if reason != "" {
		return nil, &CorruptError{Path: f.path, Reason: reason}
	}
	return payload, nil
}

// Save replaces the catalog file with doc, durably.
func (f *File) Save(doc []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := fsutil.AtomicWriteFileFS(f.fs, f.path, encode(doc), filePerm); err != nil {
		return fmt.Errorf("metastore: save: %w", err)
	}
	return nil
}

// removeStaleTemps deletes "<name>.tmp" and "<name>.tmp-*" beside the
// catalog: the leftovers of a Save that crashed before its rename. The
// catalog file itself is never touched.
func (f *File) removeStaleTemps() error {
	dir, base := filepath.Split(f.path)
	if dir == "" {
		dir = "."
	}
	entries, err := f.fs.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("metastore: load %s: scan for temporary files: %w", f.path, err)
	}
	prefix := base + ".tmp"
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || (name != prefix && !strings.HasPrefix(name, prefix+"-")) {
			continue
		}
		if err := f.fs.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("metastore: load %s: remove stale %s: %w", f.path, name, err)
		}
	}
	return nil
}
