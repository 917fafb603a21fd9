// Package server is Runnel's composition root: it turns a config.Config into
// a running server by opening the data directory (lock, key, catalog, shard
// logs), building the engine and the API handler, and serving HTTP. It owns
// the order of shutdown: stop accepting, finish in-flight requests, stop
// maintenance, close the engine, make the logs durable.
//
// Data directory layout (see docs/format/): LOCK (an flock held while
// serving), catalog (metastore file), server.key (iterator/token key),
// log/ (shard logs).
package server
