package scenario

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// recordState is what a producer knows about one record it sent.
type recordState uint8

const (
	stateUnknown recordState = iota // the call failed: it may or may not be stored
	stateAcked                      // acknowledged: must be read back exactly once
	stateRefused                    // the entry carried an ErrorCode: must not be stored
)

// ledger is one producer's record of what it sent, indexed by counter.
// Only the producer's goroutine writes it.
type ledger struct {
	producer int
	size     int // payload bytes of its records
	states   []recordState
}

// next reserves the next n counters (state unknown) and returns the first.
func (l *ledger) next(n int) int {
	first := len(l.states)
	for range n {
		l.states = append(l.states, stateUnknown)
	}
	return first
}

func (l *ledger) set(counter int, s recordState) { l.states[counter] = s }

func (l *ledger) acked() int64 {
	var n int64
	for _, s := range l.states {
		if s == stateAcked {
			n++
		}
	}
	return n
}

// newLedgers returns n ledgers for producers 0..n-1.
func newLedgers(n int) []*ledger {
	ls := make([]*ledger, n)
	for i := range ls {
		ls[i] = &ledger{producer: i, size: PayloadSize}
	}
	return ls
}

// Verifier holds records read back against the producers' ledgers.
type Verifier struct {
	mu     sync.Mutex
	ledger []*ledger
	seen   [][]uint8 // per producer, per counter: times read (saturating)

	read, corrupt, unexpected int64
	firstProblem              string
	scratch                   []byte
	// timed: payloads carry their send time (AppendTimedPayload), which
	// is taken from the record when comparing.
	timed bool
}

// NewVerifier checks against ledgers; call it after the producers finished.
func NewVerifier(ledgers []*ledger) *Verifier {
	v := &Verifier{ledger: ledgers, seen: make([][]uint8, len(ledgers))}
	for i, l := range ledgers {
		v.seen[i] = make([]uint8, len(l.states))
	}
	return v
}

// Observe checks a batch of records read from one shard.
func (v *Verifier) Observe(shardID string, records []types.Record) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, r := range records {
		v.read++
		producer, counter, ok := ParsePayload(r.Data)
		if !ok || producer >= len(v.ledger) || counter >= len(v.seen[producer]) {
			v.unexpected++
			v.problem("%s seq %s: a record nobody sent (%d bytes: %.24q)", shardID, aws.ToString(r.SequenceNumber), len(r.Data), r.Data)
			continue
		}
		v.scratch = AppendSizedPayload(v.scratch[:0], producer, counter, v.ledger[producer].size)
		if v.timed {
			copy(v.scratch[timeOffset:timeOffset+8], r.Data[timeOffset:])
		}
		if !bytes.Equal(r.Data, v.scratch) || aws.ToString(r.PartitionKey) != PartitionKey(producer, counter) {
			v.corrupt++
			v.problem("%s seq %s: producer %d record %d differs from what was sent", shardID, aws.ToString(r.SequenceNumber), producer, counter)
		}
		if v.ledger[producer].states[counter] == stateRefused {
			v.unexpected++
			v.problem("%s seq %s: producer %d record %d was refused but is stored", shardID, aws.ToString(r.SequenceNumber), producer, counter)
		}
		if s := &v.seen[producer][counter]; *s < 255 {
			*s++
		}
	}
}

func (v *Verifier) problem(format string, args ...any) {
	if v.firstProblem == "" {
		v.firstProblem = fmt.Sprintf(format, args...)
	}
}

// Verdict summarises the check in one line, starting "ok" or "FAIL".
func (v *Verifier) Verdict() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var acked, missing, duplicated, unknownStored int64
	for p, l := range v.ledger {
		for c, s := range l.states {
			n := v.seen[p][c]
			if n > 1 {
				duplicated++
			}
			switch s {
			case stateAcked:
				acked++
				if n == 0 {
					missing++
					v.problem("producer %d record %d was acknowledged but not read back", p, c)
				}
			case stateUnknown:
				if n > 0 {
					unknownStored++
				}
			}
		}
	}
	if missing+duplicated+v.corrupt+v.unexpected == 0 {
		s := fmt.Sprintf("ok: %d acked, each read back once, byte for byte", acked)
		if unknownStored > 0 {
			s += fmt.Sprintf(" (+%d from failed calls stored)", unknownStored)
		}
		return s
	}
	return fmt.Sprintf("FAIL: %d acked, %d read; missing %d, duplicated %d, corrupt %d, unexpected %d; first: %s",
		acked, v.read, missing, duplicated, v.corrupt, v.unexpected, v.firstProblem)
}
