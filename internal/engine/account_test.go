package engine_test

import (
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

func TestAccountCommitment(t *testing.T) {
	r := newRig(t)
	if c := r.e.DescribeAccountSettings(ctx); c != (engine.Commitment{Status: engine.CommitmentDisabled}) {
		t.Fatalf("initial: %+v", c)
	}
	start := r.clock.Now()
	c, err := r.e.UpdateAccountSettings(ctx, engine.CommitmentEnabled)
	want := engine.Commitment{Status: engine.CommitmentEnabled, StartedAt: start, EarliestAllowedEndAt: start.Add(24 * time.Hour)}
	if err != nil || !sameCommitment(c, want) {
		t.Fatalf("enable: %+v, %v; want %+v", c, err, want)
	}
	r.clock.Advance(time.Hour)
	if c, _ := r.e.UpdateAccountSettings(ctx, engine.CommitmentEnabled); !sameCommitment(c, want) {
		t.Fatalf("enable again: %+v", c)
	}
	// Too early to end: the end is scheduled, then cancelled, then scheduled again.
	want.Status = engine.CommitmentEnabledUntilEarliestEnd
	if c, _ := r.e.UpdateAccountSettings(ctx, engine.CommitmentDisabled); !sameCommitment(c, want) {
		t.Fatalf("early disable: %+v; want %+v", c, want)
	}
	want.Status = engine.CommitmentEnabled
	if c, _ := r.e.UpdateAccountSettings(ctx, engine.CommitmentEnabled); !sameCommitment(c, want) {
		t.Fatalf("cancel pending end: %+v", c)
	}
	if _, err := r.e.UpdateAccountSettings(ctx, engine.CommitmentDisabled); err != nil {
		t.Fatal(err)
	}
	r.e = r.open(t) // survives a restart
	want.Status = engine.CommitmentEnabledUntilEarliestEnd
	if c := r.e.DescribeAccountSettings(ctx); !sameCommitment(c, want) {
		t.Fatalf("after reopen: %+v; want %+v", c, want)
	}
	r.clock.Advance(23 * time.Hour)
	want = engine.Commitment{Status: engine.CommitmentDisabled, StartedAt: start, EndedAt: start.Add(24 * time.Hour), EarliestAllowedEndAt: start.Add(24 * time.Hour)}
	if c := r.e.DescribeAccountSettings(ctx); !sameCommitment(c, want) {
		t.Fatalf("after the earliest end: %+v; want %+v", c, want)
	}
	// A new commitment can end right away once its minimum has passed.
	restart := r.clock.Now()
	if _, err := r.e.UpdateAccountSettings(ctx, engine.CommitmentEnabled); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(25 * time.Hour)
	c, _ = r.e.UpdateAccountSettings(ctx, engine.CommitmentDisabled)
	want = engine.Commitment{Status: engine.CommitmentDisabled, StartedAt: restart, EndedAt: r.clock.Now(), EarliestAllowedEndAt: restart.Add(24 * time.Hour)}
	if !sameCommitment(c, want) {
		t.Fatalf("late disable: %+v; want %+v", c, want)
	}
	_, err = r.e.UpdateAccountSettings(ctx, "PAUSED")
	wantErr(t, err, engine.KindInvalidArgument, "")
}

func sameCommitment(a, b engine.Commitment) bool {
	return a.Status == b.Status && a.StartedAt.Equal(b.StartedAt) && a.EndedAt.Equal(b.EndedAt) && a.EarliestAllowedEndAt.Equal(b.EarliestAllowedEndAt)
}

func TestWarmThroughput(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "prov", 1)
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "od", Mode: engine.ModeOnDemand}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	od := engine.StreamRef{Name: "od"}
	_, err := r.e.UpdateStreamWarmThroughput(ctx, od, 100)
	wantErr(t, err, engine.KindValidation, "WarmThroughputMiBps requires the MinimumThroughputBillingCommitment of account 000000000000 to be ENABLED.")
	hundred := 100
	wantErr(t, r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "w", Mode: engine.ModeOnDemand, WarmThroughputMiBps: &hundred}), engine.KindValidation, "")
	if sum, _ := r.e.DescribeStreamSummary(ctx, od); sum.WarmThroughput != nil {
		t.Fatalf("warm throughput without a commitment: %+v", sum.WarmThroughput)
	}

	if _, err := r.e.UpdateAccountSettings(ctx, engine.CommitmentEnabled); err != nil {
		t.Fatal(err)
	}
	out, err := r.e.UpdateStreamWarmThroughput(ctx, od, 100)
	if err != nil || out.StreamName != "od" || out.WarmThroughput != (engine.WarmThroughput{TargetMiBps: 100, CurrentMiBps: 0}) {
		t.Fatalf("update: %+v, %v", out, err)
	}
	if sum, _ := r.e.DescribeStreamSummary(ctx, od); sum.WarmThroughput == nil || *sum.WarmThroughput != (engine.WarmThroughput{TargetMiBps: 100, CurrentMiBps: 100}) {
		t.Fatalf("summary: %+v", sum.WarmThroughput)
	}
	_, err = r.e.UpdateStreamWarmThroughput(ctx, od, 10241)
	wantErr(t, err, engine.KindLimitExceeded, "Requested warm throughput of 10241 MiBps for stream od under account 000000000000 exceeds the limit of 10240 MiBps.")
	_, err = r.e.UpdateStreamWarmThroughput(ctx, engine.StreamRef{Name: "prov"}, 100)
	wantErr(t, err, engine.KindValidation, "UpdateStreamWarmThroughput with WarmThroughputMiBps is not supported for stream prov under account 000000000000 because it is in PROVISIONED capacity mode.")
	wantErr(t, r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "w", ShardCount: &hundred, WarmThroughputMiBps: &hundred}), engine.KindValidation, "")
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "w", Mode: engine.ModeOnDemand, WarmThroughputMiBps: &hundred}); err != nil {
		t.Fatal(err)
	}
	if sum, _ := r.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "w"}); sum.WarmThroughput == nil || *sum.WarmThroughput != (engine.WarmThroughput{TargetMiBps: 100}) {
		t.Fatalf("CREATING stream's warm throughput: %+v", sum.WarmThroughput)
	}
	// UpdateStreamMode: warm throughput only when switching to ON_DEMAND.
	prov := engine.StreamRef{ARN: "arn:aws:kinesis:us-east-1:000000000000:stream/prov"}
	fifty := 50
	wantErr(t, r.e.UpdateStreamModeWithWarmThroughput(ctx, od, engine.ModeProvisioned, &fifty), engine.KindValidation, "")
	if err := r.e.UpdateStreamModeWithWarmThroughput(ctx, prov, engine.ModeOnDemand, &fifty); err != nil {
		t.Fatal(err)
	}
	r.e = r.open(t)
	if sum, _ := r.e.DescribeStreamSummary(ctx, prov); sum.WarmThroughput == nil || sum.WarmThroughput.TargetMiBps != 50 {
		t.Fatalf("after mode switch and reopen: %+v", sum.WarmThroughput)
	}
	if err := r.e.UpdateStreamMode(ctx, prov, engine.ModeProvisioned); err != nil {
		t.Fatal(err)
	}
	if sum, _ := r.e.DescribeStreamSummary(ctx, prov); sum.WarmThroughput != nil {
		t.Fatalf("provisioned stream reports warm throughput %+v", sum.WarmThroughput)
	}
}
