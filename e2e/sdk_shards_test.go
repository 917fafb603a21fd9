package e2e

// ListShards through the Go SDK v2, and a few checks of the raw wire that the
// SDK hides (error bodies, request ids, unknown targets).

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func shardIDsOf(shards []types.Shard) []string {
	ids := make([]string, len(shards))
	for i, sh := range shards {
		ids[i] = aws.ToString(sh.ShardId)
	}
	return ids
}

func TestListShards(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "five", 5)
	all := []string{shardID(0), shardID(1), shardID(2), shardID(3), shardID(4)}

	t.Run("All", func(t *testing.T) {
		out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("five")})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shardIDsOf(out.Shards), all) || out.NextToken != nil {
			t.Fatalf("shards %v NextToken %v; want %v and none", shardIDsOf(out.Shards), out.NextToken, all)
		}
		checkShards(t, out.Shards, 5, 0)
	})

	t.Run("NextTokenPaging", func(t *testing.T) {
		var got []string
		in := &kinesis.ListShardsInput{StreamName: aws.String("five"), MaxResults: aws.Int32(2)}
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatalf("paging does not end (got %v)", got)
			}
			out, err := c.ListShards(ctx(t), in)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			if len(out.Shards) > 2 {
				t.Fatalf("page %d: %d shards with MaxResults 2", page, len(out.Shards))
			}
			got = append(got, shardIDsOf(out.Shards)...)
			if out.NextToken == nil {
				break
			}
			// NextToken must be sent without StreamName.
			in = &kinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(2)}
		}
		if !slices.Equal(got, all) {
			t.Fatalf("paged %v; want every shard once: %v", got, all)
		}
	})

	t.Run("NextTokenWithStreamName", func(t *testing.T) {
		out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("five"), MaxResults: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if out.NextToken == nil {
			t.Fatal("MaxResults 1 of 5 shards: no NextToken")
		}
		_, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("five"), NextToken: out.NextToken})
		requireErrorType(t, err, "InvalidArgumentException")
		_, err = c.ListShards(ctx(t), &kinesis.ListShardsInput{NextToken: aws.String("garbage-token")})
		requireErrorType(t, err, "InvalidArgumentException", "ExpiredNextTokenException")
	})

	t.Run("ExclusiveStartShardId", func(t *testing.T) {
		out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("five"), ExclusiveStartShardId: aws.String(shardID(2))})
		if err != nil {
			t.Fatal(err)
		}
		if want := all[3:]; !slices.Equal(shardIDsOf(out.Shards), want) {
			t.Fatalf("after %s: %v; want %v", shardID(2), shardIDsOf(out.Shards), want)
		}
	})

	// On a stream that was never resharded every shard is open, so every
	// filter that starts at or before "now" lists all of them.
	now := time.Now()
	filters := []struct {
		name   string
		filter types.ShardFilter
		want   []string
	}{
		{"AT_LATEST", types.ShardFilter{Type: types.ShardFilterTypeAtLatest}, all},
		{"AT_TRIM_HORIZON", types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}, all},
		{"FROM_TRIM_HORIZON", types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}, all},
		{"AFTER_SHARD_ID", types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String(shardID(1))}, all[2:]},
		{"AT_TIMESTAMP", types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: &now}, all},
		{"FROM_TIMESTAMP", types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: &now}, all},
	}
	for _, f := range filters {
		t.Run("ShardFilter_"+f.name, func(t *testing.T) {
			out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("five"), ShardFilter: &f.filter})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shardIDsOf(out.Shards), f.want) {
				t.Fatalf("%s: %v; want %v", f.name, shardIDsOf(out.Shards), f.want)
			}
		})
	}

	t.Run("ShardFilterMissingShardId", func(t *testing.T) {
		_, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("five"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId}})
		requireErrorType(t, err, "InvalidArgumentException", "ValidationException")
	})

	t.Run("MissingStream", func(t *testing.T) {
		_, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String("nope")})
		requireError(t, err, "ResourceNotFoundException", notFoundMessage("nope"))
	})
}

// rawCall sends one SigV4-signed JSON 1.1 request and returns the status,
// headers and body.
func rawCall(t *testing.T, endpoint, target, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, endpoint+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
	if err := v4.NewSigner().SignHTTP(ctx(t), creds, req, hex.EncodeToString(sum[:]), "kinesis", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func TestWireErrors(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)

	// decode parses an error body; __type is reduced the way botocore and
	// smithy-go reduce it (text after the last '#', before any ':').
	decode := func(t *testing.T, b []byte) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("error body is not JSON: %v: %q", err, b)
		}
		if typ, ok := m["__type"].(string); ok {
			if i := strings.LastIndex(typ, "#"); i >= 0 {
				typ = typ[i+1:]
			}
			if i := strings.Index(typ, ":"); i >= 0 {
				typ = typ[:i]
			}
			m["__type"] = typ
		}
		return m
	}

	t.Run("NotFoundBody", func(t *testing.T) {
		status, h, b := rawCall(t, srv.Endpoint, "Kinesis_20131202.DescribeStreamSummary", `{"StreamName":"nope"}`)
		m := decode(t, b)
		if status != 400 || m["__type"] != "ResourceNotFoundException" || m["message"] != notFoundMessage("nope") {
			t.Fatalf("status %d body %s; want 400 ResourceNotFoundException %q", status, b, notFoundMessage("nope"))
		}
		if h.Get("x-amzn-RequestId") == "" {
			t.Fatal("no x-amzn-RequestId header on an error response")
		}
	})

	t.Run("SuccessHasRequestId", func(t *testing.T) {
		status, h, b := rawCall(t, srv.Endpoint, "Kinesis_20131202.DescribeLimits", `{}`)
		if status != 200 {
			t.Fatalf("DescribeLimits: status %d body %s", status, b)
		}
		if h.Get("x-amzn-RequestId") == "" {
			t.Fatal("no x-amzn-RequestId header")
		}
		if ct := h.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Fatalf("Content-Type %q; want application/x-amz-json-1.1", ct)
		}
	})

	t.Run("UnknownOperation", func(t *testing.T) {
		status, _, b := rawCall(t, srv.Endpoint, "Kinesis_20131202.NoSuchOperation", `{}`)
		m := decode(t, b)
		if status != 400 || m["__type"] != "UnknownOperationException" {
			t.Fatalf("status %d body %s; want 400 UnknownOperationException", status, b)
		}
	})

	t.Run("UnparsableBody", func(t *testing.T) {
		status, _, b := rawCall(t, srv.Endpoint, "Kinesis_20131202.DescribeStreamSummary", `{"StreamName":`)
		m := decode(t, b)
		if status != 400 || m["__type"] != "SerializationException" {
			t.Fatalf("status %d body %s; want 400 SerializationException", status, b)
		}
	})
}
