package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, tc := range []struct{ producer, counter int }{{0, 0}, {7, 123456}, {9999, maxCounter}} {
		b := AppendPayload(nil, tc.producer, tc.counter)
		if len(b) != PayloadSize {
			t.Fatalf("payload is %d bytes; want %d", len(b), PayloadSize)
		}
		p, c, ok := ParsePayload(b)
		if !ok || p != tc.producer || c != tc.counter {
			t.Errorf("ParsePayload(AppendPayload(%d, %d)) = %d, %d, %v", tc.producer, tc.counter, p, c, ok)
		}
	}
	if PartitionKey(1, 2) == PartitionKey(2, 1) {
		t.Error("partition keys collide for (1,2) and (2,1)")
	}
}

func record(producer, counter int) types.Record {
	return types.Record{
		Data:           AppendPayload(nil, producer, counter),
		PartitionKey:   aws.String(PartitionKey(producer, counter)),
		SequenceNumber: aws.String("1"),
	}
}

func TestVerifier(t *testing.T) {
	newLedgers3 := func() []*ledger {
		ls := newLedgers(2)
		ls[0].next(3)
		for c := range 3 {
			ls[0].set(c, stateAcked)
		}
		ls[1].next(2)
		ls[1].set(0, stateRefused) // 1 stays unknown
		return ls
	}
	corrupt := record(0, 2)
	corrupt.Data[50] ^= 1
	for _, tc := range []struct {
		name    string
		records []types.Record
		want    string
	}{
		{"all once", []types.Record{record(0, 0), record(0, 1), record(0, 2)}, "ok: 3 acked"},
		{"unknown stored", []types.Record{record(0, 0), record(0, 1), record(0, 2), record(1, 1)}, "(+1 from failed calls stored)"},
		{"missing", []types.Record{record(0, 0), record(0, 2)}, "missing 1,"},
		{"duplicate", []types.Record{record(0, 0), record(0, 1), record(0, 2), record(0, 1)}, "duplicated 1,"},
		{"corrupt", []types.Record{record(0, 0), record(0, 1), corrupt}, "corrupt 1,"},
		{"refused stored", []types.Record{record(0, 0), record(0, 1), record(0, 2), record(1, 0)}, "unexpected 1;"},
		{"never sent", []types.Record{record(0, 0), record(0, 1), record(0, 2), record(0, 3)}, "unexpected 1;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVerifier(newLedgers3())
			v.Observe("shardId-000000000000", tc.records)
			if got := v.Verdict(); !strings.Contains(got, tc.want) {
				t.Errorf("Verdict() = %q; want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	var l latencies
	for i := 1; i <= 100; i++ {
		l.add(time.Duration(i) * time.Millisecond)
	}
	got := summarize(&l)
	if got.P50 != 50*time.Millisecond || got.P99 != 99*time.Millisecond || got.Max != 100*time.Millisecond {
		t.Errorf("summarize = %+v; want p50 50ms, p99 99ms, max 100ms", got)
	}
}

// FuzzParsePayload: the parser never panics, and whatever it accepts
// re-encodes to a header it reads back the same way.
func FuzzParsePayload(f *testing.F) {
	f.Add(AppendPayload(nil, 3, 42))
	f.Add(make([]byte, PayloadSize))
	f.Add([]byte("0001:000000000001:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, c, ok := ParsePayload(b)
		if !ok {
			return
		}
		again := AppendPayload(nil, p, c)
		if p2, c2, ok2 := ParsePayload(again); !ok2 || p2 != p || c2 != c {
			t.Fatalf("ParsePayload(%q) = %d, %d but its re-encoding parses as %d, %d, %v", b, p, c, p2, c2, ok2)
		}
	})
}
