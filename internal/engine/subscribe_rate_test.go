package engine_test

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// TestSubscribeIsPacedAtTwoMiBPerSecondWithLimits: with limits enforced, a
// consumer reading 6 MiB from one shard gets it over at least 2 s of the
// (fake) clock — a 2 MiB burst, then 2 MiB/s — and every record arrives;
// without limits the same read takes no time at all.
func TestSubscribeIsPacedAtTwoMiBPerSecondWithLimits(t *testing.T) {
	for _, enforce := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			r := newSubRig(t, 1, engine.Config{EnforceLimits: enforce})
			payload := bytes.Repeat([]byte{'x'}, 1<<20-1) // 1 MiB with the key
			for range 6 {
				if _, err := r.e.PutRecord(ctx, engine.StreamRef{Name: "s"}, engine.PutEntry{PartitionKey: "k", ExplicitHashKey: "0", Data: payload}, ""); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Second) // stay within the 1 MiB/s write limit
			}
			sub := r.subscribe(t, engine.StartingPosition{Type: engine.TrimHorizon})
			defer sub.Close()
			start := time.Now()
			got := 0
			for got < 6 {
				got += len(next(t, sub).Records)
			}
			elapsed := time.Since(start)
			switch {
			case enforce && elapsed < 2*time.Second:
				t.Fatalf("6 MiB delivered in %v with limits enforced; want at least 2 s at 2 MiB/s after a 2 MiB burst", elapsed)
			case !enforce && elapsed != 0:
				t.Fatalf("6 MiB took %v of fake time without limits; want no pause", elapsed)
			}
		})
	}
}
