package metastore

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// TestSaveFailuresKeepTheOldCatalog fails each operation of a Save in turn
// (ENOSPC for creates and writes, EIO for the rest): Save reports the
// error, Load still returns the previous document, and no temporary file
// is left behind after the next Load, also across a power loss.
func TestSaveFailuresKeepTheOldCatalog(t *testing.T) {
	open := func(f *fsutil.Fault) *File {
		t.Helper()
		file, err := OpenFileFS(f, "/data/catalog")
		if err != nil {
			t.Fatal(err)
		}
		return file
	}
	probe := fsutil.NewFault()
	pf := open(probe)
	if err := pf.Save([]byte("old")); err != nil {
		t.Fatal(err)
	}
	before := probe.Ops()
	if err := pf.Save([]byte("new")); err != nil {
		t.Fatal(err)
	}
	trace := probe.Trace()[before:]
	for i, line := range trace {
		kind, _, _ := strings.Cut(line, " ")
		var op fsutil.Op = -1
		for k := fsutil.OpCreate; k <= fsutil.OpSyncDir; k++ {
			if k.String() == kind {
				op = k
			}
		}
		err := error(syscall.EIO)
		if op == fsutil.OpCreate || op == fsutil.OpWrite {
			err = syscall.ENOSPC
		}
		where := fmt.Sprintf("%v at op %d (%s)", err, i+1, line)
		f := fsutil.NewFault()
		file := open(f)
		if err := file.Save([]byte("old")); err != nil {
			t.Fatal(err)
		}
		nth := 0
		for _, l := range trace[:i+1] {
			if strings.HasPrefix(l, kind+" ") {
				nth++
			}
		}
		f.FailAt(op, nth, err)
		if file.Save([]byte("new")) == nil {
			t.Fatalf("%s: Save succeeded", where)
		}
		// The running system sees the old document, or the new one if only
		// the directory sync failed; after a power loss, the old one.
		for _, disk := range []*fsutil.Fault{f, nil} {
			if disk == nil {
				disk = f.PowerLoss()
			}
			got, lerr := open(disk).Load()
			if lerr != nil {
				t.Fatalf("%s: Load: %v", where, lerr)
			}
			if string(got) != "old" && (string(got) != "new" || op != fsutil.OpSyncDir || disk != f) {
				t.Fatalf("%s: Load returns %q after a failed Save", where, got)
			}
			entries, _ := disk.ReadDir("/data")
			if len(entries) != 1 {
				t.Fatalf("%s: %d entries beside the catalog after Load", where, len(entries)-1)
			}
		}
	}
}
