package logstore

import (
	"github.com/runnel-io/runnel/internal/record"

	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// Store is the disk LogStore: one directory per stream, one per shard, and
// a single group-commit syncer shared by every shard.
type Store struct {
	dir      string
	opts     Options
	log      *slog.Logger
	fs       fsutil.FS
	syncFile func(fsutil.File) error
	writeAt  func(fsutil.File, []byte, int64) (int, error)
	closing  atomic.Bool
	files    *fileCache
	bufs     sync.Pool // of *[]byte, Append's encode buffers
	// recovering counts the recovery workers started by Open.
	recovering sync.WaitGroup

	// openMu serialises OpenShard, Shard.Close, DeleteStream and Close, and
	// guards shards. It is taken before any Shard.mu and before mu.
	openMu sync.Mutex
	shards map[shardKey]*Shard

	// mu guards the group-commit state below. It is never held while taking
	// a Shard.mu.
	mu         sync.Mutex
	wake       *sync.Cond // signals the syncer
	gen        uint64     // the generation appends join now (their token)
	done       uint64     // every generation <= done has finished its round
	failed     map[uint64]error
	dirty      []*Shard // shards written since the last round began
	spare      []*Shard
	wantRound  bool          // a Sync waits on the current generation
	roundDone  chan struct{} // closed and replaced when a round finishes
	closed     bool
	closeErr   error
	syncerDone chan struct{}
	closeDone  chan struct{}
}

type shardKey struct {
	stream string
	shard  uint32
}

// Open opens (creating if needed) the store rooted at dir and starts its
// syncer. It returns once it has listed the shards on disk; they are
// recovered in the background by Options.RecoveryWorkers goroutines, and an
// OpenShard of a shard not recovered yet recovers it at once (or waits for
// the worker already doing so).
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if err := fsutil.MkdirAllDurableFS(opts.FS, dir, 0o755); err != nil {
		return nil, fmt.Errorf("open log store: %w", err)
	}
	s := &Store{
		dir:        dir,
		opts:       opts,
		log:        opts.Logger,
		fs:         opts.FS,
		syncFile:   fsutil.File.Sync,
		writeAt:    fsutil.File.WriteAt,
		files:      newFileCache(opts.MaxOpenFiles, opts.FS),
		shards:     make(map[shardKey]*Shard),
		gen:        1,
		failed:     make(map[uint64]error),
		roundDone:  make(chan struct{}),
		syncerDone: make(chan struct{}),
		closeDone:  make(chan struct{}),
	}
	if h := opts.hooks; h != nil {
		if h.syncFile != nil {
			s.syncFile = h.syncFile
		}
		if h.writeAt != nil {
			s.writeAt = h.writeAt
		}
	}
	s.wake = sync.NewCond(&s.mu)
	if err := s.removeDeletedStreams(); err != nil {
		return nil, err
	}
	found, err := s.listShards()
	if err != nil {
		return nil, err
	}
	go s.runSyncer()
	s.startRecovery(found)
	return s, nil
}

// OpenShard opens the log of one shard, recovering it from disk or creating
// it empty. Opening an open shard again returns the same *Shard; it is
// closed when every opener has closed it.
func (s *Store) OpenShard(stream string, shard uint32) (record.ShardLog, error) {
	sh, err := s.Shard(stream, shard)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return sh, nil
}

// Shard is OpenShard with the concrete type.
func (s *Store) Shard(stream string, shard uint32) (*Shard, error) {
	if !validStream(stream) {
		return nil, fmt.Errorf("open shard %q/%d: %w", stream, shard, ErrInvalidStream)
	}
	s.openMu.Lock()
	if s.closing.Load() {
		s.openMu.Unlock()
		return nil, ErrClosed
	}
	key := shardKey{stream, shard}
	sh := s.shards[key]
	if sh == nil {
		sh = s.newShard(stream, shard)
		s.shards[key] = sh
	}
	sh.refs++
	s.openMu.Unlock()

	if err := sh.recoverOnce(); err != nil {
		s.openMu.Lock()
		if sh.refs--; sh.refs == 0 && s.shards[key] == sh {
			delete(s.shards, key) // the next OpenShard tries again
		}
		s.openMu.Unlock()
		return nil, fmt.Errorf("open shard %s/%d: %w", stream, shard, err)
	}
	return sh, nil
}

// closeShard drops one reference to sh and closes its files with the last.
func (s *Store) closeShard(sh *Shard) error {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	key := shardKey{sh.stream, sh.id}
	if s.shards[key] != sh {
		return nil // already closed
	}
	sh.refs--
	if sh.refs > 0 {
		return nil
	}
	delete(s.shards, key)
	return sh.closeFiles()
}

// DeleteStream closes any shard of stream still open and removes the
// stream's directory durably. The directory is first renamed to
// "<stream>.deleted" so a crash midway leaves nothing that looks like data;
// Open removes such leftovers.
func (s *Store) DeleteStream(stream string) error {
	if !validStream(stream) {
		return fmt.Errorf("delete stream %q: %w", stream, ErrInvalidStream)
	}
	s.openMu.Lock()
	defer s.openMu.Unlock()
	if s.closing.Load() {
		return ErrClosed
	}
	var errs []error
	for key, sh := range s.shards {
		if key.stream == stream {
			delete(s.shards, key)
			if err := sh.abandon(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	src := filepath.Join(s.dir, stream)
	trash := src + deletedSuffix
	if err := s.fs.Rename(src, trash); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.Join(errs...)
		}
		return fmt.Errorf("delete stream %s: %w", stream, err)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("delete stream %s: %w", stream, err)
	}
	if err := s.fs.RemoveAll(trash); err != nil {
		return fmt.Errorf("delete stream %s: %w", stream, err)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("delete stream %s: %w", stream, err)
	}
	return errors.Join(errs...)
}

const deletedSuffix = ".deleted"

func (s *Store) removeDeletedStreams() error {
	entries, err := s.fs.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("open log store: %w", err)
	}
	removed := false
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), deletedSuffix) {
			s.log.Warn("logstore: removing leftover of an interrupted stream deletion", "dir", filepath.Join(s.dir, e.Name()))
			if err := s.fs.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
				return fmt.Errorf("open log store: %w", err)
			}
			removed = true
		}
	}
	if removed {
		if err := s.fs.SyncDir(s.dir); err != nil {
			return fmt.Errorf("open log store: %w", err)
		}
	}
	return nil
}

// Close stops accepting appends, runs a final sync, closes every shard and
// releases all files. Closing twice returns the first result.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		<-s.closeDone
		return s.closeErr
	}
	s.closing.Store(true)
	s.wake.Broadcast()
	s.mu.Unlock()

	<-s.syncerDone // the syncer drains every dirty shard before it exits

	s.openMu.Lock()
	var errs []error
	for key, sh := range s.shards {
		delete(s.shards, key)
		if err := sh.abandon(); err != nil {
			errs = append(errs, err)
		}
	}
	s.openMu.Unlock()
	s.recovering.Wait()

	err := errors.Join(errs...)
	s.mu.Lock()
	// Appends that raced with Close joined generation gen; closeFiles
	// synced them.
	if err != nil {
		s.failed[s.gen] = err
	}
	s.done = s.gen
	s.gen++
	s.closed = true
	s.closeErr = err
	close(s.roundDone)
	s.roundDone = make(chan struct{})
	s.mu.Unlock()
	close(s.closeDone)
	return err
}

// getBuffer returns an encode buffer from the store's pool.
func (s *Store) getBuffer() *[]byte {
	if b, ok := s.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 64<<10)
	return &b
}

// putBuffer returns b to the pool unless it grew too large to keep.
func (s *Store) putBuffer(b *[]byte) {
	if cap(*b) <= maxKeptBuffer {
		*b = (*b)[:0]
		s.bufs.Put(b)
	}
}

// OpenFiles is the number of segment files the store's cache holds open
// (files in use by a read or a sync round at this moment may add to it).
func (s *Store) OpenFiles() int { return s.files.open() }
