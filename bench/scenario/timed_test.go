package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestTimedPayload(t *testing.T) {
	sent := time.Unix(1700000000, 123456789)
	r := record(0, 0)
	StampPayload(r.Data, sent)
	if got, ok := PayloadSentAt(r.Data); !ok || !got.Equal(sent) {
		t.Fatalf("PayloadSentAt = %v, %v; want %v", got, ok, sent)
	}
	if p, c, ok := ParsePayload(r.Data); !ok || p != 0 || c != 0 {
		t.Fatalf("a stamped payload parses as %d, %d, %v", p, c, ok)
	}
	ls := newLedgers(1)
	ls[0].next(1)
	ls[0].set(0, stateAcked)
	if got := NewTimedVerifier(ls).verdictOf(r); !strings.HasPrefix(got, "ok") {
		t.Errorf("timed verifier on a stamped payload: %s", got)
	}
	if got := NewVerifier(ls).verdictOf(r); !strings.Contains(got, "corrupt 1") {
		t.Errorf("plain verifier on a stamped payload: %s; want corrupt", got)
	}
	r.Data[60] ^= 1
	if got := NewTimedVerifier(ls).verdictOf(r); !strings.Contains(got, "corrupt 1") {
		t.Errorf("timed verifier on a damaged payload: %s; want corrupt", got)
	}
}

func (v *Verifier) verdictOf(records ...types.Record) string {
	v.Observe("shardId-000000000000", records)
	return v.Verdict()
}
