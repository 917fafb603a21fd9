package engine_test

import (
	"slices"
	"testing"

	"github.com/runnel-io/runnel/internal/engine"
)

func TestEnhancedMonitoring(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "m", 1)
	ref := engine.StreamRef{Name: "m"}
	all := []string{"IncomingBytes", "OutgoingRecords", "IteratorAgeMilliseconds", "IncomingRecords",
		"ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded", "OutgoingBytes"}
	steps := []struct {
		enable           bool
		metrics          []string
		current, desired []string
	}{
		{true, []string{"OutgoingBytes", "IncomingBytes"}, []string{}, []string{"IncomingBytes", "OutgoingBytes"}},
		{true, []string{"IncomingBytes", "IncomingRecords"}, []string{"IncomingBytes", "OutgoingBytes"}, []string{"IncomingBytes", "IncomingRecords", "OutgoingBytes"}},
		{false, []string{"IncomingBytes", "IteratorAgeMilliseconds"}, []string{"IncomingBytes", "IncomingRecords", "OutgoingBytes"}, []string{"IncomingRecords", "OutgoingBytes"}},
		{true, []string{"ALL"}, []string{"IncomingRecords", "OutgoingBytes"}, all},
		{false, []string{"ALL"}, all, []string{}},
	}
	for i, st := range steps {
		op := r.e.DisableEnhancedMonitoring
		if st.enable {
			op = r.e.EnableEnhancedMonitoring
		}
		out, err := op(ctx, ref, st.metrics)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if out.StreamName != "m" || out.StreamARN != "arn:aws:kinesis:us-east-1:000000000000:stream/m" ||
			!slices.Equal(out.Current, st.current) || !slices.Equal(out.Desired, st.desired) {
			t.Fatalf("step %d: %+v; want current %v desired %v", i, out, st.current, st.desired)
		}
		sum, _ := r.e.DescribeStreamSummary(ctx, ref)
		if !slices.Equal(sum.ShardLevelMetrics, st.desired) {
			t.Fatalf("step %d: summary metrics %v; want %v", i, sum.ShardLevelMetrics, st.desired)
		}
	}
	if _, err := r.e.EnableEnhancedMonitoring(ctx, ref, []string{"IncomingBytes"}); err != nil {
		t.Fatal(err)
	}
	r.e = r.open(t)
	if sum, _ := r.e.DescribeStreamSummary(ctx, ref); !slices.Equal(sum.ShardLevelMetrics, []string{"IncomingBytes"}) {
		t.Fatalf("after reopen: %v", sum.ShardLevelMetrics)
	}
	_, err := r.e.EnableEnhancedMonitoring(ctx, engine.StreamRef{Name: "nope"}, []string{"ALL"})
	wantErr(t, err, engine.KindNotFound, "Stream nope under account 000000000000 not found.")
	one := 1
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "new", ShardCount: &one}); err != nil {
		t.Fatal(err)
	}
	_, err = r.e.EnableEnhancedMonitoring(ctx, engine.StreamRef{Name: "new"}, []string{"ALL"})
	wantErr(t, err, engine.KindInUse, "Stream new under account 000000000000 not ACTIVE, instead in state CREATING")
}
