// Package baseline is a do-nothing Kinesis endpoint: the floor every target
// in the benchmark is compared against.
//
// Its handler does what any server must do for a request — read the whole
// body and decode its JSON (encoding/json into a map) — and then answers with
// a canned success: PutRecords gets one result entry per request entry, all
// with the same ShardId and SequenceNumber; CreateStream and DeleteStream an
// empty 200; DescribeStreamSummary an ACTIVE stream with four shards;
// ListShards those four shards; GetShardIterator a fixed iterator; GetRecords
// an empty list; PutRecord a fixed sequence number. Nothing is stored, so a
// read-back check against it is meaningless and the harness skips it.
//
// Invariants: the handler holds no mutable state (it is safe for any number
// of concurrent requests); it never panics on input, answering malformed
// requests with a Kinesis-shaped 400.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package.
package baseline
