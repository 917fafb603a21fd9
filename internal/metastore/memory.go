package metastore

import (
	"bytes"
	"sync"
)

// Memory is the in-memory reference CatalogStore. It keeps nothing across
// processes.
type Memory struct {
	mu    sync.Mutex
	doc   []byte
	saved bool
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{} }

// Load returns a copy of the last saved document, or nil if none was saved.
func (m *Memory) Load() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.saved {
		return nil, nil
	}
	return bytes.Clone(m.doc), nil
}

// Save replaces the document with a copy of doc.
func (m *Memory) Save(doc []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.doc = append(make([]byte, 0, len(doc)), doc...)
	m.saved = true
	return nil
}
