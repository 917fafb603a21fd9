package metastore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// catalogStore mirrors engine.CatalogStore; metastore must not import engine.
type catalogStore interface {
	Load() ([]byte, error)
	Save(doc []byte) error
}

var (
	_ catalogStore = (*File)(nil)
	_ catalogStore = (*Memory)(nil)
)

// runConformance checks the CatalogStore contract against one implementation.
func runConformance(t *testing.T, open func(t *testing.T) catalogStore) {
	t.Run("empty", func(t *testing.T) {
		doc, err := open(t).Load()
		if doc != nil || err != nil {
			t.Fatalf("Load on empty store = %q, %v; want nil, nil", doc, err)
		}
	})
	t.Run("save load overwrite", func(t *testing.T) {
		s := open(t)
		for _, doc := range []string{`{"streams":[]}`, `{"streams":[{"name":"a"}]}`, `{}`} {
			if err := s.Save([]byte(doc)); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load()
			if err != nil || string(got) != doc {
				t.Fatalf("Load = %q, %v; want %q", got, err, doc)
			}
		}
	})
	t.Run("empty document", func(t *testing.T) {
		s := open(t)
		if err := s.Save(nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load()
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Load after Save(nil) = %#v, %v; want empty non-nil", got, err)
		}
	})
	t.Run("no aliasing", func(t *testing.T) {
		s := open(t)
		doc := []byte("original")
		if err := s.Save(doc); err != nil {
			t.Fatal(err)
		}
		doc[0] = 'X'
		got, _ := s.Load()
		got[1] = 'Y'
		again, _ := s.Load()
		if string(again) != "original" {
			t.Fatalf("store aliased a caller's slice: %q", again)
		}
	})
	t.Run("large binary", func(t *testing.T) {
		s := open(t)
		doc := bytes.Repeat([]byte{0, 1, 2, 0xFF, '\n'}, 200_000)
		if err := s.Save(doc); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Load(); err != nil || !bytes.Equal(got, doc) {
			t.Fatalf("large document did not round-trip: %v", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 5 {
					doc := fmt.Sprintf(`{"writer":%d,"n":%d}`, i, j)
					if err := s.Save([]byte(doc)); err != nil {
						t.Error(err)
					}
					if _, err := s.Load(); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		got, err := s.Load()
		if err != nil || !bytes.HasPrefix(got, []byte(`{"writer":`)) {
			t.Fatalf("Load after concurrent saves = %q, %v", got, err)
		}
	})
}

func TestMemoryConformance(t *testing.T) {
	runConformance(t, func(*testing.T) catalogStore { return NewMemory() })
}

func TestFileConformance(t *testing.T) {
	runConformance(t, func(t *testing.T) catalogStore {
		f, err := OpenFile(filepath.Join(t.TempDir(), "meta", "catalog"))
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}
