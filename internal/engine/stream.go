package engine

import (
	"fmt"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
	"github.com/runnel-io/runnel/internal/record"
	"github.com/runnel-io/runnel/internal/seqnum"
)

// Status is a stream's StreamStatus.
type Status string

// The stream statuses.
const (
	StatusCreating Status = "CREATING"
	StatusActive   Status = "ACTIVE"
	StatusDeleting Status = "DELETING"
	StatusUpdating Status = "UPDATING"
)

// Mode is a stream's capacity mode.
type Mode string

// The capacity modes.
const (
	ModeProvisioned Mode = "PROVISIONED"
	ModeOnDemand    Mode = "ON_DEMAND"
)

// stream is one stream incarnation. Fields after id are guarded by Engine.mu.
type stream struct {
	name    string
	id      string    // immutable log id, unique per incarnation
	created time.Time // millisecond precision

	mode           Mode
	readyAt        time.Time // CREATING until then
	deletingAt     time.Time // zero unless DeleteStream was called
	goneAt         time.Time // when a deleting stream disappears
	updatingUntil  time.Time // UPDATING until then
	retentionHours int
	tags           map[string]string
	metrics        []string          // enabled shard-level metrics, in metricOrder (monitoring.go)
	policy         string            // resource policy text, "" if none (policy.go)
	consumerPolicy map[string]string // consumer NAME:SECONDS -> policy text (policy.go)
	maxRecordKiB   int               // maximum record size; 0 means the default (record_size.go)
	warm           warmThroughput
	enc            streamEncryption // encryption at rest (encryption.go)
	shards         []*shard         // by index; shards[i].index == i
	routing        []*shard         // open shards by starting hash key; rebuilt on change
	consumers      []*consumer      // enhanced fan-out consumers, in registration order (consumers.go)
}

// shard is one shard of a stream. Fields are immutable except closedAt and
// endSeqIndex, which are guarded by Engine.mu.
type shard struct {
	index      uint32
	parent     int64 // -1 if none
	adjacent   int64 // -1 if none
	hashRange  hashkey.Range
	createdSec int64 // shard create time in seconds (sequence-number field)
	createdAt  time.Time
	closedAt   time.Time     // zero while open
	endIndex   uint64        // index of the last record, once closed (0: none)
	enc        []encBoundary // encryption changes by index, guarded by Engine.mu (encryption.go)
	log        ShardLog
}

func shardID(index uint32) string { return fmt.Sprintf("shardId-%012d", index) }

// parseShardID accepts "shardId-000000000003" (and, like AWS, any run of
// digits after the prefix) and returns the index.
func parseShardID(id string) (uint32, bool) {
	const prefix = "shardId-"
	if len(id) <= len(prefix) || id[:len(prefix)] != prefix {
		return 0, false
	}
	var n uint64
	for _, c := range id[len(prefix):] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<32-1 {
			return 0, false
		}
	}
	return uint32(n), true
}

func (s *stream) status(now time.Time) Status {
	switch {
	case !s.deletingAt.IsZero():
		return StatusDeleting
	case now.Before(s.readyAt):
		return StatusCreating
	case now.Before(s.updatingUntil):
		return StatusUpdating
	}
	return StatusActive
}

// gone reports whether a deleted stream has finished deleting.
func (s *stream) gone(now time.Time) bool {
	return !s.deletingAt.IsZero() && !now.Before(s.goneAt)
}

func (e *Engine) arn(name string) string {
	return "arn:aws:kinesis:" + e.cfg.Region + ":" + e.cfg.AccountID + ":stream/" + name
}

func (sh *shard) open() bool { return sh.closedAt.IsZero() }

// expired reports whether a closed shard's records have all passed the
// retention horizon: it is then no longer listed.
func (sh *shard) expired(horizon time.Time) bool {
	return !sh.open() && !sh.closedAt.After(horizon)
}

// startingSequence is the shard's StartingSequenceNumber: seqIndex 0 at the
// shard's creation time.
func (sh *shard) startingSequence() string {
	return seqnum.Parts{ShardCreateTime: sh.createdSec, ShardIndex: sh.index, RecordTime: sh.createdSec}.String()
}

// sequence is the sequence number of the record with the given index and
// arrival time (Unix milliseconds) in this shard.
func (sh *shard) sequence(dst []byte, index uint64, timestampMs int64) []byte {
	recordSec := timestampMs / 1000
	if recordSec < sh.createdSec {
		recordSec = sh.createdSec
	}
	return seqnum.Parts{ShardCreateTime: sh.createdSec, ShardIndex: sh.index, SeqIndex: index, RecordTime: recordSec}.AppendDecimal(dst)
}

// sequences returns the sequence numbers of recs (records of this shard),
// all sharing one backing string: one allocation for a whole read instead
// of one per record.
func (sh *shard) sequences(recs []record.Record) []string {
	if len(recs) == 0 {
		return []string{}
	}
	buf := make([]byte, 0, len(recs)*seqnum.Digits)
	ends := make([]int, len(recs))
	for i := range recs {
		buf = sh.sequence(buf, recs[i].Index, recs[i].Timestamp)
		ends[i] = len(buf)
	}
	all := string(buf)
	seqs := make([]string, len(recs))
	start := 0
	for i, end := range ends {
		seqs[i] = all[start:end]
		start = end
	}
	return seqs
}

// rebuildRouting recomputes the open shards ordered by starting hash key.
func (s *stream) rebuildRouting() {
	out := make([]*shard, 0, len(s.shards))
	for _, sh := range s.shards {
		if sh.open() {
			out = append(out, sh)
		}
	}
	sortByHash(out)
	s.routing = out
}

func sortByHash(shards []*shard) {
	for i := 1; i < len(shards); i++ {
		for j := i; j > 0 && shards[j].hashRange.Start.Cmp(shards[j-1].hashRange.Start) < 0; j-- {
			shards[j], shards[j-1] = shards[j-1], shards[j]
		}
	}
}

// route finds the open shard whose range holds key. open is sorted by hash.
func route(open []*shard, key hashkey.Key) *shard {
	lo, hi := 0, len(open)
	for lo < hi {
		mid := (lo + hi) / 2
		if open[mid].hashRange.End.Cmp(key) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(open) && open[lo].hashRange.Contains(key) {
		return open[lo]
	}
	return nil
}
