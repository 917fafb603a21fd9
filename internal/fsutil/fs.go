package fsutil

import (
	"io"
	"io/fs"
	"os"
)

// File is the part of *os.File that durable storage uses. Sync is an
// fdatasync: it flushes the data written through any descriptor of the file
// and the size needed to read it back.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Writer
	Name() string
	Truncate(size int64) error
	Stat() (fs.FileInfo, error)
	Sync() error
	Close() error
}

// FS is the file system as the log store and the catalog use it. OS is the
// real one; Fault (fault.go) is an in-memory one that fails chosen
// operations and loses power on demand.
//
// A create, rename or remove is durable only once the directory holding the
// entry is synced with SyncDir; file data only once the file is synced.
type FS interface {
	OpenFile(name string, flag int, perm os.FileMode) (File, error)
	// CreateTemp creates a new file in dir named from pattern as
	// os.CreateTemp does ("*" replaced by a random string).
	CreateTemp(dir, pattern string) (File, error)
	ReadFile(name string) ([]byte, error)
	ReadDir(name string) ([]fs.DirEntry, error)
	Stat(name string) (fs.FileInfo, error)
	Mkdir(name string, perm os.FileMode) error
	Rename(oldpath, newpath string) error
	Remove(name string) error
	RemoveAll(name string) error
	SyncDir(dir string) error
}

// OS is the real file system.
type OS struct{}

var _ FS = OS{}

// osFile is an *os.File whose Sync is an fdatasync.
type osFile struct{ *os.File }

func (f osFile) Sync() error { return Fdatasync(f.File) }

// OSFile wraps f as a File (Sync becomes fdatasync).
func OSFile(f *os.File) File { return osFile{f} }

// OpenFile is os.OpenFile.
func (OS) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

// CreateTemp is os.CreateTemp.
func (OS) CreateTemp(dir, pattern string) (File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

// ReadFile is os.ReadFile.
func (OS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// ReadDir is os.ReadDir.
func (OS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// Stat is os.Stat.
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Mkdir is os.Mkdir.
func (OS) Mkdir(name string, perm os.FileMode) error { return os.Mkdir(name, perm) }

// Rename is os.Rename.
func (OS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove is os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// RemoveAll is os.RemoveAll.
func (OS) RemoveAll(name string) error { return os.RemoveAll(name) }

// SyncDir fsyncs the directory dir.
func (OS) SyncDir(dir string) error { return SyncDir(dir) }
