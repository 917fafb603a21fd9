package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/fxamacker/cbor/v2"
)

// garbageSeed makes the storm reproducible; it is printed in the log.
const (
	garbageSeed     = 20261125
	garbageRequests = 5000
	garbageWorkers  = 8
)

// garbageOps are the model's 39 operations plus targets that are not.
var garbageOps = []string{
	"AddTagsToStream", "CreateStream", "DecreaseStreamRetentionPeriod", "DeleteResourcePolicy", "DeleteStream",
	"DeregisterStreamConsumer", "DescribeAccountSettings", "DescribeLimits", "DescribeStream", "DescribeStreamConsumer",
	"DescribeStreamSummary", "DisableEnhancedMonitoring", "EnableEnhancedMonitoring", "GetRecords", "GetResourcePolicy",
	"GetShardIterator", "IncreaseStreamRetentionPeriod", "ListShards", "ListStreamConsumers", "ListStreams",
	"ListTagsForResource", "ListTagsForStream", "MergeShards", "PutRecord", "PutRecords", "PutResourcePolicy",
	"RegisterStreamConsumer", "RemoveTagsFromStream", "SplitShard", "StartStreamEncryption", "StopStreamEncryption",
	"SubscribeToShard", "TagResource", "UntagResource", "UpdateAccountSettings", "UpdateMaxRecordSize",
	"UpdateShardCount", "UpdateStreamMode", "UpdateStreamWarmThroughput",
	"", "Frobnicate", "putRecord", "PutRecord ", "../PutRecord",
}

// garbageBodies are valid-looking bodies to truncate and corrupt. They
// name the stream "g", never the stream the test reads back.
var garbageBodies = []string{
	`{"StreamName":"g","ShardCount":2,"Tags":{"a":"b"}}`,
	`{"StreamName":"g","Records":[{"Data":"AAECAw==","PartitionKey":"k"},{"Data":"","PartitionKey":"é😀","ExplicitHashKey":"1"}]}`,
	`{"StreamName":"g","Data":"aGVsbG8=","PartitionKey":"p","SequenceNumberForOrdering":"0"}`,
	`{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1.5e9}`,
	`{"ShardIterator":"AAAAAAAAAAEAAAAA","Limit":10}`,
	`{"StreamName":"g","ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"shardId-000000000000"},"MaxResults":5}`,
	`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/g","ConsumerName":"c","Tags":{"x":""}}`,
	`{"ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/g/consumer/c:1","ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}}`,
	`{"ResourceARN":"arn:aws:kinesis:us-east-1:000000000000:stream/g","Policy":"{\"Version\":\"2012-10-17\"}"}`,
	`{"StreamName":"g","ShardLevelMetrics":["ALL","IncomingBytes"]}`,
	`{"MinimumThroughputBillingCommitment":{"Status":"ENABLED"}}`,
	`{}`,
}

var garbageContentTypes = []string{
	"application/x-amz-json-1.1", "application/x-amz-json-1.1", "application/x-amz-json-1.1", "application/x-amz-json-1.1",
	"application/x-amz-json-1.1", "application/x-amz-json-1.1", "application/x-amz-json-1.1", "application/x-amz-json-1.1",
	"application/x-amz-json-1.0", "application/json", "application/x-amz-cbor-1.1", "application/x-amz-cbor-1.1",
	"", "text/plain", "application/xml", "application/x-amz-json-1.1; charset=utf-8", "multipart/form-data; boundary=x",
}

var garbageMethods = []string{"POST", "POST", "POST", "POST", "POST", "POST", "POST", "POST", "POST", "POST", "POST", "POST", "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}

// garbageRequest is one malformed request, fully described by its fields.
type garbageRequest struct {
	method, target, contentType, auth string
	body                              []byte
	sign                              bool
}

func (g garbageRequest) String() string {
	body := g.body
	if len(body) > 120 {
		body = body[:120]
	}
	return fmt.Sprintf("%s target=%q type=%q sign=%v auth=%q body=%q", g.method, g.target, g.contentType, g.sign, g.auth, body)
}

func makeGarbage(r *rand.Rand) garbageRequest {
	g := garbageRequest{
		method:      garbageMethods[r.IntN(len(garbageMethods))],
		target:      "Kinesis_20131202." + garbageOps[r.IntN(len(garbageOps))],
		contentType: garbageContentTypes[r.IntN(len(garbageContentTypes))],
	}
	switch r.IntN(10) {
	case 0:
		g.target = ""
	case 1:
		g.target = "Kinesis_20131202"
	case 2:
		g.target = "DynamoDB_20120810.PutItem"
	}
	base := []byte(garbageBodies[r.IntN(len(garbageBodies))])
	switch r.IntN(12) {
	case 0: // as is
		g.body = base
	case 1, 2: // truncated
		g.body = base[:r.IntN(len(base)+1)]
	case 3, 4: // bytes flipped
		g.body = bytes.Clone(base)
		for range 1 + r.IntN(4) {
			g.body[r.IntN(len(g.body))] = byte(r.IntN(256))
		}
	case 5: // random bytes
		g.body = make([]byte, r.IntN(2048))
		for i := range g.body {
			g.body[i] = byte(r.IntN(256))
		}
	case 6: // random JSON-ish tokens
		toks := []string{"{", "}", "[", "]", ",", ":", `"StreamName"`, `"Records"`, `"g"`, "null", "true", "-0", "1e999", "123456789012345678901234567890", `"\ud800"`, `"\u0000"`, " "}
		var b strings.Builder
		for range r.IntN(64) {
			b.WriteString(toks[r.IntN(len(toks))])
		}
		g.body = []byte(b.String())
	case 7: // deep nesting
		n := 1 + r.IntN(5000)
		g.body = []byte(strings.Repeat(`{"a":[`, n) + strings.Repeat(`]}`, n))
	case 8: // invalid UTF-8 and NUL inside strings
		g.body = []byte("{\"StreamName\":\"g\xff\x00\",\"PartitionKey\":\"\xed\xa0\x80\",\"Data\":\"AAAA\"}")
	case 9: // duplicate members
		g.body = []byte(`{"StreamName":"g","StreamName":"h","Records":[{"Data":"AAAA","PartitionKey":"k","Data":"AAAA"}]}`)
	case 10: // huge numbers everywhere
		g.body = []byte(`{"StreamName":"g","ShardCount":1e308,"Limit":-99999999999999999999999,"RetentionPeriodHours":9223372036854775808}`)
	case 11: // random CBOR-ish: a map header and random bytes
		g.body = append([]byte{0xbf, 0x6a}, []byte("StreamName")...)
		for range r.IntN(64) {
			g.body = append(g.body, byte(r.IntN(256)))
		}
	}
	switch r.IntN(6) {
	case 0:
		g.auth = "" // missing
	case 1:
		g.auth = "AWS4-HMAC-SHA256 Credential=garbled"
	case 2:
		g.auth = "Basic dXNlcjpwYXNz"
	default:
		g.sign = true
	}
	return g
}

// checkGarbageAnswer returns why resp is not an AWS-shaped answer, or "".
func checkGarbageAnswer(g garbageRequest, resp rawResponse) string {
	switch {
	case resp.Status >= 500:
		return "a server error"
	case resp.Status == http.StatusOK:
		return "" // a corruption can still leave a valid request
	case resp.Status < 400:
		return "neither 200 nor 4xx"
	case g.method == http.MethodHead:
		return "" // no body to check
	}
	ct := resp.Header.Get("Content-Type")
	switch {
	case ct == "application/xml":
		if !bytes.Contains(resp.Body, []byte("<AccessDeniedException>")) && !bytes.Contains(resp.Body, []byte("<UnknownOperationException/>")) {
			return "an XML body that is not AWS's"
		}
		return ""
	case ct == "application/x-amz-cbor-1.1":
		var m map[string]any
		if err := cbor.Unmarshal(resp.Body, &m); err != nil || m["__type"] == nil || m["__type"] == "" {
			return "a CBOR error without __type"
		}
		return ""
	}
	if typ, _, ok := resp.awsError(); !ok || typ == "" {
		return "a JSON error without __type"
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		return "no x-amzn-RequestId"
	}
	return ""
}

// TestGarbageStorm throws 5,000 random malformed requests at the server
// (random targets, methods, content types, truncated and corrupted bodies,
// missing or garbled auth) from 8 clients at once. Every answer must be
// AWS-shaped and never a 5xx, no handler may panic, the server must stay
// up, and a stream written beforehand must read back byte for byte.
func TestGarbageStorm(t *testing.T) {
	t.Parallel()
	t.Logf("garbage storm: %d requests, rand seed %d", garbageRequests, garbageSeed)
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "keep", 2)
	var want [][]byte
	for i := range 100 {
		data := make([]byte, 1+i*37%900)
		for j := range data {
			data[j] = byte(i*31 + j*7)
		}
		if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("keep"), PartitionKey: aws.String(fmt.Sprint(i)), Data: data}); err != nil {
			t.Fatal(err)
		}
		want = append(want, data)
	}

	rng := rand.New(rand.NewPCG(garbageSeed, garbageSeed>>1))
	reqs := make([]garbageRequest, garbageRequests)
	for i := range reqs {
		reqs[i] = makeGarbage(rng)
	}
	rc := newRawClient(srv.Endpoint)
	var (
		mu       sync.Mutex
		bad      []string
		statuses = map[int]int{}
		wg       sync.WaitGroup
	)
	next := make(chan garbageRequest)
	for range garbageWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range next {
				req, err := http.NewRequest(g.method, srv.Endpoint+"/", bytes.NewReader(g.body))
				if err != nil {
					continue
				}
				if g.contentType != "" {
					req.Header.Set("Content-Type", g.contentType)
				}
				if g.target != "" {
					req.Header.Set("X-Amz-Target", g.target)
				}
				if g.sign {
					rc.signNoFail(req, g.body)
				} else if g.auth != "" {
					req.Header.Set("Authorization", g.auth)
					req.Header.Set("X-Amz-Date", "20261125T000000Z")
				}
				var why string
				resp, err := rc.tryDo(req)
				if err != nil {
					why = "no answer (" + err.Error() + ")"
				} else {
					why = checkGarbageAnswer(g, resp)
				}
				mu.Lock()
				statuses[resp.Status]++
				if why != "" && len(bad) < 20 {
					bad = append(bad, fmt.Sprintf("%s: %d %.200q — %s", why, resp.Status, resp.Body, g))
				}
				mu.Unlock()
			}
		}()
	}
	for _, g := range reqs {
		next <- g
	}
	close(next)
	wg.Wait()
	t.Logf("answers by status: %v", statuses)
	for _, b := range bad {
		t.Error(b)
	}
	if strings.Contains(srv.Output(), "panic") {
		t.Errorf("the server logged a panic:\n%s", srv.Output())
	}

	// Still up, and the stream written before reads back byte for byte.
	var got [][]byte
	for _, sh := range describeShards(t, c, "keep") {
		for _, r := range readShard(t, c, "keep", aws.ToString(sh.ShardId)) {
			got = append(got, r.Data)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("read back %d records, want %d", len(got), len(want))
	}
	wantSet := map[string]int{}
	for _, d := range want {
		wantSet[base64.StdEncoding.EncodeToString(d)]++
	}
	for _, d := range got {
		k := base64.StdEncoding.EncodeToString(d)
		if wantSet[k] == 0 {
			t.Fatalf("read back a record that was never written: %x", d)
		}
		wantSet[k]--
	}
	streams, err := c.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatalf("ListStreams after the storm: %v", err)
	}
	for _, name := range streams.StreamNames {
		if name != "keep" && name != "g" {
			t.Errorf("the storm created stream %q", name)
		}
	}
}
