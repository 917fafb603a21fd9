package fsutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func mustWrite(t *testing.T, f File, b []byte) {
	t.Helper()
	if n, err := f.Write(b); err != nil || n != len(b) {
		t.Fatalf("write: %d, %v", n, err)
	}
}

func readOrNil(t *testing.T, fsys FS, name string) []byte {
	t.Helper()
	b, err := fsys.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// TestFaultPowerLossKeepsOnlySynced checks the power-loss model: data
// survives only its file's Sync, entries only their directory's SyncDir.
func TestFaultPowerLossKeepsOnlySynced(t *testing.T) {
	f := NewFault()
	if err := MkdirAllDurableFS(f, "/d", 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := f.OpenFile("/d/a", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, a, []byte("synced"))
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, a, []byte("+lost"))
	b, err := f.OpenFile("/d/b", os.O_RDWR|os.O_CREATE, 0o644) // entry never synced
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, b, []byte("b"))
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := readOrNil(t, f, "/d/a"); string(got) != "synced+lost" {
		t.Fatalf("before the crash /d/a = %q", got)
	}
	g := f.PowerLoss()
	if got := readOrNil(t, g, "/d/a"); string(got) != "synced" {
		t.Fatalf("after the crash /d/a = %q, want %q", got, "synced")
	}
	if got := readOrNil(t, g, "/d/b"); got != nil {
		t.Fatalf("un-synced entry /d/b survived: %q", got)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, ErrPowerLost) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("write after power loss: %v", err)
	}
	// An un-synced rename and remove are undone.
	if err := g.Rename("/d/a", "/d/c"); err != nil {
		t.Fatal(err)
	}
	h := g.PowerLoss()
	if readOrNil(t, h, "/d/a") == nil || readOrNil(t, h, "/d/c") != nil {
		t.Fatal("un-synced rename survived the crash")
	}
	if err := h.Remove("/d/a"); err != nil {
		t.Fatal(err)
	}
	if readOrNil(t, h.PowerLoss(), "/d/a") == nil {
		t.Fatal("un-synced remove survived the crash")
	}
}

func TestFaultFailAtAndShortWrite(t *testing.T) {
	f := NewFault()
	file, err := f.OpenFile("/f", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.FailAt(OpWrite, 2, syscall.EIO)
	f.ShortWriteAt(3, 2, syscall.ENOSPC)
	f.FailAt(OpSync, 1, syscall.EIO)
	mustWrite(t, file, []byte("ab"))
	if _, err := file.Write([]byte("cd")); !errors.Is(err, syscall.EIO) {
		t.Fatalf("2nd write: %v, want EIO", err)
	}
	if n, err := file.Write([]byte("efgh")); n != 2 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("3rd write: %d, %v; want 2, ENOSPC", n, err)
	}
	if err := file.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("1st sync: %v, want EIO", err)
	}
	if err := file.Sync(); err != nil {
		t.Fatalf("2nd sync: %v", err)
	}
	if got := readOrNil(t, f, "/f"); string(got) != "abef" {
		t.Fatalf("content %q, want %q", got, "abef")
	}
	if f.Count(OpWrite) != 3 || f.Count(OpSync) != 2 {
		t.Fatalf("counts: %d writes, %d syncs", f.Count(OpWrite), f.Count(OpSync))
	}
}

func TestFaultCapacity(t *testing.T) {
	f := NewFault()
	f.SetCapacity(10)
	file, err := f.OpenFile("/f", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := file.WriteAt(bytes.Repeat([]byte("x"), 8), 0); n != 8 || err != nil {
		t.Fatal(n, err)
	}
	if n, err := file.WriteAt([]byte("yyyy"), 8); n != 2 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past capacity: %d, %v; want 2, ENOSPC", n, err)
	}
	if err := file.Truncate(8); err != nil {
		t.Fatal(err)
	}
	if n, err := file.WriteAt([]byte("zz"), 2); n != 2 || err != nil {
		t.Fatalf("overwrite inside a full file: %d, %v", n, err)
	}
	f.SetCapacity(0)
	if n, err := file.WriteAt([]byte("yyyy"), 8); n != 4 || err != nil {
		t.Fatalf("write after space came back: %d, %v", n, err)
	}
	if f.Used() != 12 {
		t.Fatalf("used %d, want 12", f.Used())
	}
}

// TestAtomicWriteFileCrashWalk loses power at every mutating operation of
// AtomicWriteFileFS: the target holds the old or the new content, whole.
func TestAtomicWriteFileCrashWalk(t *testing.T) {
	setup := func() *Fault {
		f := NewFault()
		if err := MkdirAllDurableFS(f, "/d", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := AtomicWriteFileFS(f, "/d/cat", []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := setup()
	before := f.Ops()
	if err := AtomicWriteFileFS(f, "/d/cat", []byte("new content"), 0o600); err != nil {
		t.Fatal(err)
	}
	points := f.Ops() - before
	if points < 5 {
		t.Fatalf("only %d operations: %v", points, f.Trace())
	}
	for n := 1; n <= points+1; n++ {
		f := setup()
		f.CrashAt(n)
		err := AtomicWriteFileFS(f, "/d/cat", []byte("new content"), 0o600)
		got := string(readOrNil(t, f.PowerLoss(), "/d/cat"))
		if got != "old" && got != "new content" {
			t.Fatalf("crash at op %d: target holds %q", n, got)
		}
		if err == nil && got != "new content" {
			t.Fatalf("crash at op %d: write acknowledged but %q survived", n, got)
		}
	}
}

// TestFSConformance runs the same script on the real FS and on Fault.
func TestFSConformance(t *testing.T) {
	for name, mk := range map[string]func(t *testing.T) (FS, string){
		"OS":    func(t *testing.T) (FS, string) { return OS{}, t.TempDir() },
		"Fault": func(t *testing.T) (FS, string) { return NewFault(), "/root" },
	} {
		t.Run(name, func(t *testing.T) {
			fsys, dir := mk(t)
			if err := MkdirAllDurableFS(fsys, dir+"/a/b", 0o755); err != nil {
				t.Fatal(err)
			}
			p := dir + "/a/b/f"
			file, err := fsys.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fsys.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644); !errors.Is(err, fs.ErrExist) {
				t.Fatalf("O_EXCL on an existing file: %v", err)
			}
			if _, err := file.WriteAt([]byte("hello"), 3); err != nil {
				t.Fatal(err)
			}
			if err := file.Sync(); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 8)
			if n, err := file.ReadAt(buf, 0); n != 8 || err != nil || string(buf[3:]) != "hello" {
				t.Fatalf("ReadAt: %d %v %q", n, err, buf)
			}
			if n, err := file.ReadAt(buf, 4); n != 4 || err == nil {
				t.Fatalf("ReadAt past the end: %d %v", n, err)
			}
			if err := file.Truncate(4); err != nil {
				t.Fatal(err)
			}
			if info, err := file.Stat(); err != nil || info.Size() != 4 {
				t.Fatalf("Stat: %v %v", info, err)
			}
			if err := file.Close(); err != nil {
				t.Fatal(err)
			}
			if err := fsys.Rename(p, dir+"/a/g"); err != nil {
				t.Fatal(err)
			}
			if err := fsys.Remove(dir + "/a"); err == nil {
				t.Fatal("removing a non-empty directory succeeded")
			}
			entries, err := fsys.ReadDir(dir + "/a")
			if err != nil || len(entries) != 2 || entries[0].Name() != "b" || !entries[0].IsDir() || entries[1].Name() != "g" {
				t.Fatalf("ReadDir: %v %v", entries, err)
			}
			if err := AtomicWriteFileFS(fsys, dir+"/a/g", []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			if b, err := fsys.ReadFile(dir + "/a/g"); err != nil || string(b) != "x" {
				t.Fatalf("ReadFile: %q %v", b, err)
			}
			if err := RemoveDurableFS(fsys, dir+"/a/g"); err != nil {
				t.Fatal(err)
			}
			if err := fsys.RemoveAll(dir + "/a"); err != nil {
				t.Fatal(err)
			}
			if _, err := fsys.Stat(dir + "/a"); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Stat after RemoveAll: %v", err)
			}
		})
	}
}
