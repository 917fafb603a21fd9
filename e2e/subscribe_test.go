package e2e

// SubscribeToShard (enhanced fan-out) through the Go SDK v2 (HTTP/1.1
// event streams) and boto3.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// efoSetup creates a stream and an ACTIVE consumer of it and returns the
// consumer's ARN.
func efoSetup(t *testing.T, c *kinesis.Client, stream string, shards int32) string {
	t.Helper()
	createStream(t, c, stream, shards)
	arn := aws.ToString(registerConsumer(t, c, stream, "app").ConsumerARN)
	waitConsumerActive(t, c, arn)
	return arn
}

// subscription is one open SubscribeToShard event stream.
type subscription struct {
	t      *testing.T
	stream *kinesis.SubscribeToShardEventStream
}

func subscribe(t *testing.T, c *kinesis.Client, consumerARN, shardID string, pos types.StartingPosition) (*subscription, error) {
	t.Helper()
	out, err := c.SubscribeToShard(ctx(t), &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN), ShardId: aws.String(shardID), StartingPosition: &pos})
	if err != nil {
		return nil, err
	}
	s := &subscription{t: t, stream: out.GetStream()}
	t.Cleanup(func() { _ = s.stream.Close() })
	return s, nil
}

// mustSubscribe subscribes, retrying while the server still holds the
// consumer's previous subscription (the client just closed it; the server
// notices the closed connection a moment later).
func mustSubscribe(t *testing.T, c *kinesis.Client, consumerARN, shardID string, pos types.StartingPosition) *subscription {
	t.Helper()
	var s *subscription
	poll(t, 10*time.Second, "SubscribeToShard", func() (bool, string) {
		var err error
		s, err = subscribe(t, c, consumerARN, shardID, pos)
		if code, _ := apiError(err); code == "ResourceInUseException" {
			return false, err.Error()
		}
		if err != nil {
			t.Fatalf("SubscribeToShard %s %+v: %v", shardID, pos, err)
		}
		return true, ""
	})
	return s
}

// next returns the next SubscribeToShardEvent; ok is false once the stream
// has ended (then Err says how).
func (s *subscription) next() (ev types.SubscribeToShardEvent, ok bool) {
	s.t.Helper()
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case e, open := <-s.stream.Events():
		if !open {
			return ev, false
		}
		m, isEvent := e.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			s.t.Fatalf("unexpected event %T", e)
		}
		return m.Value, true
	case <-timer.C:
		s.t.Fatalf("no event within %v", callTimeout)
	}
	return ev, false
}

// records reads events until n records arrived and returns them with the
// last event's ContinuationSequenceNumber.
func (s *subscription) records(n int) ([]types.Record, string) {
	s.t.Helper()
	var recs []types.Record
	var cont string
	for len(recs) < n {
		ev, ok := s.next()
		if !ok {
			s.t.Fatalf("stream ended after %d of %d records: %v", len(recs), n, s.stream.Err())
		}
		recs = append(recs, ev.Records...)
		cont = aws.ToString(ev.ContinuationSequenceNumber)
	}
	if len(recs) != n {
		s.t.Fatalf("got %d records, want %d", len(recs), n)
	}
	return recs, cont
}

func putN(t *testing.T, c *kinesis.Client, stream, prefix string, n int) []string {
	t.Helper()
	entries := make([]types.PutRecordsRequestEntry, n)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "%s-%d", prefix, i), PartitionKey: aws.String("k")}
	}
	out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords: %v", err)
	}
	seqs := make([]string, n)
	for i, r := range out.Records {
		seqs[i] = aws.ToString(r.SequenceNumber)
	}
	return seqs
}

func wantRecords(t *testing.T, recs []types.Record, seqs []string, prefix string) {
	t.Helper()
	for i, r := range recs {
		if want := fmt.Sprintf("%s-%d", prefix, i); string(r.Data) != want || aws.ToString(r.SequenceNumber) != seqs[i] || aws.ToString(r.PartitionKey) != "k" || r.ApproximateArrivalTimestamp == nil {
			t.Fatalf("record %d: %q %s, want %q %s", i, r.Data, aws.ToString(r.SequenceNumber), want, seqs[i])
		}
	}
}

func TestSubscribeToShardInOrderAndContinuation(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t, "--subscribe-heartbeat", "300ms")
	c := srv.client()
	arn := efoSetup(t, c, "efo", 1)
	const shard = "shardId-000000000000"

	before := putN(t, c, "efo", "a", 20)
	sub := mustSubscribe(t, c, arn, shard, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	recs, cont := sub.records(20)
	wantRecords(t, recs, before, "a")
	if cont != before[19] {
		t.Fatalf("ContinuationSequenceNumber %s, want the last record's %s", cont, before[19])
	}
	// Pushed while subscribed.
	during := putN(t, c, "efo", "b", 5)
	recs, cont = sub.records(5)
	wantRecords(t, recs, during, "b")
	_ = sub.stream.Close()

	// Resubscribing after the continuation: no gap, no duplicate.
	after := putN(t, c, "efo", "c", 7)
	sub = mustSubscribe(t, c, arn, shard, types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(cont)})
	recs, _ = sub.records(7)
	wantRecords(t, recs, after, "c")
	_ = sub.stream.Close()

	// AT_SEQUENCE_NUMBER includes the record.
	sub = mustSubscribe(t, c, arn, shard, types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(after[3])})
	recs, _ = sub.records(4)
	for i, r := range recs {
		if want := fmt.Sprintf("c-%d", i+3); string(r.Data) != want || aws.ToString(r.SequenceNumber) != after[i+3] {
			t.Fatalf("AT_SEQUENCE_NUMBER record %d: %q, want %q", i, r.Data, want)
		}
	}
	_ = sub.stream.Close()
}

func TestSubscribeToShardReshardEndsWithChildShards(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t, "--subscribe-heartbeat", "300ms")
	c := srv.client()
	arn := efoSetup(t, c, "efo", 1)
	sub := mustSubscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	seqs := putN(t, c, "efo", "a", 3)
	recs, _ := sub.records(3)
	wantRecords(t, recs, seqs, "a")

	if _, err := c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String("efo"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("170141183460469231731687303715884105728")}); err != nil {
		t.Fatal(err)
	}
	for {
		ev, ok := sub.next()
		if !ok {
			t.Fatalf("stream ended without ChildShards: %v", sub.stream.Err())
		}
		if len(ev.Records) > 0 {
			t.Fatalf("unexpected records after the split: %d", len(ev.Records))
		}
		if ev.ChildShards == nil {
			continue // a heartbeat
		}
		if ev.ContinuationSequenceNumber != nil || len(ev.ChildShards) != 2 ||
			aws.ToString(ev.ChildShards[0].ShardId) != "shardId-000000000001" || aws.ToString(ev.ChildShards[1].ShardId) != "shardId-000000000002" ||
			len(ev.ChildShards[0].ParentShards) != 1 || ev.ChildShards[0].ParentShards[0] != "shardId-000000000000" ||
			aws.ToString(ev.ChildShards[1].HashKeyRange.StartingHashKey) != "170141183460469231731687303715884105728" {
			t.Fatalf("last event: continuation %v, children %+v", ev.ContinuationSequenceNumber, ev.ChildShards)
		}
		break
	}
	if _, ok := sub.next(); ok {
		t.Fatal("an event after the one with ChildShards")
	}
	if err := sub.stream.Err(); err != nil {
		t.Fatalf("stream ended with %v, want a clean end", err)
	}
}

func TestSubscribeToShardTakeoverAfterFiveSeconds(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t, "--subscribe-heartbeat", "300ms")
	c := srv.client()
	arn := efoSetup(t, c, "efo", 1)
	latest := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	start := time.Now()
	first, err := subscribe(t, c, arn, "shardId-000000000000", latest)
	if err != nil {
		t.Fatal(err)
	}
	_, err = subscribe(t, c, arn, "shardId-000000000000", latest)
	requireError(t, err, "ResourceInUseException", "Another active subscription exists for this consumer: "+arn)

	var second *subscription
	poll(t, 15*time.Second, "a takeover", func() (bool, string) {
		second, err = subscribe(t, c, arn, "shardId-000000000000", latest)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	if elapsed := time.Since(start); elapsed < 5*time.Second {
		t.Fatalf("took over after %v, before 5 s", elapsed)
	}
	for {
		if _, ok := first.next(); !ok {
			break // heartbeats until the takeover
		}
	}
	requireError(t, first.stream.Err(), "ResourceInUseException", "Another active subscription exists for this consumer: "+arn)
	seqs := putN(t, c, "efo", "a", 2)
	recs, _ := second.records(2)
	wantRecords(t, recs, seqs, "a")
}

func TestSubscribeToShardHeartbeatsAndEnd(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t, "--subscribe-heartbeat", "200ms", "--subscribe-duration", "1500ms")
	c := srv.client()
	arn := efoSetup(t, c, "efo", 1)
	seqs := putN(t, c, "efo", "a", 2)
	sub := mustSubscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	beats := 0
	for {
		ev, ok := sub.next()
		if !ok {
			break
		}
		if len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != seqs[1] || aws.ToInt64(ev.MillisBehindLatest) != 0 {
			t.Fatalf("heartbeat: %d records, continuation %s (want %s), behind %d", len(ev.Records), aws.ToString(ev.ContinuationSequenceNumber), seqs[1], aws.ToInt64(ev.MillisBehindLatest))
		}
		beats++
	}
	if err := sub.stream.Err(); err != nil {
		t.Fatalf("subscription ended with %v, want a clean end", err)
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats in a 1.5 s subscription with a 200 ms heartbeat", beats)
	}
}

func TestSubscribeToShardErrors(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	arn := efoSetup(t, c, "efo", 1)
	latest := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	_, err := subscribe(t, c, arn, "shardId-000000000009", latest)
	requireError(t, err, "ResourceNotFoundException", "Shard shardId-000000000009 in stream efo under account "+testAccount+" does not exist")
	_, err = subscribe(t, c, arn+"0", "shardId-000000000000", latest)
	requireErrorType(t, err, "ResourceNotFoundException")
	_, err = subscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber})
	requireErrorType(t, err, "InvalidArgumentException")
}

// subscribeScript reads SubscribeToShard events with boto3 and prints one
// JSON line per event with records.
const subscribeScript = `
import json, sys, boto3
endpoint, arn, shard = sys.argv[1:4]
c = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
out = c.subscribe_to_shard(ConsumerARN=arn, ShardId=shard, StartingPosition={"Type": "TRIM_HORIZON"})
got = 0
for ev in out["EventStream"]:
    e = ev["SubscribeToShardEvent"]
    if not e["Records"]:
        continue
    print(json.dumps({"data": [r["Data"].decode() for r in e["Records"]],
                      "seq": [r["SequenceNumber"] for r in e["Records"]],
                      "ts": all(r["ApproximateArrivalTimestamp"].year >= 2024 for r in e["Records"]),
                      "cont": e["ContinuationSequenceNumber"], "behind": e["MillisBehindLatest"]}))
    got += len(e["Records"])
    if got >= int(sys.argv[4]):
        break
`

func TestSubscribeToShardBoto3(t *testing.T) {
	t.Parallel()
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skipf("boto3 is not installed: %v", err)
	}
	srv := startFastServer(t)
	c := srv.client()
	arn := efoSetup(t, c, "efo", 1)
	seqs := putN(t, c, "efo", "a", 5)
	script := filepath.Join(t.TempDir(), "subscribe.py")
	if err := os.WriteFile(script, []byte(subscribeScript), 0o600); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "python3", script, srv.Endpoint, arn, "shardId-000000000000", "5")
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 subscribe: %v\n%s", err, out)
	}
	var data, got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var ev struct {
			Data   []string `json:"data"`
			Seq    []string `json:"seq"`
			TS     bool     `json:"ts"`
			Cont   string   `json:"cont"`
			Behind int64    `json:"behind"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("boto3 output %q: %v", out, err)
		}
		if !ev.TS || ev.Cont != ev.Seq[len(ev.Seq)-1] {
			t.Fatalf("boto3 event %+v", ev)
		}
		data, got = append(data, ev.Data...), append(got, ev.Seq...)
	}
	if fmt.Sprint(data) != "[a-0 a-1 a-2 a-3 a-4]" || fmt.Sprint(got) != fmt.Sprint(seqs) {
		t.Fatalf("boto3 read %v %v, want a-0..a-4 %v", data, got, seqs)
	}
}
