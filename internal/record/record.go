package record

// Record is one data record of a shard log.
//
// Index is the record's ordinal within its shard: the first record ever
// appended to a shard has Index 1, and every later one has the previous Index
// plus one. It is the seqIndex field of the record's Kinesis sequence number.
// Stores assign it on append; callers leave it zero.
//
// Timestamp is the approximate arrival time in Unix milliseconds. Stores keep
// it non-decreasing within a shard (an append whose timestamp is older than
// the shard's newest record takes the newest record's timestamp).
type Record struct {
	Index        uint64
	Timestamp    int64
	PartitionKey string
	Data         []byte
}

// Size is the number of payload bytes Kinesis counts for a record: the data
// plus the UTF-8 bytes of the partition key.
func (r *Record) Size() int { return len(r.Data) + len(r.PartitionKey) }

// ShardLog is one shard's append-only log. All methods are safe for
// concurrent use.
type ShardLog interface {
	// Append writes recs in order, assigns them consecutive indexes (written
	// back into recs[i].Index, also clamping recs[i].Timestamp so timestamps
	// never decrease) and returns the first index and a token for Sync. The
	// records are neither durable nor visible to Read until Sync(token)
	// returns nil. On error nothing of the batch becomes visible.
	Append(recs []Record) (first uint64, token uint64, err error)
	// Read appends to dst the visible records with Index >= from, in index
	// order, stopping after maxRecords records or before the record that
	// would take the total Size() over maxBytes (one record is always
	// returned if any is visible). Records older than the oldest retained
	// index are skipped.
	Read(from uint64, maxRecords, maxBytes int, dst []Record) ([]Record, error)
	// Bounds reports the oldest retained index and the index the next
	// appended record will get once visible (oldest == next when empty).
	Bounds() (oldest, next uint64)
	// LastTimestamp is the timestamp of the newest visible record, 0 if none.
	LastTimestamp() int64
	// SeekTime returns the smallest retained index whose timestamp is >= ms,
	// or the next index if there is none.
	SeekTime(ms int64) (uint64, error)
	// Trim may reclaim storage of records all older than beforeMs (whole
	// segments at a time). Readers never rely on it for correctness.
	Trim(beforeMs int64) error
	// Close releases the shard's files.
	Close() error
}
