package e2e

// Enhanced fan-out consumer registry (Register/Deregister/Describe/
// ListStreamConsumers, consumer tags, DeleteStream with consumers) through
// the Go SDK v2.

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func registerConsumer(t testing.TB, c *kinesis.Client, stream, name string) *types.Consumer {
	t.Helper()
	out, err := c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN(stream)), ConsumerName: aws.String(name)})
	if err != nil {
		t.Fatalf("RegisterStreamConsumer %s: %v", name, err)
	}
	return out.Consumer
}

// waitConsumerActive polls DescribeStreamConsumer until the consumer is ACTIVE.
func waitConsumerActive(t testing.TB, c *kinesis.Client, consumerARN string) *types.ConsumerDescription {
	t.Helper()
	var d *types.ConsumerDescription
	poll(t, 10*time.Second, "consumer "+consumerARN+" ACTIVE", func() (bool, string) {
		out, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(consumerARN)})
		if err != nil {
			return false, err.Error()
		}
		d = out.ConsumerDescription
		return d.ConsumerStatus == types.ConsumerStatusActive, string(d.ConsumerStatus)
	})
	return d
}

func listConsumers(t testing.TB, c *kinesis.Client, stream string, pageSize int32) (names []string, pages int) {
	t.Helper()
	p := kinesis.NewListStreamConsumersPaginator(c, &kinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN(stream)), MaxResults: aws.Int32(pageSize)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatalf("ListStreamConsumers page %d: %v", pages+1, err)
		}
		pages++
		for _, cons := range out.Consumers {
			names = append(names, aws.ToString(cons.ConsumerName))
		}
	}
	return names, pages
}

func TestConsumerRegisterDescribeDeregister(t *testing.T) {
	t.Parallel()
	srv := startServer(t, t.TempDir(), "--create-stream-delay", "300ms", "--delete-stream-delay", "300ms", "--update-stream-delay", "0")
	c := srv.client()
	createStream(t, c, "efo", 1)

	before := time.Now().Truncate(time.Second)
	cons := registerConsumer(t, c, "efo", "app")
	created := aws.ToTime(cons.ConsumerCreationTimestamp)
	if cons.ConsumerStatus != types.ConsumerStatusCreating || aws.ToString(cons.ConsumerName) != "app" ||
		created.Before(before) || created.After(time.Now()) || !created.Equal(created.Truncate(time.Second)) {
		t.Fatalf("registered consumer %+v", *cons)
	}
	arn := aws.ToString(cons.ConsumerARN)
	if want := streamARN("efo") + "/consumer/app:" + strconv.FormatInt(created.Unix(), 10); arn != want {
		t.Fatalf("ConsumerARN %s, want %s", arn, want)
	}
	if !regexp.MustCompile(`^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`).MatchString(arn) {
		t.Fatalf("ConsumerARN %s does not match the model's pattern", arn)
	}
	active := waitConsumerActive(t, c, arn)
	byName, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{StreamARN: aws.String(streamARN("efo")), ConsumerName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if d := byName.ConsumerDescription; aws.ToString(d.ConsumerARN) != arn || aws.ToString(d.StreamARN) != streamARN("efo") ||
		d.ConsumerStatus != types.ConsumerStatusActive || !aws.ToTime(d.ConsumerCreationTimestamp).Equal(aws.ToTime(active.ConsumerCreationTimestamp)) {
		t.Fatalf("described by stream and name: %+v", *d)
	}
	sum := waitActive(t, c, "efo")
	if aws.ToInt32(sum.ConsumerCount) != 1 {
		t.Fatalf("ConsumerCount = %d, want 1", aws.ToInt32(sum.ConsumerCount))
	}

	_, err = c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN("efo")), ConsumerName: aws.String("app")})
	requireError(t, err, "ResourceInUseException", "Consumer app under stream efo and account "+testAccount+" already exists.")
	_, err = c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn), ConsumerName: aws.String("other")})
	requireErrorType(t, err, "InvalidArgumentException")
	_, err = c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{StreamARN: aws.String(streamARN("efo")), ConsumerName: aws.String("nope")})
	requireError(t, err, "ResourceNotFoundException", "Consumer nope, account "+testAccount+" not found.")

	if _, err := c.DeregisterStreamConsumer(ctx(t), &kinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "consumer deregistered", func() (bool, string) {
		out, err := c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
		if err != nil {
			code, _ := apiError(err)
			return code == "ResourceNotFoundException", err.Error()
		}
		return false, string(out.ConsumerDescription.ConsumerStatus)
	})
	again := registerConsumer(t, c, "efo", "app")
	if aws.ToString(again.ConsumerARN) == arn {
		t.Fatalf("re-registered consumer reuses ARN %s", arn)
	}
}

func TestConsumerLimitAndPagination(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "many", 1)
	var want []string
	for i := range 20 {
		name := fmt.Sprintf("consumer-%02d", 19-i) // listed in registration order
		registerConsumer(t, c, "many", name)
		want = append(want, name)
	}
	_, err := c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN("many")), ConsumerName: aws.String("consumer-20")})
	requireError(t, err, "LimitExceededException", "Stream many under account "+testAccount+" has reached the limit of 20 registered consumers.")

	for _, size := range []int32{6, 20, 100} {
		got, pages := listConsumers(t, c, "many", size)
		if fmt.Sprint(got) != fmt.Sprint(want) || pages != (20+int(size)-1)/int(size) {
			t.Fatalf("MaxResults %d: %d pages %v; want %v", size, pages, got, want)
		}
	}
	first, err := c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN("many")), MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v, NextToken %v", err, first.NextToken)
	}
	_, err = c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN("many")), NextToken: aws.String("bm90IGEgdG9rZW4=")})
	requireError(t, err, "InvalidArgumentException", "Invalid NextToken.")
	_, err = c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN("many")), StreamCreationTimestamp: aws.Time(time.Unix(1, 0))})
	requireError(t, err, "ResourceNotFoundException", notFoundMessage("many"))

	// After a deregistration there is room for one more.
	if _, err := c.DeregisterStreamConsumer(ctx(t), &kinesis.DeregisterStreamConsumerInput{StreamARN: aws.String(streamARN("many")), ConsumerName: aws.String("consumer-00")}); err != nil {
		t.Fatal(err)
	}
	registerConsumer(t, c, "many", "consumer-20")
}

func TestDeleteStreamWithConsumers(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "busy", 1)
	cons := registerConsumer(t, c, "busy", "reader")
	_, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("busy")})
	requireError(t, err, "ResourceInUseException", "DeleteStream can\u2019t delete "+testAccount+":busy because there are consumers associated with this data stream. To delete busy anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.")
	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("busy"), EnforceConsumerDeletion: aws.Bool(false)})
	requireErrorType(t, err, "ResourceInUseException")
	if _, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("busy"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "busy")
	createStream(t, c, "busy", 1)
	_, err = c.DescribeStreamConsumer(ctx(t), &kinesis.DescribeStreamConsumerInput{ConsumerARN: cons.ConsumerARN})
	requireErrorType(t, err, "ResourceNotFoundException")
	if names, _ := listConsumers(t, c, "busy", 100); len(names) != 0 {
		t.Fatalf("new incarnation has consumers %v", names)
	}
}

func TestConsumerTags(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "tagged", 1)
	out, err := c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(streamARN("tagged")), ConsumerName: aws.String("app"), Tags: map[string]string{"team": "data", "tmp": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Consumer.ConsumerARN
	if _, err := c.TagResource(ctx(t), &kinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"env": "e2e"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx(t), &kinesis.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"tmp"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagMap(tags.Tags); !mapsEqual(got, map[string]string{"team": "data", "env": "e2e"}) {
		t.Fatalf("consumer tags %v", got)
	}
	streamTags, err := c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(streamARN("tagged"))})
	if err != nil || len(streamTags.Tags) != 0 {
		t.Fatalf("the stream got tags %v (%v)", tagMap(streamTags.Tags), err)
	}
	_, err = c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(streamARN("tagged") + "/consumer/app:1")})
	requireErrorType(t, err, "ResourceNotFoundException")
}

func TestRestartKeepsConsumers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	createStream(t, c, "kept", 2)
	out, err := c.RegisterStreamConsumer(ctx(t), &kinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(streamARN("kept")), ConsumerName: aws.String("a"), Tags: map[string]string{"k": "v"},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := registerConsumer(t, c, "kept", "b")
	waitConsumerActive(t, c, aws.ToString(b.ConsumerARN))
	before, err := c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN("kept"))})
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	srv = startServer(t, dir, zeroDelays...)
	c = srv.client()
	after, err := c.ListStreamConsumers(ctx(t), &kinesis.ListStreamConsumersInput{StreamARN: aws.String(streamARN("kept"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Consumers) != 2 {
		t.Fatalf("after restart: %d consumers, want 2", len(after.Consumers))
	}
	for i, want := range before.Consumers {
		got := after.Consumers[i]
		if aws.ToString(got.ConsumerARN) != aws.ToString(want.ConsumerARN) || got.ConsumerStatus != types.ConsumerStatusActive ||
			!aws.ToTime(got.ConsumerCreationTimestamp).Equal(aws.ToTime(want.ConsumerCreationTimestamp)) {
			t.Fatalf("consumer %d after restart: %+v; before: %+v", i, got, want)
		}
	}
	tags, err := c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: out.Consumer.ConsumerARN})
	if err != nil || !mapsEqual(tagMap(tags.Tags), map[string]string{"k": "v"}) {
		t.Fatalf("consumer tags after restart: %v (%v)", tagMap(tags.Tags), err)
	}
	sum := waitActive(t, c, "kept")
	if aws.ToInt32(sum.ConsumerCount) != 2 {
		t.Fatalf("ConsumerCount after restart = %d", aws.ToInt32(sum.ConsumerCount))
	}
}
