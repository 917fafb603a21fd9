// Package record holds what the engine and the log stores share: the Record
// type as it sits in a shard's log, and the ShardLog contract a store's
// shard implements. It exists so that internal/engine can consume a log
// without importing a concrete store, and the stores can implement it
// without importing the engine.
//
// It imports nothing from the project and must stay that way.
package record
