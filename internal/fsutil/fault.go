package fsutil

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Op is a kind of mutating file-system operation, as Fault counts them.
type Op int

// The operations Fault counts, fails and crashes at. Reads are not counted.
const (
	OpCreate   Op = iota // OpenFile with O_CREATE that creates, CreateTemp
	OpWrite              // Write, WriteAt
	OpTruncate           // Truncate, OpenFile with O_TRUNC of a non-empty file
	OpSync               // File.Sync (fdatasync)
	OpMkdir              // Mkdir
	OpRename             // Rename
	OpRemove             // Remove, and each entry RemoveAll unlinks
	OpSyncDir            // SyncDir
	numOps
)

var opNames = [numOps]string{"create", "write", "truncate", "sync", "mkdir", "rename", "remove", "syncdir"}

func (o Op) String() string {
	if o >= 0 && o < numOps {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// ErrPowerLost is returned by every operation on a Fault after its crash
// point or PowerLoss: the machine is off. It wraps EIO.
var ErrPowerLost = fmt.Errorf("fsutil: power lost: %w", syscall.EIO)

// Fault is an in-memory FS for tests that injects faults deterministically
// and models what survives a power loss:
//
//   - FailAt makes the n-th operation of a kind (counted from the call)
//     fail with a chosen error (EIO, ENOSPC, ...) without taking effect; for
//     OpWrite, ShortWriteAt writes only part of the buffer first.
//   - SetCapacity limits the bytes all files may hold: a write past it
//     writes what fits and fails with ENOSPC, like a full disk.
//   - CrashAt(n) loses power at the n-th mutating operation (of any kind,
//     counted from the call): that operation and every later one fail with
//     ErrPowerLost.
//   - Kill returns the disk after the process dies but the kernel lives:
//     everything written survives.
//   - PowerLoss returns the disk as the next boot finds it: each file holds
//     the data of its last successful Sync (nothing if never synced), and
//     each directory the entries of its last successful SyncDir (so
//     un-synced creates, renames and removes are undone).
//
// Fault is safe for concurrent use (one mutex).
type Fault struct {
	mu       sync.Mutex
	root     *inode
	counts   [numOps]int
	total    int
	rules    []rule
	crashAt  int // total at which power is lost; 0: never
	dead     bool
	capacity int64
	used     int64
	tempSeq  int
	trace    []string
}

var _ FS = (*Fault)(nil)

type rule struct {
	op   Op
	at   int // fire when counts[op] reaches at
	keep int // OpWrite: bytes written before failing; -1 none
	err  error
}

// NewFault returns an empty in-memory file system holding only "/".
func NewFault() *Fault {
	return &Fault{root: newDir(0o755)}
}

// FailAt makes the n-th (1-based) operation of kind op from now fail with
// err without taking effect. Rules accumulate.
func (f *Fault) FailAt(op Op, n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{op: op, at: f.counts[op] + n, keep: -1, err: err})
}

// ShortWriteAt makes the n-th write from now write only keep bytes of its
// buffer and then fail with err.
func (f *Fault) ShortWriteAt(n, keep int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{op: OpWrite, at: f.counts[OpWrite] + n, keep: keep, err: err})
}

// ClearFaults drops every FailAt/ShortWriteAt rule not fired yet.
func (f *Fault) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// CrashAt loses power at the n-th (1-based) mutating operation from now.
func (f *Fault) CrashAt(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crashAt = f.total + n
}

// SetCapacity limits the bytes all files together may hold; 0 removes the
// limit.
func (f *Fault) SetCapacity(bytes int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.capacity = bytes
}

// Used is the number of bytes the files hold.
func (f *Fault) Used() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.used
}

// Ops returns how many mutating operations have been attempted so far.
func (f *Fault) Ops() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// Count returns how many operations of kind op have been attempted so far.
func (f *Fault) Count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

// Trace returns the mutating operations attempted so far, one line each
// ("write /d/f 32@0"), oldest first.
func (f *Fault) Trace() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.trace...)
}

// Dead reports whether power has been lost.
func (f *Fault) Dead() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dead
}

// PowerLoss turns f off (every later operation fails with ErrPowerLost)
// and returns a new Fault holding what survives: the synced state.
func (f *Fault) PowerLoss() *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead = true
	g := NewFault()
	seen := map[*inode]*inode{}
	g.root = survive(f.root, seen)
	for _, n := range seen {
		if !n.dir {
			g.used += int64(len(n.data))
		}
	}
	return g
}

// Kill turns f off like PowerLoss, but models the death of the process
// only: the kernel keeps every write, so the returned Fault holds f's
// current state (all of it durable).
func (f *Fault) Kill() *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead = true
	g := NewFault()
	g.root = keepAll(f.root, map[*inode]*inode{})
	g.used = f.used
	return g
}

func keepAll(n *inode, seen map[*inode]*inode) *inode { return copyTree(n, seen, false) }

// survive copies the durable state of n.
func survive(n *inode, seen map[*inode]*inode) *inode { return copyTree(n, seen, true) }

// copyTree copies n's tree, taking either what was made durable or
// everything written, and marks the copy all durable.
func copyTree(n *inode, seen map[*inode]*inode, durableOnly bool) *inode {
	if c := seen[n]; c != nil {
		return c
	}
	c := &inode{dir: n.dir, mode: n.mode}
	seen[n] = c
	if !n.dir {
		data := n.data
		if durableOnly {
			data = n.durable
		}
		c.data = append([]byte(nil), data...)
		c.durable = append([]byte(nil), data...)
		return c
	}
	entries := n.entries
	if durableOnly {
		entries = n.durEntries
	}
	c.entries = make(map[string]*inode, len(entries))
	for name, child := range entries {
		c.entries[name] = copyTree(child, seen, durableOnly)
	}
	c.durEntries = maps2(c.entries)
	return c
}

func maps2(m map[string]*inode) map[string]*inode {
	c := make(map[string]*inode, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// begin counts one mutating operation and decides its fate: an error to
// return instead of doing it, and for a short write how many bytes to write
// first (-1: none). Called with f.mu held.
func (f *Fault) begin(op Op, desc string) (keep int, err error) {
	if f.dead {
		return -1, ErrPowerLost
	}
	f.counts[op]++
	f.total++
	f.trace = append(f.trace, op.String()+" "+desc)
	if f.crashAt != 0 && f.total >= f.crashAt {
		f.dead = true
		return -1, ErrPowerLost
	}
	for i, r := range f.rules {
		if r.op == op && r.at == f.counts[op] {
			f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
			return r.keep, r.err
		}
	}
	return -1, nil
}

// inode is a file or directory. entries/data are what the running system
// sees; durEntries/durable what a power loss keeps.
type inode struct {
	dir        bool
	mode       fs.FileMode
	data       []byte
	durable    []byte
	entries    map[string]*inode
	durEntries map[string]*inode
}

func newDir(mode fs.FileMode) *inode {
	return &inode{dir: true, mode: mode, entries: map[string]*inode{}, durEntries: map[string]*inode{}}
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// split cleans name and returns its parent directory and base name.
func split(name string) (string, string) {
	name = filepath.Clean(name)
	return filepath.Dir(name), filepath.Base(name)
}

// lookup finds the inode at name (nil if absent).
func (f *Fault) lookup(name string) *inode {
	name = filepath.Clean(name)
	n := f.root
	if name == "/" || name == "." {
		return n
	}
	for _, part := range strings.Split(strings.TrimPrefix(name, "/"), "/") {
		if n == nil || !n.dir {
			return nil
		}
		n = n.entries[part]
	}
	return n
}

// parentDir returns the directory that holds name, or an error.
func (f *Fault) parentDir(op, name string) (*inode, string, error) {
	dir, base := split(name)
	p := f.lookup(dir)
	if p == nil {
		return nil, "", pathErr(op, name, fs.ErrNotExist)
	}
	if !p.dir {
		return nil, "", pathErr(op, name, syscall.ENOTDIR)
	}
	return p, base, nil
}

// Mkdir creates a directory.
func (f *Fault) Mkdir(name string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return pathErr("mkdir", name, ErrPowerLost)
	}
	p, base, err := f.parentDir("mkdir", name)
	if err != nil {
		return err
	}
	if p.entries[base] != nil {
		return pathErr("mkdir", name, fs.ErrExist)
	}
	if _, err := f.begin(OpMkdir, name); err != nil {
		return pathErr("mkdir", name, err)
	}
	p.entries[base] = newDir(perm)
	return nil
}

// SyncDir makes the directory's current entries durable.
func (f *Fault) SyncDir(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return pathErr("fsync", dir, ErrPowerLost)
	}
	n := f.lookup(dir)
	if n == nil {
		return pathErr("open", dir, fs.ErrNotExist)
	}
	if !n.dir {
		return pathErr("fsync", dir, syscall.ENOTDIR)
	}
	if _, err := f.begin(OpSyncDir, filepath.Clean(dir)); err != nil {
		return pathErr("fsync", dir, err)
	}
	n.durEntries = maps2(n.entries)
	return nil
}

// Rename moves oldpath to newpath, replacing a file there.
func (f *Fault) Rename(oldpath, newpath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: ErrPowerLost}
	}
	op, ob, err := f.parentDir("rename", oldpath)
	if err != nil {
		return err
	}
	n := op.entries[ob]
	if n == nil {
		return pathErr("rename", oldpath, fs.ErrNotExist)
	}
	np, nb, err := f.parentDir("rename", newpath)
	if err != nil {
		return err
	}
	if old := np.entries[nb]; old != nil && old != n {
		if old.dir && (!n.dir || len(old.entries) > 0) {
			return pathErr("rename", newpath, syscall.EEXIST)
		}
		if !old.dir && n.dir {
			return pathErr("rename", newpath, syscall.ENOTDIR)
		}
	}
	if _, err := f.begin(OpRename, oldpath+" -> "+newpath); err != nil {
		return pathErr("rename", oldpath, err)
	}
	if old := np.entries[nb]; old != nil && old != n && !old.dir {
		f.used -= int64(len(old.data))
	}
	delete(op.entries, ob)
	np.entries[nb] = n
	return nil
}

// Remove unlinks a file or an empty directory.
func (f *Fault) Remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.removeLocked(name)
}

func (f *Fault) removeLocked(name string) error {
	if f.dead {
		return pathErr("remove", name, ErrPowerLost)
	}
	p, base, err := f.parentDir("remove", name)
	if err != nil {
		return err
	}
	n := p.entries[base]
	if n == nil {
		return pathErr("remove", name, fs.ErrNotExist)
	}
	if n.dir && len(n.entries) > 0 {
		return pathErr("remove", name, syscall.ENOTEMPTY)
	}
	if _, err := f.begin(OpRemove, filepath.Clean(name)); err != nil {
		return pathErr("remove", name, err)
	}
	delete(p.entries, base)
	if !n.dir {
		f.used -= int64(len(n.data))
	}
	return nil
}

// RemoveAll removes name and everything below it, one unlink at a time
// (each an OpRemove). A missing name is not an error.
func (f *Fault) RemoveAll(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return pathErr("removeall", name, ErrPowerLost)
	}
	return f.removeAllLocked(filepath.Clean(name))
}

func (f *Fault) removeAllLocked(name string) error {
	n := f.lookup(name)
	if n == nil {
		return nil
	}
	if n.dir {
		for _, child := range sortedNames(n.entries) {
			if err := f.removeAllLocked(filepath.Join(name, child)); err != nil {
				return err
			}
		}
	}
	return f.removeLocked(name)
}

func sortedNames(m map[string]*inode) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Stat describes the file or directory at name.
func (f *Fault) Stat(name string) (fs.FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, pathErr("stat", name, ErrPowerLost)
	}
	n := f.lookup(name)
	if n == nil {
		return nil, pathErr("stat", name, fs.ErrNotExist)
	}
	return n.info(filepath.Base(filepath.Clean(name))), nil
}

// ReadDir lists a directory, sorted by name.
func (f *Fault) ReadDir(name string) ([]fs.DirEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, pathErr("open", name, ErrPowerLost)
	}
	n := f.lookup(name)
	if n == nil {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	if !n.dir {
		return nil, pathErr("readdirent", name, syscall.ENOTDIR)
	}
	var out []fs.DirEntry
	for _, child := range sortedNames(n.entries) {
		out = append(out, fs.FileInfoToDirEntry(n.entries[child].info(child)))
	}
	return out, nil
}

// ReadFile returns the content of a file.
func (f *Fault) ReadFile(name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, pathErr("open", name, ErrPowerLost)
	}
	n := f.lookup(name)
	if n == nil {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	if n.dir {
		return nil, pathErr("read", name, syscall.EISDIR)
	}
	return append([]byte(nil), n.data...), nil
}
