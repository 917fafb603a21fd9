package e2e

// Tags (stream-style and resource-style) and retention through the Go SDK v2.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, tg := range tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func mapsEqual(a, b map[string]string) bool { return maps.Equal(a, b) }

func tagKeys(tags []types.Tag) []string {
	var keys []string
	for _, tg := range tags {
		keys = append(keys, aws.ToString(tg.Key))
	}
	return keys
}

func TestStreamTags(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "tags", 1)
	name := aws.String("tags")

	list := func(t *testing.T, in kinesis.ListTagsForStreamInput) *kinesis.ListTagsForStreamOutput {
		t.Helper()
		in.StreamName = name
		out, err := c.ListTagsForStream(ctx(t), &in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	if out := list(t, kinesis.ListTagsForStreamInput{}); len(out.Tags) != 0 || aws.ToBool(out.HasMoreTags) {
		t.Fatalf("new stream: tags %v HasMoreTags %v", tagMap(out.Tags), aws.ToBool(out.HasMoreTags))
	}
	want := map[string]string{"k1": "v1", "k2": "v2", "k3": "", "k4": "v4", "k5": "v5"}
	if _, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: name, Tags: want}); err != nil {
		t.Fatal(err)
	}
	all := list(t, kinesis.ListTagsForStreamInput{})
	if !mapsEqual(tagMap(all.Tags), want) || aws.ToBool(all.HasMoreTags) {
		t.Fatalf("tags %v HasMoreTags %v; want %v false", tagMap(all.Tags), aws.ToBool(all.HasMoreTags), want)
	}
	if keys := tagKeys(all.Tags); !slices.IsSorted(keys) {
		t.Fatalf("tags not in key order: %v", keys)
	}

	// Limit + ExclusiveStartTagKey paging.
	var paged []string
	var start *string
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatalf("tag paging does not end (%v)", paged)
		}
		out := list(t, kinesis.ListTagsForStreamInput{Limit: aws.Int32(2), ExclusiveStartTagKey: start})
		if len(out.Tags) > 2 {
			t.Fatalf("Limit 2 returned %d tags", len(out.Tags))
		}
		paged = append(paged, tagKeys(out.Tags)...)
		wantMore := len(paged) < 5
		if aws.ToBool(out.HasMoreTags) != wantMore {
			t.Fatalf("after %v: HasMoreTags %v; want %v", paged, aws.ToBool(out.HasMoreTags), wantMore)
		}
		if !wantMore {
			break
		}
		start = out.Tags[len(out.Tags)-1].Key
	}
	if fmt.Sprint(paged) != "[k1 k2 k3 k4 k5]" {
		t.Fatalf("paged tag keys %v", paged)
	}

	// Overwrite a value, remove two keys (one of them absent).
	if _, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: name, Tags: map[string]string{"k2": "new"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTagsFromStream(ctx(t), &kinesis.RemoveTagsFromStreamInput{StreamName: name, TagKeys: []string{"k1", "k3", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := tagMap(list(t, kinesis.ListTagsForStreamInput{}).Tags); !mapsEqual(got, map[string]string{"k2": "new", "k4": "v4", "k5": "v5"}) {
		t.Fatalf("after overwrite and remove: %v", got)
	}

	t.Run("Errors", func(t *testing.T) {
		long := strings.Repeat("k", 129)
		_, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: name, Tags: map[string]string{long: "v"}})
		requireErrorType(t, err, "ValidationException", "InvalidArgumentException")
		_, err = c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: name, Limit: aws.Int32(0)})
		requireErrorType(t, err, "ValidationException")
		// A stream holds at most 50 tags.
		many := map[string]string{}
		for i := range 51 {
			many[fmt.Sprintf("m%02d", i)] = "v"
		}
		_, err = c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: name, Tags: many})
		requireErrorType(t, err, "InvalidArgumentException", "LimitExceededException", "ValidationException")
		if got := tagMap(list(t, kinesis.ListTagsForStreamInput{}).Tags); len(got) != 3 {
			t.Fatalf("a rejected AddTagsToStream changed the tags: %v", got)
		}
	})
}

func TestResourceTags(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "res", 1)
	arn := aws.String(streamARN("res"))

	if _, err := c.TagResource(ctx(t), &kinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagMap(out.Tags); !mapsEqual(got, map[string]string{"a": "1", "b": "2"}) {
		t.Fatalf("ListTagsForResource %v", got)
	}
	// Both APIs share one tag set.
	st, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("res")})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagMap(st.Tags); !mapsEqual(got, map[string]string{"a": "1", "b": "2"}) {
		t.Fatalf("ListTagsForStream after TagResource: %v", got)
	}
	if _, err := c.UntagResource(ctx(t), &kinesis.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	out, err = c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagMap(out.Tags); !mapsEqual(got, map[string]string{"b": "2"}) {
		t.Fatalf("after UntagResource: %v", got)
	}
	_, err = c.TagResource(ctx(t), &kinesis.TagResourceInput{ResourceARN: aws.String("not-an-arn"), Tags: map[string]string{"a": "1"}})
	requireErrorType(t, err, "ValidationException", "InvalidArgumentException")
}

func TestRetentionPeriod(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "ret", 1)
	name := aws.String("ret")

	expectRetention := func(hours int32) {
		t.Helper()
		poll(t, 10*time.Second, fmt.Sprintf("retention %d h and ACTIVE", hours), func() (bool, string) {
			out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: name})
			if err != nil {
				return false, err.Error()
			}
			s := out.StreamDescriptionSummary
			return aws.ToInt32(s.RetentionPeriodHours) == hours && s.StreamStatus == types.StreamStatusActive,
				fmt.Sprintf("%d h %s", aws.ToInt32(s.RetentionPeriodHours), s.StreamStatus)
		})
	}
	increase := func(h int32) error {
		_, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(h)})
		return err
	}
	decrease := func(h int32) error {
		_, err := c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: name, RetentionPeriodHours: aws.Int32(h)})
		return err
	}

	expectRetention(24)
	if err := increase(48); err != nil {
		t.Fatal(err)
	}
	expectRetention(48)
	if err := increase(8760); err != nil {
		t.Fatal(err)
	}
	expectRetention(8760)
	if err := decrease(72); err != nil {
		t.Fatal(err)
	}
	expectRetention(72)

	requireErrorType(t, increase(8761), "InvalidArgumentException") // above the 365-day maximum
	requireErrorType(t, increase(48), "InvalidArgumentException")   // an "increase" below the current 72
	requireErrorType(t, decrease(100), "InvalidArgumentException")  // a "decrease" above the current 72
	requireErrorType(t, decrease(23), "InvalidArgumentException")   // below the 24-hour minimum
	expectRetention(72)

	if err := decrease(24); err != nil {
		t.Fatal(err)
	}
	expectRetention(24)
	d, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: name})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(d.StreamDescription.RetentionPeriodHours) != 24 {
		t.Fatalf("DescribeStream RetentionPeriodHours %d; want 24", aws.ToInt32(d.StreamDescription.RetentionPeriodHours))
	}
}
