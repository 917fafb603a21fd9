package logstore

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/runnel-io/runnel/internal/record"
)

// Memory is the in-memory LogStore: records are visible as soon as Append
// returns and Sync returns nil at once. It is the reference implementation
// the disk Store is tested against, and backs --in-memory.
type Memory struct {
	mu     sync.Mutex
	shards map[shardKey]*MemoryShard
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{shards: make(map[shardKey]*MemoryShard)}
}

// OpenShard returns the shard's log, creating it empty. A shard keeps its
// records across Close and OpenShard until DeleteStream.
func (m *Memory) OpenShard(stream string, shard uint32) (record.ShardLog, error) {
	sh, err := m.Shard(stream, shard)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return sh, nil
}

// Shard is OpenShard with the concrete type.
func (m *Memory) Shard(stream string, shard uint32) (*MemoryShard, error) {
	if !validStream(stream) {
		return nil, fmt.Errorf("open shard %q/%d: %w", stream, shard, ErrInvalidStream)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := shardKey{stream, shard}
	sh := m.shards[key]
	if sh == nil {
		sh = &MemoryShard{oldest: 1, next: 1}
		m.shards[key] = sh
	}
	return sh, nil
}

// DeleteStream forgets every shard of stream.
func (m *Memory) DeleteStream(stream string) error {
	if !validStream(stream) {
		return fmt.Errorf("delete stream %q: %w", stream, ErrInvalidStream)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.shards {
		if key.stream == stream {
			delete(m.shards, key)
		}
	}
	return nil
}

// Sync returns nil: memory appends are "durable" as soon as they return.
func (m *Memory) Sync(context.Context, uint64) error { return nil }

// Close does nothing; it is safe to call more than once.
func (m *Memory) Close() error { return nil }

// MemoryShard is one shard's in-memory log.
type MemoryShard struct {
	mu     sync.RWMutex
	recs   []record.Record // retained records; recs[i].Index == oldest+i
	oldest uint64
	next   uint64
	lastTS int64
}

// Append copies recs (their data into one allocation per batch), assigning
// indexes and clamped timestamps in place. The token is always 0.
func (sh *MemoryShard) Append(recs []record.Record) (first, token uint64, err error) {
	total := 0
	for i := range recs {
		if err := checkRecordSize(&recs[i]); err != nil {
			return 0, 0, fmt.Errorf("append: record %d: %w", i, err)
		}
		total += len(recs[i].Data)
	}
	data := make([]byte, 0, total)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	first = sh.next
	for i := range recs {
		r := &recs[i]
		r.Timestamp = max(r.Timestamp, sh.lastTS)
		sh.lastTS = r.Timestamp
		r.Index = sh.next
		sh.next++
		start := len(data)
		data = append(data, r.Data...)
		sh.recs = append(sh.recs, record.Record{
			Index: r.Index, Timestamp: r.Timestamp, PartitionKey: r.PartitionKey,
			Data: data[start:len(data):len(data)],
		})
	}
	return first, 0, nil
}

// Read follows the ShardLog contract. Returned data is shared with the
// store: callers must not modify it.
func (sh *MemoryShard) Read(from uint64, maxRecords, maxBytes int, dst []record.Record) ([]record.Record, error) {
	maxRecords = max(maxRecords, 1)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	from = max(from, sh.oldest)
	count, total := 0, 0
	for i := from - sh.oldest; i < uint64(len(sh.recs)) && count < maxRecords; i++ {
		size := sh.recs[i].Size()
		if count > 0 && total+size > maxBytes {
			break
		}
		dst = append(dst, sh.recs[i])
		count++
		total += size
	}
	return dst, nil
}

// Bounds reports the oldest retained index and the next index.
func (sh *MemoryShard) Bounds() (oldest, next uint64) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.oldest, sh.next
}

// LastTimestamp is the newest record's timestamp, 0 if none was appended.
func (sh *MemoryShard) LastTimestamp() int64 {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.lastTS
}

// SeekTime returns the first retained index with timestamp >= ms, or next.
func (sh *MemoryShard) SeekTime(ms int64) (uint64, error) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	i := sort.Search(len(sh.recs), func(i int) bool { return sh.recs[i].Timestamp >= ms })
	return sh.oldest + uint64(i), nil
}

// Trim drops the records older than beforeMs.
func (sh *MemoryShard) Trim(beforeMs int64) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i := sort.Search(len(sh.recs), func(i int) bool { return sh.recs[i].Timestamp >= beforeMs })
	if i == 0 {
		return nil
	}
	sh.recs = append([]record.Record(nil), sh.recs[i:]...)
	sh.oldest += uint64(i)
	return nil
}

// Close does nothing: the records stay until DeleteStream.
func (sh *MemoryShard) Close() error { return nil }
