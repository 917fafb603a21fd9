package scenario

import (
	"encoding/binary"
	"time"
)

// timeOffset is where a timed payload carries its send time: 8 bytes of
// Unix nanoseconds right after the producer/counter header.
const timeOffset = headerSize

// StampPayload writes sent into a payload made by AppendPayload, making it
// a timed payload.
func StampPayload(b []byte, sent time.Time) {
	binary.LittleEndian.PutUint64(b[timeOffset:], uint64(sent.UnixNano()))
}

// PayloadSentAt reads the send time of a timed payload.
func PayloadSentAt(b []byte) (time.Time, bool) {
	if len(b) != PayloadSize {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.LittleEndian.Uint64(b[timeOffset:]))), true
}

// NewTimedVerifier is NewVerifier for timed payloads.
func NewTimedVerifier(ledgers []*ledger) *Verifier {
	v := NewVerifier(ledgers)
	v.timed = true
	return v
}
