package logstore

import (
	"container/list"
	"fmt"
	"sync"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// fileCache bounds the segment files a Store keeps open: one LRU over every
// shard's segments, active and sealed alike. The cache owns one reference
// to each handle it holds; users take their own (acquire) and release it,
// so evicting a file in use only drops the cache's reference and the file
// is closed when its last user is done.
//
// A segment with writes not yet covered by an fdatasync is pinned: it is
// never evicted, so the group-commit round syncs the very descriptor the
// write went through (an fdatasync through a descriptor opened after a
// writeback error could miss that error). Pins end when the round (or a
// roll, or Close) has synced the file, and the cache then shrinks back to
// its cap. The open count is therefore at most the cap, plus segments
// pinned by the writes of one round, plus files users hold right now.
//
// mu is a leaf lock. Callers hold the segment's Shard.mu around get, pin,
// unpin and drop, so a segment is never opened twice at once; eviction is
// the only access from another shard, and it touches only the fields below.
type fileCache struct {
	fs  fsutil.FS
	mu  sync.Mutex
	max int
	lru list.List // of *segment, most recently used at the front
}

// cachedFile is the part of a segment that fileCache guards (under its mu).
type cachedFile struct {
	h      *handle       // the cache's handle, nil when not open
	elem   *list.Element // its place in the LRU
	pinned bool          // unsynced writes: not evictable
}

func newFileCache(max int, fsys fsutil.FS) *fileCache {
	c := &fileCache{max: max, fs: fsys}
	c.lru.Init()
	return c
}

// get returns a referenced handle to seg, opening the file with flag if it
// is not open. The caller holds seg's Shard.mu and releases the handle.
func (c *fileCache) get(seg *segment, flag int) (*handle, error) {
	c.mu.Lock()
	if h := seg.file.h; h != nil {
		c.lru.MoveToFront(seg.file.elem)
		h.acquire()
		c.mu.Unlock()
		return h, nil
	}
	c.mu.Unlock()
	f, err := c.fs.OpenFile(seg.path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	h := newHandle(f)
	h.acquire() // the caller's reference; the cache keeps the first
	c.insert(seg, h)
	return h, nil
}

// insert hands the cache a handle to seg (the cache takes over the one
// reference h carries) and evicts down to the cap.
func (c *fileCache) insert(seg *segment, h *handle) {
	c.mu.Lock()
	seg.file.h = h
	seg.file.elem = c.lru.PushFront(seg)
	victims := c.evictLocked(nil)
	c.mu.Unlock()
	c.release(victims)
}

// pin keeps seg open until unpin: h, a handle the caller holds and wrote
// through, is (re)installed as the cache's if seg was evicted meanwhile.
func (c *fileCache) pin(seg *segment, h *handle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seg.file.h == nil {
		h.acquire()
		seg.file.h = h
		seg.file.elem = c.lru.PushFront(seg)
	}
	seg.file.pinned = true
}

// unpin makes seg evictable again and shrinks the cache to its cap.
func (c *fileCache) unpin(seg *segment) {
	c.mu.Lock()
	seg.file.pinned = false
	victims := c.evictLocked(nil)
	c.mu.Unlock()
	c.release(victims)
}

// drop removes seg from the cache and releases the cache's reference.
func (c *fileCache) drop(seg *segment) error {
	c.mu.Lock()
	h := seg.file.h
	if h != nil {
		c.lru.Remove(seg.file.elem)
	}
	seg.file = cachedFile{}
	c.mu.Unlock()
	if h == nil {
		return nil
	}
	return h.release()
}

// evictLocked removes unpinned files, least recently used first, until the
// cache is within its cap, and returns their handles for release.
func (c *fileCache) evictLocked(victims []*handle) []*handle {
	for e := c.lru.Back(); e != nil && c.lru.Len() > c.max; {
		seg := e.Value.(*segment)
		prev := e.Prev()
		if !seg.file.pinned {
			c.lru.Remove(e)
			victims = append(victims, seg.file.h)
			seg.file = cachedFile{}
		}
		e = prev
	}
	return victims
}

// release drops the cache's reference to evicted handles (outside mu: the
// last release closes the file).
func (c *fileCache) release(victims []*handle) {
	for _, h := range victims {
		_ = h.release() // read-only or synced: nothing to report
	}
}

// open is the number of files the cache holds.
func (c *fileCache) open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
