// Package server is Runnel's composition root: it turns a config.Config into
// a running server by opening the data directory (lock, key, catalog, shard
// logs), building the engine and the API handler, and serving HTTP. It owns
// the order of shutdown: stop accepting, finish in-flight requests, stop
// maintenance, close the engine, make the logs durable.
//
// Data directory layout (see docs/format/): LOCK (an flock held while
// serving), catalog (metastore file), server.key (iterator/token key),
// master.key (wraps encrypted streams' data keys, unless --master-key-file),
// log/ (shard logs), and with --tls-self-signed tls-cert.pem and tls-key.pem
// (an ECDSA P-256 certificate for 127.0.0.1/::1/localhost, reused until it
// expires; in a temp dir, removed at shutdown, with --in-memory), and
// readyz.probe (rewritten and fdatasynced by /readyz, health.go).
//
// One listener serves every client (tls.go): HTTP/1.1 and h2c with prior
// knowledge on plain TCP, or HTTP/1.1 and h2 via ALPN with TLS. limits.go
// bounds it: open connections (a counting listener), requests in flight,
// body, header and idle times (api.Guard and http.Server), with no
// WriteTimeout because a SubscribeToShard response streams for 5 minutes.
//
// observability.go owns the metrics registry (no global one): it is made
// before the stores, which report to it (engine.Observer per account,
// logstore.Observer, api.RequestObserver; internal/metrics implements
// them). /metrics, /healthz, /readyz and, with --pprof, /debug/pprof/ are
// routed by method and path before the Kinesis handler (and its Guard, so
// an overloaded server still answers probes), or served on --metrics-listen
// alone, where the API listener then answers them as any other GET.
package server
