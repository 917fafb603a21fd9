package metastore

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openTemp(t *testing.T) (*File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f, path
}

func TestRestartReturnsLastSave(t *testing.T) {
	f, path := openTemp(t)
	for _, doc := range []string{"v1", "v2", `{"streams":["final"]}`} {
		if err := f.Save([]byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	g, err := OpenFile(path) // a new process
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.Load()
	if err != nil || string(got) != `{"streams":["final"]}` {
		t.Fatalf("Load after reopen = %q, %v", got, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != filePerm {
		t.Fatalf("catalog mode: %v %v", info, err)
	}
}

func TestFileLayout(t *testing.T) {
	f, path := openTemp(t)
	if err := f.Save([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{'R', 'N', 'L', 'C', 'A', 'T', 1, 0, 3, 0, 0, 0, 0, 0, 0, 0,
		0xb7, 0x3f, 0x4b, 0x36, // CRC32C("abc") = 0x364b3fb7, little-endian
		'a', 'b', 'c'}
	if string(data) != string(want) {
		t.Fatalf("file bytes\n got % x\nwant % x", data, want)
	}
}

func TestCorruption(t *testing.T) {
	good := encode([]byte(`{"streams":[{"name":"orders","shards":4}]}`))
	mutate := func(fn func(b []byte) []byte) []byte {
		return fn(append([]byte(nil), good...))
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"empty file", []byte{}, "shorter than"},
		{"short header", good[:headerSize-1], "shorter than"},
		{"truncated payload", good[:len(good)-1], "payload is"},
		{"header only", good[:headerSize], "payload is"},
		{"extra byte", append(append([]byte(nil), good...), 0), "payload is"},
		{"flipped payload byte", mutate(func(b []byte) []byte { b[headerSize+3] ^= 0x01; return b }), "CRC32C"},
		{"flipped crc byte", mutate(func(b []byte) []byte { b[17] ^= 0x80; return b }), "CRC32C"},
		{"bad magic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), "bad magic"},
		{"bad version", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[6:], 2); return b }), "version 2"},
		{"huge length", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint64(b[8:], ^uint64(0)); return b }), "payload is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, path := openTemp(t)
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			doc, err := f.Load()
			var ce *CorruptError
			if !errors.As(err, &ce) || doc != nil {
				t.Fatalf("Load = %q, %v; want *CorruptError", doc, err)
			}
			if ce.Path != path || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("CorruptError = %+v; want path %s, reason containing %q", ce, path, tc.reason)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "refusing to start") {
				t.Errorf("message does not name the file and the refusal: %s", msg)
			}
			if data, _ := os.ReadFile(path); string(data) != string(tc.data) {
				t.Error("Load modified the corrupt file")
			}
		})
	}
}

func TestStaleTempIgnoredAndRemoved(t *testing.T) {
	f, path := openTemp(t)
	if err := f.Save([]byte("committed")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	stale := []string{path + ".tmp", path + ".tmp-123456"}
	for _, p := range stale {
		if err := os.WriteFile(p, []byte("half-written garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(dir, "catalogue.tmp") // another file's temp: untouched
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	g, _ := OpenFile(path)
	got, err := g.Load()
	if err != nil || string(got) != "committed" {
		t.Fatalf("Load = %q, %v", got, err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s not removed: %v", p, err)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("unrelated file removed: %v", err)
	}
}

func TestStaleTempWithoutCatalog(t *testing.T) {
	f, path := openTemp(t)
	if err := os.WriteFile(path+".tmp", []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if doc, err := f.Load(); doc != nil || err != nil {
		t.Fatalf("Load = %q, %v; want nil, nil", doc, err)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale tmp not removed: %v", err)
	}
}

func TestOpenFileErrors(t *testing.T) {
	if _, err := OpenFile(""); err == nil {
		t.Error("OpenFile(\"\") succeeded")
	}
	if _, err := OpenFile(t.TempDir()); err == nil {
		t.Error("OpenFile(directory) succeeded")
	}
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(filepath.Join(blocker, "catalog")); err == nil {
		t.Error("OpenFile under a regular file succeeded")
	}
}
