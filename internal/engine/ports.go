package engine

import (
	"context"

	"github.com/runnel-io/runnel/internal/record"
)

// LogStore is the durable home of every shard's records. internal/logstore
// provides the disk implementation and an in-memory one; both pass the same
// conformance tests.
type LogStore interface {
	// OpenShard opens the log of one shard, creating it empty if it does not
	// exist yet. stream is the stream's immutable id (not its name).
	OpenShard(stream string, shard uint32) (ShardLog, error)
	// DeleteStream removes every shard log of the stream. The engine closes
	// the stream's ShardLogs before calling it.
	DeleteStream(stream string) error
	// Sync blocks until every append that returned a token <= token is on
	// stable storage and visible to readers (group commit: one sync covers
	// every shard written meanwhile), or ctx ends, or the sync failed.
	Sync(ctx context.Context, token uint64) error
	// Close makes everything durable and releases all files.
	Close() error
}

// ShardLog is one shard's append-only log. It is declared in package
// record, beside the record type, because Go's method sets would otherwise
// force every store to import the engine to return it.
type ShardLog = record.ShardLog

// CatalogStore persists the catalog (streams, shards, tags, states) as one
// opaque document, replaced atomically.
type CatalogStore interface {
	// Load returns the last saved document, or nil with no error if none
	// was ever saved.
	Load() ([]byte, error)
	// Save replaces the document atomically and durably.
	Save(doc []byte) error
}
