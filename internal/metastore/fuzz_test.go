package metastore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzLoad(f *testing.F) {
	f.Add([]byte{})
	f.Add(encode(nil))
	f.Add(encode([]byte(`{"streams":[]}`)))
	f.Add([]byte("RNLCAT"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "catalog")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := s.Load()
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load: %v is not a *CorruptError", err)
			}
			return
		}
		// Whatever loads must re-encode to the exact file bytes.
		if !bytes.Equal(encode(doc), data) {
			t.Fatalf("loaded %q from % x, which re-encodes differently", doc, data)
		}
	})
}
