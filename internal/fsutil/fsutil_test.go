package fsutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAtomicWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "catalog.json")
	tests := []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{"create", []byte("first version"), 0o600},
		{"replace longer", []byte("second, longer version of the document"), 0o644},
		{"replace shorter", []byte("3"), 0o600},
		{"empty", nil, 0o600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := AtomicWriteFile(path, tc.data, tc.perm); err != nil {
				t.Fatalf("AtomicWriteFile: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.data) {
				t.Fatalf("content = %q, want %q", got, tc.data)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != tc.perm {
				t.Fatalf("perm = %v, want %v", info.Mode().Perm(), tc.perm)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Fatalf("directory holds %d entries, want only the target (no temp files left)", len(entries))
			}
		})
	}
}

func TestAtomicWriteFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent", "file")
	err := AtomicWriteFile(path, []byte("x"), 0o600)
	if err == nil {
		t.Fatal("AtomicWriteFile into a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the path", err)
	}
}

func TestAtomicWriteFileOntoDirectoryKeepsNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sub")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := AtomicWriteFile(target, []byte("x"), 0o600); err == nil {
		t.Fatal("renaming over a non-empty directory succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("temp file left behind: %v", entries)
	}
}

func TestMkdirAllDurable(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := MkdirAllDurable(deep, 0o755); err != nil {
		t.Fatalf("MkdirAllDurable: %v", err)
	}
	if info, err := os.Stat(deep); err != nil || !info.IsDir() {
		t.Fatalf("stat %s: %v", deep, err)
	}
	if err := MkdirAllDurable(deep, 0o755); err != nil {
		t.Fatalf("MkdirAllDurable on an existing directory: %v", err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAllDurable(filepath.Join(file, "x"), 0o755); err == nil {
		t.Fatal("MkdirAllDurable below a regular file succeeded")
	}
	if err := MkdirAllDurable(file, 0o755); err == nil {
		t.Fatal("MkdirAllDurable on a regular file succeeded")
	}
}

func TestFdatasyncAndSyncDir(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if err := Fdatasync(f); err != nil {
		t.Fatalf("Fdatasync: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Fdatasync(f); err == nil {
		t.Fatal("Fdatasync on a closed file succeeded")
	}
	if err := SyncDir(dir); err != nil {
		t.Fatalf("SyncDir: %v", err)
	}
	if err := SyncDir(filepath.Join(dir, "absent")); err == nil {
		t.Fatal("SyncDir on a missing directory succeeded")
	}
}

func TestRemoveDurable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RemoveDurable(path); err != nil {
		t.Fatalf("RemoveDurable: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
	if err := RemoveDurable(path); err != nil {
		t.Fatalf("RemoveDurable of a missing file: %v", err)
	}
}
