package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

const policyStreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"

func samplePolicy(resource string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"w","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["kinesis:PutRecord","kinesis:PutRecords"],"Resource":"` + resource + `"}]}`
}

func TestResourcePolicyOnStream(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	if p, err := r.e.GetResourcePolicy(ctx, policyStreamARN); err != nil || p != "{}" {
		t.Fatalf("no policy yet: %q, %v", p, err)
	}
	wantErr(t, r.e.DeleteResourcePolicy(ctx, policyStreamARN), engine.KindNotFound, "No resource policy found for resource ARN "+policyStreamARN+".")
	policy := samplePolicy(policyStreamARN)
	if err := r.e.PutResourcePolicy(ctx, policyStreamARN, policy); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.e.GetResourcePolicy(ctx, policyStreamARN); p != policy {
		t.Fatalf("policy = %q", p)
	}
	r.e = r.open(t) // survives a restart
	if p, _ := r.e.GetResourcePolicy(ctx, policyStreamARN); p != policy {
		t.Fatalf("after reopen: %q", p)
	}
	parsed, ok, err := r.e.ResourcePolicy(ctx, policyStreamARN)
	if allowed, _ := parsed.Allows("arn:aws:iam::123456789012:user/u", "kinesis:PutRecord", policyStreamARN); err != nil || !ok || !allowed {
		t.Fatalf("ResourcePolicy: %v %v %v", ok, allowed, err)
	}
	if err := r.e.DeleteResourcePolicy(ctx, policyStreamARN); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.e.GetResourcePolicy(ctx, policyStreamARN); p != "{}" {
		t.Fatalf("after delete: %q", p)
	}

	wantErr(t, r.e.PutResourcePolicy(ctx, policyStreamARN, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}`),
		engine.KindInvalidArgument, "Policy statement must contain actions.")
	wantErr(t, r.e.PutResourcePolicy(ctx, policyStreamARN, samplePolicy(policyStreamARN+strings.Repeat(" ", engine.MaxPolicyBytes))),
		engine.KindInvalidArgument, "")
	missing := "arn:aws:kinesis:us-east-1:000000000000:stream/missing"
	wantErr(t, r.e.PutResourcePolicy(ctx, missing, policy), engine.KindNotFound, "Stream "+missing+" under account 000000000000 not found.")
	_, err = r.e.GetResourcePolicy(ctx, missing)
	wantErr(t, err, engine.KindNotFound, "Stream "+missing+" under account 000000000000 not found.")
	wantErr(t, r.e.PutResourcePolicy(ctx, "arn:aws:kinesis:us-east-1:000000000000:table/t", policy), engine.KindInvalidArgument, "")

	// A re-created stream starts without the old incarnation's policy.
	if err := r.e.PutResourcePolicy(ctx, policyStreamARN, policy); err != nil {
		t.Fatal(err)
	}
	if err := r.e.DeleteStream(ctx, engine.StreamRef{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	r.createActive(t, "s", 1)
	if p, _ := r.e.GetResourcePolicy(ctx, policyStreamARN); p != "{}" {
		t.Fatalf("re-created stream has policy %q", p)
	}
}

func TestResourcePolicyOnConsumer(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	c := r.register(t, "app")
	policy := samplePolicy(c.ARN)
	err := r.e.PutResourcePolicy(ctx, c.ARN, policy)
	wantErr(t, err, engine.KindInUse, "")
	r.clock.Advance(time.Minute)
	if err := r.e.PutResourcePolicy(ctx, c.ARN, policy); err != nil {
		t.Fatal(err)
	}
	if p, _ := r.e.GetResourcePolicy(ctx, c.ARN); p != policy {
		t.Fatalf("consumer policy = %q", p)
	}
	if p, _ := r.e.GetResourcePolicy(ctx, policyStreamARN); p != "{}" {
		t.Fatalf("stream got the consumer's policy: %q", p)
	}
	r.e = r.open(t)
	if p, _ := r.e.GetResourcePolicy(ctx, c.ARN); p != policy {
		t.Fatalf("consumer policy after reopen = %q", p)
	}
	if err := r.e.DeleteResourcePolicy(ctx, c.ARN); err != nil {
		t.Fatal(err)
	}
	wantErr(t, r.e.DeleteResourcePolicy(ctx, c.ARN), engine.KindNotFound, "No resource policy found for resource ARN "+c.ARN+".")
	_, err = r.e.GetResourcePolicy(ctx, policyStreamARN+"/consumer/ghost:1")
	wantErr(t, err, engine.KindNotFound, "")
}
