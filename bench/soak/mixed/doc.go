// Command mixed is Runnel's soak: a mixed workload against the built runnel
// binary for a set time, sampling the server's memory, open files and
// goroutines as it goes, then checking that every acknowledged record reads
// back exactly once.
//
// Run it from the repository root:
//
//	go run ./bench/soak/mixed -duration 10m
//
// It builds ./cmd/runnel (or uses -runnel PATH) and starts it durable with
// default flags except --listen 127.0.0.1:0, a temporary --data-dir and zero
// create/update/delete delays. The workload, all at once:
//
//   - producers: -batch-producers calling PutRecords (100 records of 100 B)
//     and -single-producers calling PutRecord, each at a set rate;
//   - -pollers polling consumers, each reading every shard (parents and
//     children) with GetRecords;
//   - one enhanced fan-out consumer (RegisterStreamConsumer) subscribed to
//     every shard with SubscribeToShard, resubscribing from its continuation
//     sequence number whenever a subscription ends (restart, reshard, the
//     5-minute limit) until the shard's ChildShards event;
//   - every -reshard-every a reshard, in turn: SplitShard, MergeShards,
//     UpdateShardCount up (double), UpdateShardCount down (half), each
//     waited for until the stream is ACTIVE again;
//   - every -restart-every a graceful restart: SIGTERM, wait for exit 0,
//     start again on the same data directory (on a new port; the clients'
//     dialer follows it).
//
// Every -sample it prints the server's VmRSS (/proc/PID/status), open file
// descriptors (entries of /proc/PID/fd) and goroutines (go_goroutines from
// GET /metrics on the API listener). At the end it stops the workload,
// drains every shard from TRIM_HORIZON and checks each payload (producer id,
// counter, padding, partition key): every acknowledged record must appear
// exactly once, intact and in order per producer within its shard; records
// refused per entry must not appear; records of calls that failed (mostly
// during restarts) may appear at most once. Then it prints the sampled table
// (every -table-every), first/last/max, and the check; the exit code is 1 if
// the check or a graceful stop failed.
//
// Bounds: only 127.0.0.1; every loop ends with the run's context; the
// server is stopped by the PID it was started with.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package.
package main
