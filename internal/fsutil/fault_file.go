package fsutil

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// OpenFile opens (with O_CREATE, O_EXCL, O_TRUNC as os.OpenFile) a file.
func (f *Fault) OpenFile(name string, flag int, perm os.FileMode) (File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, pathErr("open", name, ErrPowerLost)
	}
	name = filepath.Clean(name)
	p, base, err := f.parentDir("open", name)
	if err != nil {
		return nil, err
	}
	n := p.entries[base]
	switch {
	case n == nil && flag&os.O_CREATE == 0:
		return nil, pathErr("open", name, fs.ErrNotExist)
	case n != nil && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, pathErr("open", name, fs.ErrExist)
	case n != nil && n.dir && flag&(os.O_WRONLY|os.O_RDWR) != 0:
		return nil, pathErr("open", name, syscall.EISDIR)
	case n == nil:
		if _, err := f.begin(OpCreate, name); err != nil {
			return nil, pathErr("open", name, err)
		}
		n = &inode{mode: perm}
		p.entries[base] = n
	case flag&os.O_TRUNC != 0 && len(n.data) > 0:
		if _, err := f.begin(OpTruncate, name+" 0"); err != nil {
			return nil, pathErr("open", name, err)
		}
		f.used -= int64(len(n.data))
		n.data = nil
	}
	return &faultFile{fs: f, ino: n, name: name, flag: flag}, nil
}

// CreateTemp creates a new file in dir; the "*" in pattern (or its end)
// gets a sequence number.
func (f *Fault) CreateTemp(dir, pattern string) (File, error) {
	for {
		f.mu.Lock()
		f.tempSeq++
		seq := strconv.Itoa(f.tempSeq)
		f.mu.Unlock()
		name := pattern + seq
		if i := strings.LastIndex(pattern, "*"); i >= 0 {
			name = pattern[:i] + seq + pattern[i+1:]
		}
		file, err := f.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && os.IsExist(err) {
			continue
		}
		return file, err
	}
}

// faultFile is an open file of a Fault.
type faultFile struct {
	fs     *Fault
	ino    *inode
	name   string
	flag   int
	pos    int64
	closed bool
}

func (h *faultFile) Name() string { return h.name }

// check reports why h cannot be used now (f.mu held).
func (h *faultFile) check(op string, write bool) error {
	switch {
	case h.closed:
		return pathErr(op, h.name, os.ErrClosed)
	case h.fs.dead:
		return pathErr(op, h.name, ErrPowerLost)
	case write && h.flag&(os.O_WRONLY|os.O_RDWR) == 0:
		return pathErr(op, h.name, syscall.EBADF)
	}
	return nil
}

func (h *faultFile) ReadAt(b []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("read", false); err != nil {
		return 0, err
	}
	if off >= int64(len(h.ino.data)) {
		return 0, io.EOF
	}
	n := copy(b, h.ino.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (h *faultFile) Write(b []byte) (int, error) {
	n, err := h.writeAt("write", b, -1)
	return n, err
}

func (h *faultFile) WriteAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, pathErr("writeat", h.name, syscall.EINVAL)
	}
	return h.writeAt("writeat", b, off)
}

// writeAt writes at off, or at the file position if off < 0.
func (h *faultFile) writeAt(op string, b []byte, off int64) (int, error) {
	f := h.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := h.check(op, true); err != nil {
		return 0, err
	}
	at := off
	if at < 0 {
		at = h.pos
	}
	keep, ferr := f.begin(OpWrite, fmt.Sprintf("%s %d@%d", h.name, len(b), at))
	if f.dead {
		return 0, pathErr(op, h.name, ferr)
	}
	n := len(b)
	if ferr != nil {
		n = max(keep, 0)
	}
	if f.capacity > 0 {
		room := f.capacity - f.used // bytes the file may still grow by
		if end := at + int64(n); end > int64(len(h.ino.data))+room {
			n = int(max(int64(len(h.ino.data))+room-at, 0))
			if ferr == nil {
				ferr = syscall.ENOSPC
			}
		}
	}
	if n > 0 {
		d := h.ino.data
		if end := at + int64(n); end > int64(len(d)) {
			f.used += end - int64(len(d))
			d = append(d, make([]byte, end-int64(len(d)))...)
		}
		copy(d[at:], b[:n])
		h.ino.data = d
	}
	if off < 0 {
		h.pos += int64(n)
	}
	if ferr != nil {
		return n, pathErr(op, h.name, ferr)
	}
	return n, nil
}

func (h *faultFile) Truncate(size int64) error {
	f := h.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := h.check("truncate", true); err != nil {
		return err
	}
	if _, err := f.begin(OpTruncate, fmt.Sprintf("%s %d", h.name, size)); err != nil {
		return pathErr("truncate", h.name, err)
	}
	d := h.ino.data
	if size <= int64(len(d)) {
		f.used -= int64(len(d)) - size
		h.ino.data = d[:size:size]
	} else {
		f.used += size - int64(len(d))
		h.ino.data = append(d, make([]byte, size-int64(len(d)))...)
	}
	return nil
}

// Sync makes the file's data durable (fdatasync).
func (h *faultFile) Sync() error {
	f := h.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := h.check("sync", false); err != nil {
		return err
	}
	if _, err := f.begin(OpSync, h.name); err != nil {
		return pathErr("sync", h.name, err)
	}
	h.ino.durable = append(h.ino.durable[:0:0], h.ino.data...)
	return nil
}

func (h *faultFile) Stat() (fs.FileInfo, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("stat", false); err != nil {
		return nil, err
	}
	return h.ino.info(filepath.Base(h.name)), nil
}

// Chmod sets the file's mode (AtomicWriteFileFS uses it).
func (h *faultFile) Chmod(mode os.FileMode) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("chmod", false); err != nil {
		return err
	}
	h.ino.mode = mode
	return nil
}

func (h *faultFile) Close() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.closed {
		return pathErr("close", h.name, os.ErrClosed)
	}
	h.closed = true
	return nil
}

// fileInfo describes an inode.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (n *inode) info(name string) fileInfo {
	if n.dir {
		return fileInfo{name: name, mode: fs.ModeDir | n.mode.Perm()}
	}
	return fileInfo{name: name, size: int64(len(n.data)), mode: n.mode.Perm()}
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) Mode() fs.FileMode  { return i.mode }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fileInfo) Sys() any           { return nil }
