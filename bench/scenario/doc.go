// Package scenario holds the benchmark's workloads and their integrity
// checks. Each scenario drives one target through a Kinesis client and
// returns a Result: records/s, MiB/s, call latency (p50/p99/max), error
// counts and, where it reads back, whether every acknowledged record came
// back exactly once, byte for byte.
//
// Scenarios:
//   - putrecords: 8 producers, each PutRecords of 500 × 100 B, 4 shards;
//   - putrecord64: 64 concurrent single-record PutRecord callers (100 B);
//   - putrecords1k, putrecords25k: putrecords with 1 KiB records, and with
//     25 KiB records 200 per call (the 5 MiB request limit);
//   - getrecords: 1,000,000 × 100 B put in batches of 500, then all 4 shards
//     drained from TRIM_HORIZON with GetRecords Limit 10000; the drain is
//     what is timed;
//   - fanout, latency, efolatency, manyshards, restart: see their files and
//     bench/README.md.
//
// The fan-out scenario's subscribers run in a child process (the same
// binary with FanoutSubscribersCommand as its first argument) under
// SCHED_IDLE; fanout_child.go holds both ends of that exchange. Every timed
// scenario notes the CPU the target and the load generator used (proc.go).
//
// Payloads are self-describing: "PPPP:CCCCCCCCCCCC:" (producer id and that
// producer's record counter) followed by filler derived from both, and the
// partition key is derived from them too, so a record read back can be
// checked without keeping a copy. Each producer keeps a ledger of the state
// of each record it sent (acknowledged, refused, or unknown because the call
// failed); the Verifier holds read-back records against those ledgers.
//
// Invariants: every loop is bounded by a deadline and by a call count; every
// call has its own timeout; a producer's ledger is written only by its own
// goroutine and read only after that goroutine has finished. The Verifier
// has one mutex and takes no other lock.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package.
package scenario
