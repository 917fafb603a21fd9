package logstore

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by a store or shard log used after Close.
	ErrClosed = errors.New("logstore: closed")
	// ErrRecordTooLarge is returned by Append for a record whose partition
	// key or data exceeds the frame limits.
	ErrRecordTooLarge = errors.New("logstore: record too large")
	// ErrInvalidStream is returned for a stream id that is not [a-z0-9]+.
	ErrInvalidStream = errors.New("logstore: invalid stream id")
)

// CorruptionError reports data on disk that fails its checks somewhere other
// than a torn tail: a bad checksum, an impossible length, a broken header or
// non-consecutive indexes. The store never truncates or skips it; reads that
// need to go past Offset in Path return it.
type CorruptionError struct {
	Path   string
	Offset int64
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("logstore: corruption in %s at offset %d: %s", e.Path, e.Offset, e.Reason)
}

// ShardFailedError is returned by Append on a shard whose file could not be
// synced or restored after a failed write: its on-disk state is unknown, so
// it accepts no more records until it is reopened.
type ShardFailedError struct {
	Stream string
	Shard  uint32
	Err    error
}

func (e *ShardFailedError) Error() string {
	return fmt.Sprintf("logstore: shard %s/%d failed: %v", e.Stream, e.Shard, e.Err)
}

func (e *ShardFailedError) Unwrap() error { return e.Err }
