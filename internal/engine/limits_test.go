package engine

import (
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

// limitStep is one call to the limiter after advancing the fake clock:
// n identical calls, of which the first admitted are admitted and the rest
// refused.
type limitStep struct {
	advance  time.Duration
	call     string // write, read, charge, iterator, control
	size     int64  // write: record size; charge: response size
	op       string // control
	stream   string // control
	n        int
	admitted int
}

func runLimitSteps(t *testing.T, steps []limitStep) {
	t.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l := newLimiter(now)
	k := shardKey{"s1", 0}
	for i, st := range steps {
		now = now.Add(st.advance)
		n := max(st.n, 1)
		got := 0
		for range n {
			var ok bool
			switch st.call {
			case "write":
				ok = l.admitWrite(k, st.size, now)
			case "read":
				ok = l.admitRead(k, now)
			case "charge":
				l.chargeRead(k, st.size, now)
				ok = true
			case "iterator":
				ok = l.admitIterator(k, now)
			case "control":
				ok = l.admitControl(st.op, st.stream, now)
			default:
				t.Fatalf("step %d: unknown call %q", i, st.call)
			}
			if ok {
				got++
			}
		}
		want := st.admitted
		if st.call == "charge" {
			want = n
		}
		if got != want {
			t.Fatalf("step %d (%+v): %d of %d admitted, want %d", i, st, got, n, want)
		}
	}
}

func TestLimiterSteps(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name  string
		steps []limitStep
	}{
		{"writes: 1,000 records/s with a one-second burst", []limitStep{
			{call: "write", size: 10, n: 1200, admitted: 1000},
			{advance: time.Millisecond, call: "write", size: 10, n: 5, admitted: 1},
			{advance: 999 * time.Millisecond, call: "write", size: 10, n: 1200, admitted: 999},
			{advance: time.Hour, call: "write", size: 10, n: 1001, admitted: 1000},
		}},
		{"writes: 1 MiB/s", []limitStep{
			{call: "write", size: mib / 2, n: 3, admitted: 2},
			{advance: 499 * time.Millisecond, call: "write", size: mib / 2, n: 1, admitted: 0},
			{advance: time.Millisecond, call: "write", size: mib / 2, n: 2, admitted: 1},
		}},
		{"writes: a record above the burst needs a full bucket and leaves a debt", []limitStep{
			{call: "write", size: 1, n: 1, admitted: 1},
			{call: "write", size: 2 * mib, n: 1, admitted: 0},
			{advance: time.Second, call: "write", size: 2 * mib, n: 1, admitted: 1},
			{advance: time.Second, call: "write", size: 1, n: 1, admitted: 0},      // level 0 after 1 s of a 1 MiB debt
			{advance: time.Microsecond, call: "write", size: 1, n: 1, admitted: 1}, // 1.048 bytes earned
		}},
		{"reads: 5 GetRecords calls/s", []limitStep{
			{call: "read", n: 6, admitted: 5},
			{advance: 199 * time.Millisecond, call: "read", n: 1, admitted: 0},
			{advance: time.Millisecond, call: "read", n: 2, admitted: 1},
		}},
		{"reads: after a 10 MiB response, calls in the next 5 s are throttled", []limitStep{
			{call: "read", n: 1, admitted: 1},
			{call: "charge", size: 10 * mib},
			{advance: time.Second, call: "read", n: 1, admitted: 0},
			{advance: 4*time.Second - time.Nanosecond, call: "read", n: 1, admitted: 0},
			{advance: time.Nanosecond, call: "read", n: 1, admitted: 1},
		}},
		{"reads: 2 MiB/s within the budget does not throttle", []limitStep{
			{call: "read", n: 1, admitted: 1},
			{call: "charge", size: mib},
			{call: "read", n: 1, admitted: 1},
			{call: "charge", size: mib},
			{call: "read", n: 1, admitted: 1}, // budget used up, not in debt
			{call: "charge", size: 1},         // over it: a debt of the whole response
			{call: "read", n: 1, admitted: 0},
		}},
		{"GetShardIterator: 5 calls/s per shard", []limitStep{
			{call: "iterator", n: 7, admitted: 5},
			{advance: 400 * time.Millisecond, call: "iterator", n: 3, admitted: 2},
		}},
		{"control: CreateStream 5/s per account", []limitStep{
			{call: "control", op: "CreateStream", stream: "a", n: 6, admitted: 5},
			{call: "control", op: "CreateStream", stream: "b", n: 1, admitted: 0},
			{call: "control", op: "DeleteStream", stream: "a", n: 1, admitted: 1},
			{advance: 200 * time.Millisecond, call: "control", op: "CreateStream", stream: "c", n: 2, admitted: 1},
		}},
		{"control: the other account-wide limits", []limitStep{
			{call: "control", op: "DescribeStream", n: 11, admitted: 10},
			{call: "control", op: "DescribeStreamSummary", n: 21, admitted: 20},
			{call: "control", op: "DescribeLimits", n: 2, admitted: 1},
			{call: "control", op: "UpdateShardCount", n: 11, admitted: 10},
			{call: "control", op: "ListStreams", n: 6, admitted: 5},
			{call: "control", op: "UpdateStreamMode", n: 100, admitted: 100}, // no TPS limit
		}},
		{"control: per-stream limits", []limitStep{
			{call: "control", op: "ListShards", stream: "a", n: 1001, admitted: 1000},
			{call: "control", op: "ListShards", stream: "b", n: 1, admitted: 1},
			{call: "control", op: "ListStreamConsumers", stream: "a", n: 6, admitted: 5},
			{call: "control", op: "DeregisterStreamConsumer", stream: "a", n: 6, admitted: 5},
			{call: "control", op: "DescribeStreamConsumer", stream: "a", n: 21, admitted: 20},
			{call: "control", op: "DescribeStreamConsumer", stream: "b", n: 1, admitted: 1},
		}},
		{"a clock going backwards earns nothing", []limitStep{
			{call: "iterator", n: 5, admitted: 5},
			{advance: -time.Second, call: "iterator", n: 1, admitted: 0},
			{advance: time.Second, call: "iterator", n: 1, admitted: 0},
			{advance: 200 * time.Millisecond, call: "iterator", n: 1, admitted: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runLimitSteps(t, tt.steps) })
	}
}

func TestLimiterWritePressure(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l := newLimiter(now)
	k := shardKey{"s1", 3}
	overload := func() {
		for range 1500 {
			l.admitWrite(k, 10, now)
		}
	}
	for sec := 1; sec <= 3; sec++ {
		overload()
		if p := l.pressure(k, now); p.hotRun != sec || !p.busyAt.Equal(now) {
			t.Fatalf("second %d: pressure %+v, want a run of %d, busy at %s", sec, p, sec, now)
		}
		now = now.Add(time.Second)
	}
	if p := l.pressure(k, now); p.hotRun != 3 {
		t.Fatalf("the second after: run %d, want 3 (still current)", p.hotRun)
	}
	now = now.Add(time.Second)
	if p := l.pressure(k, now); p.hotRun != 0 {
		t.Fatalf("two seconds after: run %d, want 0", p.hotRun)
	}
	overload()
	if p := l.pressure(k, now); p.hotRun != 1 {
		t.Fatalf("after a gap: run %d, want a new run of 1", p.hotRun)
	}
	// Under half the limit is not busy.
	quiet := shardKey{"s1", 4}
	for range 499 {
		l.admitWrite(quiet, 10, now)
	}
	if p := l.pressure(quiet, now); !p.busyAt.IsZero() || p.hotRun != 0 {
		t.Fatalf("499 records: pressure %+v, want none", p)
	}
	l.admitWrite(quiet, 10, now)
	if p := l.pressure(quiet, now); !p.busyAt.Equal(now.Truncate(time.Second)) {
		t.Fatalf("500 records: busy at %s, want %s", p.busyAt, now)
	}
	l.forget(map[string]bool{"other": true}, now)
	if p := l.pressure(k, now); p.hotRun != 0 || !p.busyAt.IsZero() {
		t.Fatalf("after forget: %+v", p)
	}
}

func TestSplitPoint(t *testing.T) {
	full := hashRangeOf(t, "0", "340282366920938463463374607431768211455")
	key, ok := splitPoint(full)
	if !ok || key.String() != "170141183460469231731687303715884105728" {
		t.Fatalf("split point of the whole space = %s, %v", key, ok)
	}
	for _, tc := range []struct {
		start, end string
		want       string
	}{
		{"0", "3", "2"},
		{"10", "20", "16"},
		{"0", "2", ""},
		{"5", "5", ""},
	} {
		key, ok := splitPoint(hashRangeOf(t, tc.start, tc.end))
		got := ""
		if ok {
			got = key.String()
		}
		if got != tc.want {
			t.Errorf("splitPoint[%s, %s] = %q, want %q", tc.start, tc.end, got, tc.want)
		}
	}
}

func hashRangeOf(t *testing.T, start, end string) hashkey.Range {
	t.Helper()
	s, err := hashkey.Parse(start)
	if err != nil {
		t.Fatal(err)
	}
	e, err := hashkey.Parse(end)
	if err != nil {
		t.Fatal(err)
	}
	return hashkey.Range{Start: s, End: e}
}
