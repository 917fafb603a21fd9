package engine_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

const consumerStreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"

func (r *rig) register(t *testing.T, name string) engine.ConsumerDescription {
	t.Helper()
	c, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, name, nil)
	if err != nil {
		t.Fatalf("RegisterStreamConsumer(%s): %v", name, err)
	}
	return c
}

func TestConsumerLifecycle(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	c, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "app", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := consumerStreamARN + "/consumer/app:" + strconv.FormatInt(r.clock.Now().Unix(), 10)
	if c.Status != engine.ConsumerCreating || c.ARN != wantARN || c.Name != "app" || c.StreamARN != consumerStreamARN ||
		!c.Created.Equal(r.clock.Now().Truncate(time.Second)) {
		t.Fatalf("registered %+v, want CREATING %s", c, wantARN)
	}
	for _, ref := range []engine.ConsumerRef{{ARN: c.ARN}, {StreamARN: consumerStreamARN, Name: "app"}, {ARN: c.ARN, StreamARN: consumerStreamARN, Name: "app"}} {
		d, err := r.e.DescribeStreamConsumer(ctx, ref)
		if err != nil || d != c {
			t.Fatalf("describe %+v = %+v, %v; want %+v", ref, d, err, c)
		}
	}
	_, _, err = r.e.ConsumerForSubscription(c.ARN)
	wantErr(t, err, engine.KindInUse, "Consumer app with creation timestamp "+strconv.FormatInt(c.Created.Unix(), 10)+" under stream: s , account 000000000000 is not in ACTIVE status.")

	r.clock.Advance(500 * time.Millisecond) // the create delay
	if d, _ := r.e.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); d.Status != engine.ConsumerActive {
		t.Fatalf("after the create delay: %s", d.Status)
	}
	if stream, name, err := r.e.ConsumerForSubscription(c.ARN); err != nil || stream != "s" || name != "app" {
		t.Fatalf("ConsumerForSubscription = %q %q %v", stream, name, err)
	}
	if sum, _ := r.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "s"}); sum.ConsumerCount != 1 {
		t.Fatalf("ConsumerCount = %d, want 1", sum.ConsumerCount)
	}

	if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{StreamARN: consumerStreamARN, Name: "app"}); err != nil {
		t.Fatal(err)
	}
	if d, _ := r.e.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); d.Status != engine.ConsumerDeleting {
		t.Fatalf("after deregistering: %s", d.Status)
	}
	if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); err != nil {
		t.Fatalf("deregistering a DELETING consumer: %v", err)
	}
	_, err = r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "app", nil)
	wantErr(t, err, engine.KindInUse, "Consumer app under stream s and account 000000000000 already exists.")
	_, _, err = r.e.ConsumerForSubscription(c.ARN)
	wantErr(t, err, engine.KindInUse, "")

	r.clock.Advance(500 * time.Millisecond) // the delete delay
	_, err = r.e.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN})
	wantErr(t, err, engine.KindNotFound, "Consumer "+c.ARN+", account 000000000000 not found.")
	_, _, err = r.e.ConsumerForSubscription(c.ARN)
	wantErr(t, err, engine.KindNotFound, "")
	if sum, _ := r.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "s"}); sum.ConsumerCount != 0 {
		t.Fatalf("ConsumerCount after deletion = %d, want 0", sum.ConsumerCount)
	}

	again := r.register(t, "app")
	if again.ARN == c.ARN || !again.Created.After(c.Created) {
		t.Fatalf("re-registered consumer %s reuses %s", again.ARN, c.ARN)
	}
	if tags, err := r.e.ListTagsForResource(ctx, again.ARN); err != nil || len(tags) != 0 {
		t.Fatalf("re-registered consumer inherited tags %v (%v)", tags, err)
	}
	_, err = r.e.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN})
	wantErr(t, err, engine.KindNotFound, "")
}

func TestReRegisterInTheSameSecondGetsANewARN(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	var arns []string
	for range 3 {
		c := r.register(t, "app") // CREATING consumers may be deregistered
		if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(500 * time.Millisecond) // the delete delay
		arns = append(arns, c.ARN)
	}
	if arns[0] == arns[1] || arns[1] == arns[2] || arns[0] == arns[2] {
		t.Fatalf("ARNs repeat: %v", arns)
	}
}

func TestConsumerRefs(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	r.createActive(t, "other", 1)
	c := r.register(t, "app")
	for _, tc := range []struct {
		ref  engine.ConsumerRef
		kind engine.Kind
		msg  string
	}{
		{engine.ConsumerRef{}, engine.KindInvalidArgument, "Either ConsumerARN or both StreamARN and ConsumerName must be provided."},
		{engine.ConsumerRef{Name: "app"}, engine.KindInvalidArgument, ""},
		{engine.ConsumerRef{StreamARN: consumerStreamARN}, engine.KindInvalidArgument, ""},
		{engine.ConsumerRef{ARN: c.ARN, Name: "other"}, engine.KindInvalidArgument, ""},
		{engine.ConsumerRef{ARN: c.ARN, StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/other"}, engine.KindInvalidArgument, ""},
		{engine.ConsumerRef{ARN: consumerStreamARN + "/consumer/app:1"}, engine.KindNotFound, ""},
		{engine.ConsumerRef{ARN: "arn:aws:kinesis:eu-west-1:000000000000:stream/s/consumer/app:1"}, engine.KindNotFound, ""},
		{engine.ConsumerRef{StreamARN: consumerStreamARN, Name: "nope"}, engine.KindNotFound, "Consumer nope, account 000000000000 not found."},
		{engine.ConsumerRef{StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/gone", Name: "app"}, engine.KindNotFound, "Stream gone under account 000000000000 not found."},
	} {
		_, err := r.e.DescribeStreamConsumer(ctx, tc.ref)
		wantErr(t, err, tc.kind, tc.msg)
		wantErr(t, r.e.DeregisterStreamConsumer(ctx, tc.ref), tc.kind, tc.msg)
	}
	_, err := r.e.RegisterStreamConsumer(ctx, "arn:aws:kinesis:us-east-1:000000000000:stream/gone", "x", nil)
	wantErr(t, err, engine.KindNotFound, "Stream gone under account 000000000000 not found.")
	_, err = r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "x", map[string]string{"bad!": "v"})
	wantErr(t, err, engine.KindInvalidArgument, "")
}

func TestConsumerLimits(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	for i := range 5 {
		r.register(t, fmt.Sprintf("c%02d", i))
	}
	_, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "c05", nil)
	wantErr(t, err, engine.KindLimitExceeded, "Account 000000000000 already has 5 consumers in CREATING status; wait until one becomes ACTIVE.")
	r.clock.Advance(time.Second)
	for i := 5; i < 20; i++ {
		r.register(t, fmt.Sprintf("c%02d", i))
		if i%5 == 4 {
			r.clock.Advance(time.Second)
		}
	}
	_, err = r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "c20", nil)
	wantErr(t, err, engine.KindLimitExceeded, "Stream s under account 000000000000 has reached the limit of 20 registered consumers.")
	_, err = r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "c00", nil)
	wantErr(t, err, engine.KindInUse, "")
	// A DELETING consumer no longer counts against the limit.
	if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{StreamARN: consumerStreamARN, Name: "c00"}); err != nil {
		t.Fatal(err)
	}
	r.register(t, "c20")
}

func TestListStreamConsumersPaging(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	r.createActive(t, "other", 1)
	var want []string
	for i := range 20 {
		want = append(want, r.register(t, fmt.Sprintf("c%02d", 19-i)).Name) // registration order, not name order
		if i%5 == 4 {
			r.clock.Advance(time.Second)
		}
	}
	var got []string
	pages := 0
	out, err := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, MaxResults: 7})
	for {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range out.Consumers {
			got = append(got, c.Name)
		}
		if out.NextToken == "" {
			break
		}
		out, err = r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, NextToken: out.NextToken, MaxResults: 7})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("listed %v in %d pages; want %v in 3", got, pages, want)
	}
	all, err := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN})
	if err != nil || len(all.Consumers) != 20 || all.NextToken != "" {
		t.Fatalf("default page: %d consumers, token %q, %v", len(all.Consumers), all.NextToken, err)
	}

	first, _ := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, MaxResults: 1})
	_, err = r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/other", NextToken: first.NextToken})
	wantErr(t, err, engine.KindInvalidArgument, "Invalid NextToken.")
	created := time.Unix(0, 0)
	_, err = r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, NextToken: first.NextToken, StreamCreationTimestamp: &created})
	wantErr(t, err, engine.KindInvalidArgument, "NextToken and StreamCreationTimestamp cannot be provided together.")
	_, err = r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, StreamCreationTimestamp: &created})
	wantErr(t, err, engine.KindNotFound, "Stream s under account 000000000000 not found.")
	sum, _ := r.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "s"})
	if out, err := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, StreamCreationTimestamp: &sum.Created, MaxResults: 1}); err != nil || len(out.Consumers) != 1 {
		t.Fatalf("matching StreamCreationTimestamp: %v %v", out.Consumers, err)
	}
	r.clock.Advance(301 * time.Second)
	_, err = r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN, NextToken: first.NextToken})
	wantErr(t, err, engine.KindExpiredNextToken, "The timestamp in the NextToken has expired.")
}

func TestDeleteStreamWithConsumers(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	c := r.register(t, "app")
	err := r.e.DeleteStream(ctx, engine.StreamRef{Name: "s"})
	wantErr(t, err, engine.KindInUse, "DeleteStream can\u2019t delete 000000000000:s because there are consumers associated with this data stream. To delete s anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.")
	if err := r.e.DeleteStreamEnforcing(ctx, engine.StreamRef{Name: "s"}, true); err != nil {
		t.Fatal(err)
	}
	if d, err := r.e.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); err != nil || d.Status != engine.ConsumerDeleting {
		t.Fatalf("consumer of a DELETING stream: %+v %v", d, err)
	}
	r.clock.Advance(time.Second)
	r.createActive(t, "s", 1) // a new incarnation has no consumers
	_, err = r.e.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN})
	wantErr(t, err, engine.KindNotFound, "")
	if out, err := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN}); err != nil || len(out.Consumers) != 0 {
		t.Fatalf("new incarnation lists %v (%v)", out.Consumers, err)
	}
	// Only deregistered consumers: a plain DeleteStream works.
	c = r.register(t, "app")
	if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); err != nil {
		t.Fatal(err)
	}
	if err := r.e.DeleteStream(ctx, engine.StreamRef{Name: "s"}); err != nil {
		t.Fatal(err)
	}
}

func TestConsumerTags(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	c, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "app", map[string]string{"a": "1", "b": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.e.TagResource(ctx, c.ARN, map[string]string{"c": "3", "a": "one"}); err != nil {
		t.Fatal(err)
	}
	if err := r.e.UntagResource(ctx, c.ARN, []string{"b", "absent"}); err != nil {
		t.Fatal(err)
	}
	tags, err := r.e.ListTagsForResource(ctx, c.ARN)
	if err != nil || fmt.Sprint(tags) != "[{a one} {c 3}]" {
		t.Fatalf("consumer tags %v %v", tags, err)
	}
	if tags, err := r.e.ListTagsForResource(ctx, consumerStreamARN); err != nil || len(tags) != 0 {
		t.Fatalf("stream got the consumer's tags: %v %v", tags, err)
	}
	if err := r.e.TagResource(ctx, consumerStreamARN, map[string]string{"s": "x"}); err != nil {
		t.Fatal(err)
	}
	if tags, _ := r.e.ListTagsForResource(ctx, c.ARN); len(tags) != 2 {
		t.Fatalf("stream tag reached the consumer: %v", tags)
	}
	many := map[string]string{}
	for i := range 49 {
		many[fmt.Sprint("k", i)] = ""
	}
	wantErr(t, r.e.TagResource(ctx, c.ARN, many), engine.KindInvalidArgument, "")
	wantErr(t, r.e.TagResource(ctx, consumerStreamARN+"/consumer/app:1", map[string]string{"x": "y"}), engine.KindNotFound, "")
	wantErr(t, r.e.TagResource(ctx, "arn:aws:kinesis:us-east-1:000000000000:table/x", map[string]string{"x": "y"}), engine.KindInvalidArgument,
		"ResourceARN arn:aws:kinesis:us-east-1:000000000000:table/x is not a valid stream or consumer ARN.")
}

func TestConsumersSurviveReopen(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	a, _ := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "a", map[string]string{"k": "v"})
	r.clock.Advance(time.Second)
	b := r.register(t, "b")
	if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{ARN: a.ARN}); err != nil {
		t.Fatal(err)
	}
	before, _ := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN})
	e2 := r.open(t)
	after, err := e2.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN})
	if err != nil || fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("reopened consumers differ (%v):\n%+v\n%+v", err, before, after)
	}
	if tags, _ := e2.ListTagsForResource(ctx, a.ARN); fmt.Sprint(tags) != "[{k v}]" {
		t.Fatalf("tags after reopen: %v", tags)
	}
	r.clock.Advance(time.Second) // b's create delay and a's delete delay continue across the restart
	if d, _ := e2.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: b.ARN}); d.Status != engine.ConsumerActive {
		t.Fatalf("b after reopen: %s", d.Status)
	}
	if _, err := e2.DescribeStreamConsumer(ctx, engine.ConsumerRef{ARN: a.ARN}); err == nil {
		t.Fatal("a still exists after its delete delay")
	}
}

func TestFailedConsumerSaveChangesNothing(t *testing.T) {
	r := newRig(t)
	fc := &failingCatalog{CatalogStore: r.catalog, n: 2}
	r.catalog = fc
	r.e = r.open(t)
	r.createActive(t, "s", 1)
	c := r.register(t, "kept")
	if _, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "lost", nil); err == nil {
		t.Fatal("RegisterStreamConsumer succeeded although the catalog could not be saved")
	}
	if err := r.e.DeregisterStreamConsumer(ctx, engine.ConsumerRef{ARN: c.ARN}); err == nil {
		t.Fatal("DeregisterStreamConsumer succeeded although the catalog could not be saved")
	}
	if err := r.e.TagResource(ctx, c.ARN, map[string]string{"x": "y"}); err == nil {
		t.Fatal("TagResource succeeded although the catalog could not be saved")
	}
	if err := r.e.DeleteStreamEnforcing(ctx, engine.StreamRef{Name: "s"}, true); err == nil {
		t.Fatal("DeleteStream succeeded although the catalog could not be saved")
	}
	out, _ := r.e.ListStreamConsumers(ctx, engine.ListStreamConsumersInput{StreamARN: consumerStreamARN})
	if len(out.Consumers) != 1 || out.Consumers[0].Name != "kept" || out.Consumers[0].Status == engine.ConsumerDeleting {
		t.Fatalf("after failed saves: %+v", out.Consumers)
	}
	if tags, _ := r.e.ListTagsForResource(ctx, c.ARN); len(tags) != 0 {
		t.Fatalf("tags after failed save: %v", tags)
	}
}
