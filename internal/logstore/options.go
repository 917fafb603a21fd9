package logstore

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// Options configure a disk Store. Zero fields take their defaults.
type Options struct {
	// Logger receives recovery and failure reports. Default: discard.
	Logger *slog.Logger
	// SegmentBytes is the size at which the active segment rolls. A batch
	// never spans segments, so a segment may exceed it by one batch.
	// Default 64 MiB.
	SegmentBytes int64
	// SegmentMaxAge rolls the active segment once its first record is older
	// than this, so retention can reclaim it. Default 1h.
	SegmentMaxAge time.Duration
	// IndexInterval is the number of bytes between sparse index entries.
	// Default 4096.
	IndexInterval int
	// Now is the clock used for segment age. Default time.Now.
	Now func() time.Time
	// MaxOpenFiles caps the segment files the store keeps open across all
	// shards (an LRU; idle shards' files are closed and reopened on
	// demand). Files with writes waiting for their group-commit round, and
	// files a read is using, stay open beyond it until done. Default 256.
	MaxOpenFiles int
	// RecoveryWorkers is how many shards Open recovers at once in the
	// background. Default max(4, GOMAXPROCS).
	RecoveryWorkers int
	// Observer, if set, is told about every group-commit round
	// (observer.go).
	Observer Observer
	// FS is the file system the store works on. Default: the real one
	// (fsutil.OS); tests pass an fsutil.Fault to inject I/O errors, full
	// disks and power losses (crash_test.go).
	FS fsutil.FS

	// hooks lets package tests inject faults and hold the syncer.
	hooks *hooks
}

// hooks are fault-injection and scheduling points for tests.
type hooks struct {
	// beforeRound runs in the syncer goroutine before each round takes the
	// set of dirty shards.
	beforeRound func()
	// syncFile replaces File.Sync (fdatasync) for segment files.
	syncFile func(f fsutil.File) error
	// writeAt replaces File.WriteAt for appends.
	writeAt func(f fsutil.File, b []byte, off int64) (int, error)
}

const (
	defaultSegmentBytes  = 64 << 20
	defaultSegmentMaxAge = time.Hour
	defaultIndexInterval = 4096
	defaultMaxOpenFiles  = 256
)

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = fsutil.OS{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = defaultSegmentBytes
	}
	if o.SegmentMaxAge <= 0 {
		o.SegmentMaxAge = defaultSegmentMaxAge
	}
	if o.IndexInterval <= 0 {
		o.IndexInterval = defaultIndexInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxOpenFiles <= 0 {
		o.MaxOpenFiles = defaultMaxOpenFiles
	}
	if o.RecoveryWorkers <= 0 {
		o.RecoveryWorkers = max(4, runtime.GOMAXPROCS(0))
	}
	return o
}
