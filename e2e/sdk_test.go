package e2e

// Stream-level control operations through the Go SDK v2: CreateStream,
// DeleteStream, DescribeStream, DescribeStreamSummary, ListStreams,
// DescribeLimits, and the shared error cases.

import (
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// maxHashKey is 2^128 - 1.
var maxHashKey = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// evenRanges is how AWS splits 0..2^128-1 over n initial shards: shard i
// starts at floor(2^128/n)*i, and each ends one below the next start.
func evenRanges(n int) [][2]string {
	step := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(int64(n)))
	out := make([][2]string, n)
	for i := range n {
		start := new(big.Int).Mul(step, big.NewInt(int64(i)))
		end := new(big.Int).Sub(new(big.Int).Mul(step, big.NewInt(int64(i+1))), big.NewInt(1))
		if i == n-1 {
			end = maxHashKey
		}
		out[i] = [2]string{start.String(), end.String()}
	}
	return out
}

func shardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// checkShards verifies ids, even hash ranges and open 56-digit sequence ranges.
func checkShards(t *testing.T, shards []types.Shard, total int, firstIndex int) {
	t.Helper()
	ranges := evenRanges(total)
	for j, sh := range shards {
		i := firstIndex + j
		if got := aws.ToString(sh.ShardId); got != shardID(i) {
			t.Fatalf("shard %d: id %s; want %s", j, got, shardID(i))
		}
		hk := sh.HashKeyRange
		if hk == nil || aws.ToString(hk.StartingHashKey) != ranges[i][0] || aws.ToString(hk.EndingHashKey) != ranges[i][1] {
			t.Fatalf("shard %s: hash range %+v; want %v", shardID(i), hk, ranges[i])
		}
		sr := sh.SequenceNumberRange
		if sr == nil || !digits56.MatchString(aws.ToString(sr.StartingSequenceNumber)) || sr.EndingSequenceNumber != nil {
			t.Fatalf("shard %s: sequence range %+v; want a 56-digit start and no end", shardID(i), sr)
		}
		if sh.ParentShardId != nil || sh.AdjacentParentShardId != nil {
			t.Fatalf("shard %s of a new stream has parents", shardID(i))
		}
	}
}

func within(t *testing.T, what string, got *time.Time, d time.Duration) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s is missing", what)
	}
	if diff := time.Since(*got); diff > d || diff < -d {
		t.Fatalf("%s = %v, more than %v from now (%v)", what, *got, d, time.Now())
	}
}

func TestCreateStream(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()

	t.Run("ShardCount", func(t *testing.T) {
		createStream(t, c, "three", 3)
		out, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("three")})
		if err != nil {
			t.Fatal(err)
		}
		d := out.StreamDescription
		if aws.ToString(d.StreamName) != "three" || aws.ToString(d.StreamARN) != streamARN("three") {
			t.Fatalf("name %q ARN %q", aws.ToString(d.StreamName), aws.ToString(d.StreamARN))
		}
		if d.StreamStatus != types.StreamStatusActive || aws.ToInt32(d.RetentionPeriodHours) != 24 || aws.ToBool(d.HasMoreShards) {
			t.Fatalf("status %s retention %d hasMore %v; want ACTIVE 24 false", d.StreamStatus, aws.ToInt32(d.RetentionPeriodHours), aws.ToBool(d.HasMoreShards))
		}
		if d.StreamModeDetails != nil && d.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
			t.Fatalf("StreamMode %s; want PROVISIONED", d.StreamModeDetails.StreamMode)
		}
		within(t, "StreamCreationTimestamp", d.StreamCreationTimestamp, time.Minute)
		if len(d.Shards) != 3 {
			t.Fatalf("%d shards; want 3", len(d.Shards))
		}
		checkShards(t, d.Shards, 3, 0)
	})

	t.Run("StreamModeDetailsProvisioned", func(t *testing.T) {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{
			StreamName: aws.String("prov"), ShardCount: aws.Int32(2),
			StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned},
		})
		if err != nil {
			t.Fatal(err)
		}
		sum := waitActive(t, c, "prov")
		if sum.StreamModeDetails == nil || sum.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
			t.Fatalf("StreamModeDetails %+v; want PROVISIONED", sum.StreamModeDetails)
		}
		if aws.ToInt32(sum.OpenShardCount) != 2 {
			t.Fatalf("OpenShardCount %d; want 2", aws.ToInt32(sum.OpenShardCount))
		}
	})

	t.Run("Tags", func(t *testing.T) {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{
			StreamName: aws.String("tagged"), ShardCount: aws.Int32(1),
			Tags: map[string]string{"team": "data", "env": "test", "empty": ""},
		})
		if err != nil {
			t.Fatal(err)
		}
		waitActive(t, c, "tagged")
		out, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("tagged")})
		if err != nil {
			t.Fatal(err)
		}
		if got := tagMap(out.Tags); !mapsEqual(got, map[string]string{"team": "data", "env": "test", "empty": ""}) {
			t.Fatalf("tags %v", got)
		}
	})

	t.Run("AlreadyExists", func(t *testing.T) {
		createStream(t, c, "X", 1)
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("X"), ShardCount: aws.Int32(1)})
		requireError(t, err, "ResourceInUseException", "Stream X under account 000000000000 already exists.")
	})

	t.Run("InvalidInput", func(t *testing.T) {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("zero"), ShardCount: aws.Int32(0)})
		requireErrorType(t, err, "ValidationException") // model: ShardCount min 1
		_, err = c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("bad name!"), ShardCount: aws.Int32(1)})
		requireErrorType(t, err, "ValidationException")
	})
}

func TestDeleteStream(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "doomed", 2)
	if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("doomed"), PartitionKey: aws.String("k"), Data: []byte("old")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("doomed")}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "doomed")
	_, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("doomed")})
	requireError(t, err, "ResourceNotFoundException", notFoundMessage("doomed"))
	ls, err := c.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ls.StreamNames, "doomed") {
		t.Fatalf("ListStreams still lists a deleted stream: %v", ls.StreamNames)
	}

	// The name is free again, and the new stream does not see the old data.
	createStream(t, c, "doomed", 1)
	if recs := readShard(t, c, "doomed", shardID(0)); len(recs) != 0 {
		t.Fatalf("recreated stream has %d records of its predecessor", len(recs))
	}

	_, err = c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("nope")})
	requireError(t, err, "ResourceNotFoundException", notFoundMessage("nope"))
}

func TestDescribeStreamPaging(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "five", 5)

	all := describeShards(t, c, "five")
	if len(all) != 5 {
		t.Fatalf("%d shards; want 5", len(all))
	}
	checkShards(t, all, 5, 0)

	var got []string
	var start *string
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("DescribeStream paging does not end")
		}
		out, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{
			StreamName: aws.String("five"), Limit: aws.Int32(2), ExclusiveStartShardId: start,
		})
		if err != nil {
			t.Fatal(err)
		}
		d := out.StreamDescription
		wantLen, wantMore := 2, page < 2
		if page == 2 {
			wantLen = 1
		}
		if len(d.Shards) != wantLen || aws.ToBool(d.HasMoreShards) != wantMore {
			t.Fatalf("page %d: %d shards HasMoreShards %v; want %d %v", page, len(d.Shards), aws.ToBool(d.HasMoreShards), wantLen, wantMore)
		}
		checkShards(t, d.Shards, 5, 2*page)
		for _, sh := range d.Shards {
			got = append(got, aws.ToString(sh.ShardId))
		}
		if !wantMore {
			break
		}
		start = d.Shards[len(d.Shards)-1].ShardId
	}
	if want := []string{shardID(0), shardID(1), shardID(2), shardID(3), shardID(4)}; !slices.Equal(got, want) {
		t.Fatalf("paged shards %v; want %v", got, want)
	}

	// The SDK's own paginator agrees.
	p := kinesis.NewDescribeStreamPaginator(c, &kinesis.DescribeStreamInput{StreamName: aws.String("five"), Limit: aws.Int32(3)})
	var viaPaginator []string
	for i := 0; p.HasMorePages(); i++ {
		if i > 5 {
			t.Fatal("paginator does not end")
		}
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range out.StreamDescription.Shards {
			viaPaginator = append(viaPaginator, aws.ToString(sh.ShardId))
		}
	}
	if !slices.Equal(viaPaginator, got) {
		t.Fatalf("paginator visited %v; want %v", viaPaginator, got)
	}

	// Starting after the last shard gives an empty, final page.
	out, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("five"), ExclusiveStartShardId: aws.String(shardID(4))})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.StreamDescription.Shards) != 0 || aws.ToBool(out.StreamDescription.HasMoreShards) {
		t.Fatalf("after the last shard: %d shards HasMoreShards %v", len(out.StreamDescription.Shards), aws.ToBool(out.StreamDescription.HasMoreShards))
	}
}

func TestDescribeStreamSummary(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "sum", 3)
	out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("sum")})
	if err != nil {
		t.Fatal(err)
	}
	s := out.StreamDescriptionSummary
	if aws.ToString(s.StreamName) != "sum" || aws.ToString(s.StreamARN) != streamARN("sum") || s.StreamStatus != types.StreamStatusActive {
		t.Fatalf("summary %s %s %s", aws.ToString(s.StreamName), aws.ToString(s.StreamARN), s.StreamStatus)
	}
	if aws.ToInt32(s.OpenShardCount) != 3 || aws.ToInt32(s.RetentionPeriodHours) != 24 {
		t.Fatalf("OpenShardCount %d RetentionPeriodHours %d; want 3 24", aws.ToInt32(s.OpenShardCount), aws.ToInt32(s.RetentionPeriodHours))
	}
	if s.StreamModeDetails == nil || s.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
		t.Fatalf("StreamModeDetails %+v; want PROVISIONED", s.StreamModeDetails)
	}
	if s.EncryptionType != "" && s.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("EncryptionType %s; want NONE", s.EncryptionType)
	}
	within(t, "StreamCreationTimestamp", s.StreamCreationTimestamp, time.Minute)

	_, err = c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("nope")})
	requireError(t, err, "ResourceNotFoundException", notFoundMessage("nope"))
}

func TestListStreams(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	names := []string{"s-a", "s-b", "s-c", "s-d", "s-e", "s-f", "s-g"}
	for _, n := range names {
		createStream(t, c, n, 1)
	}

	out, err := c.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, names) || aws.ToBool(out.HasMoreStreams) {
		t.Fatalf("ListStreams: %v HasMoreStreams %v; want %v false", out.StreamNames, aws.ToBool(out.HasMoreStreams), names)
	}
	if len(out.StreamSummaries) != len(names) {
		t.Fatalf("%d StreamSummaries; want %d", len(out.StreamSummaries), len(names))
	}
	for i, s := range out.StreamSummaries {
		if aws.ToString(s.StreamName) != names[i] || aws.ToString(s.StreamARN) != streamARN(names[i]) || s.StreamStatus != types.StreamStatusActive {
			t.Fatalf("summary %d: %s %s %s", i, aws.ToString(s.StreamName), aws.ToString(s.StreamARN), s.StreamStatus)
		}
		if s.StreamModeDetails == nil || s.StreamModeDetails.StreamMode != types.StreamModeProvisioned {
			t.Fatalf("summary %d: StreamModeDetails %+v", i, s.StreamModeDetails)
		}
		within(t, "StreamSummaries[].StreamCreationTimestamp", s.StreamCreationTimestamp, time.Minute)
	}

	// Limit.
	out, err = c.ListStreams(ctx(t), &kinesis.ListStreamsInput{Limit: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, names[:3]) || !aws.ToBool(out.HasMoreStreams) || aws.ToString(out.NextToken) == "" {
		t.Fatalf("Limit 3: %v HasMoreStreams %v NextToken %q", out.StreamNames, aws.ToBool(out.HasMoreStreams), aws.ToString(out.NextToken))
	}
	if len(out.StreamSummaries) != 3 {
		t.Fatalf("Limit 3: %d StreamSummaries", len(out.StreamSummaries))
	}

	// NextToken continues where Limit stopped.
	next, err := c.ListStreams(ctx(t), &kinesis.ListStreamsInput{Limit: aws.Int32(3), NextToken: out.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(next.StreamNames, names[3:6]) || !aws.ToBool(next.HasMoreStreams) {
		t.Fatalf("NextToken page: %v HasMoreStreams %v; want %v true", next.StreamNames, aws.ToBool(next.HasMoreStreams), names[3:6])
	}

	// ExclusiveStartStreamName.
	out, err = c.ListStreams(ctx(t), &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String("s-c"), Limit: aws.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.StreamNames, names[3:]) || aws.ToBool(out.HasMoreStreams) {
		t.Fatalf("after s-c: %v HasMoreStreams %v; want %v false", out.StreamNames, aws.ToBool(out.HasMoreStreams), names[3:])
	}

	// The SDK paginator visits every stream exactly once.
	p := kinesis.NewListStreamsPaginator(c, &kinesis.ListStreamsInput{Limit: aws.Int32(2)})
	var visited []string
	for i := 0; p.HasMorePages(); i++ {
		if i > 10 {
			t.Fatalf("ListStreams paginator does not end (visited %v)", visited)
		}
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(page.StreamNames) > 2 {
			t.Fatalf("page with Limit 2 has %d names", len(page.StreamNames))
		}
		visited = append(visited, page.StreamNames...)
	}
	if !slices.Equal(visited, names) {
		t.Fatalf("paginator visited %v; want each of %v once", visited, names)
	}
}

func TestDescribeLimits(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "a", 3)
	createStream(t, c, "b", 2)
	out, err := c.DescribeLimits(ctx(t), &kinesis.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.ShardLimit) <= 0 || aws.ToInt32(out.OpenShardCount) != 5 {
		t.Fatalf("ShardLimit %d OpenShardCount %d; want > 0 and 5", aws.ToInt32(out.ShardLimit), aws.ToInt32(out.OpenShardCount))
	}
	if out.OnDemandStreamCount == nil || out.OnDemandStreamCountLimit == nil || aws.ToInt32(out.OnDemandStreamCount) != 0 {
		t.Fatalf("OnDemandStreamCount %v OnDemandStreamCountLimit %v; want 0 and a limit", out.OnDemandStreamCount, out.OnDemandStreamCountLimit)
	}
}

// TestMissingStream: every stream-scoped operation names AWS's exact error.
func TestMissingStream(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	n := aws.String("nope")
	calls := map[string]func() error{
		"DescribeStream": func() error {
			_, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: n})
			return err
		},
		"DescribeStreamSummary": func() error {
			_, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: n})
			return err
		},
		"DeleteStream": func() error {
			_, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: n})
			return err
		},
		"ListShards": func() error {
			_, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: n})
			return err
		},
		"PutRecord": func() error {
			_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: n, PartitionKey: n, Data: []byte("x")})
			return err
		},
		"PutRecords": func() error {
			_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: n, Records: []types.PutRecordsRequestEntry{{PartitionKey: n, Data: []byte("x")}}})
			return err
		},
		"AddTagsToStream": func() error {
			_, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: n, Tags: map[string]string{"k": "v"}})
			return err
		},
		"RemoveTagsFromStream": func() error {
			_, err := c.RemoveTagsFromStream(ctx(t), &kinesis.RemoveTagsFromStreamInput{StreamName: n, TagKeys: []string{"k"}})
			return err
		},
		"ListTagsForStream": func() error {
			_, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: n})
			return err
		},
		"IncreaseStreamRetentionPeriod": func() error {
			_, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: n, RetentionPeriodHours: aws.Int32(48)})
			return err
		},
		"DecreaseStreamRetentionPeriod": func() error {
			_, err := c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: n, RetentionPeriodHours: aws.Int32(24)})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			requireError(t, call(), "ResourceNotFoundException", notFoundMessage("nope"))
		})
	}
	// GetShardIterator names the shard instead, as AWS does (kinesalite,
	// reverse-engineered from AWS, rewrites the stream-not-found message so).
	t.Run("GetShardIterator", func(t *testing.T) {
		_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: n, ShardId: aws.String(shardID(0)), ShardIteratorType: types.ShardIteratorTypeLatest})
		requireError(t, err, "ResourceNotFoundException", "Shard shardId-000000000000 in stream nope under account 000000000000 does not exist")
	})
	arn := aws.String(streamARN("nope"))
	arnCalls := map[string]func() error{
		"DescribeStreamSummaryByARN": func() error {
			_, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamARN: arn})
			return err
		},
		"TagResource": func() error {
			_, err := c.TagResource(ctx(t), &kinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"k": "v"}})
			return err
		},
		"UntagResource": func() error {
			_, err := c.UntagResource(ctx(t), &kinesis.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"k"}})
			return err
		},
		"ListTagsForResource": func() error {
			_, err := c.ListTagsForResource(ctx(t), &kinesis.ListTagsForResourceInput{ResourceARN: arn})
			return err
		},
	}
	for name, call := range arnCalls {
		t.Run(name, func(t *testing.T) {
			requireErrorType(t, call(), "ResourceNotFoundException")
		})
	}
}

// TestSplitShardLineage: after SplitShard the parent is closed with an
// EndingSequenceNumber, new records go to the children, and reading the
// parent to its end returns a null NextShardIterator and the ChildShards.
func TestSplitShardLineage(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "one", 1)
	before, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("one"), PartitionKey: aws.String("k"), Data: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SplitShard(ctx(t), &kinesis.SplitShardInput{
		StreamName: aws.String("one"), ShardToSplit: aws.String(shardID(0)),
		NewStartingHashKey: aws.String("170141183460469231731687303715884105728"),
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("one"), PartitionKey: aws.String("k"), Data: []byte("after")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.ShardId) == shardID(0) {
		t.Fatalf("a record written after the split went to the closed parent")
	}
	d, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String("one")})
	if err != nil {
		t.Fatal(err)
	}
	shards := d.StreamDescription.Shards
	if len(shards) != 3 || shards[0].SequenceNumberRange.EndingSequenceNumber == nil ||
		aws.ToString(shards[0].SequenceNumberRange.EndingSequenceNumber) != aws.ToString(before.SequenceNumber) ||
		aws.ToString(shards[1].ParentShardId) != shardID(0) || aws.ToString(shards[2].ParentShardId) != shardID(0) {
		t.Fatalf("shards after split: %+v", shards)
	}
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("one"), ShardId: aws.String(shardID(0)), ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || string(out.Records[0].Data) != "before" || out.NextShardIterator != nil || len(out.ChildShards) != 2 {
		t.Fatalf("reading the closed parent: %d records, next %v, children %+v", len(out.Records), out.NextShardIterator, out.ChildShards)
	}
	for _, cs := range out.ChildShards {
		if len(cs.ParentShards) != 1 || cs.ParentShards[0] != shardID(0) || cs.HashKeyRange == nil {
			t.Fatalf("child shard %+v", cs)
		}
	}
}
