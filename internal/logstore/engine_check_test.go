package logstore_test

import (
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
)

// Both stores satisfy the engine's ports.
var (
	_ engine.LogStore = (*logstore.Store)(nil)
	_ engine.LogStore = (*logstore.Memory)(nil)
	_ engine.ShardLog = (*logstore.Shard)(nil)
	_ engine.ShardLog = (*logstore.MemoryShard)(nil)
)
