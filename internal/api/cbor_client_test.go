package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/runnel-io/runnel/internal/api"
)

// This file is a CBOR test client that encodes requests the way the AWS SDK
// for Java does (SdkCborGenerator over Jackson's CBORGenerator): objects and
// arrays as indefinite-length maps and arrays, blobs as byte strings
// (writeBinary), timestamps as tag 1 followed by an integer of epoch
// milliseconds (writeTag(1); writeNumber(epochMilli)), integers in their
// shortest form. It is written by hand, independently of the server's
// encoder.

// kv is one member of a Java-encoded object, in the order it is written.
type kv struct {
	key string
	val any
}

// obj is a Java-encoded object (an indefinite-length CBOR map).
type obj []kv

// millisFloat is a timestamp sent as tag 1 with a float of milliseconds.
type millisFloat float64

func javaCBOR(v any) []byte { return appendJava(nil, v) }

func appendHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= math.MaxUint8:
		return append(dst, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, m|27), n)
}

func appendJava(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 0xf6)
	case bool:
		if x {
			return append(dst, 0xf5)
		}
		return append(dst, 0xf4)
	case int:
		if x < 0 {
			return appendHead(dst, 1, uint64(-1-x))
		}
		return appendHead(dst, 0, uint64(x))
	case string:
		return append(appendHead(dst, 3, uint64(len(x))), x...)
	case []byte:
		return append(appendHead(dst, 2, uint64(len(x))), x...)
	case time.Time:
		return appendJava(appendHead(dst, 6, 1), int(x.UnixMilli()))
	case millisFloat:
		return binary.BigEndian.AppendUint64(append(appendHead(dst, 6, 1), 0xfb), math.Float64bits(float64(x)))
	case []any:
		dst = append(dst, 0x9f)
		for _, e := range x {
			dst = appendJava(dst, e)
		}
		return append(dst, 0xff)
	case obj:
		dst = append(dst, 0xbf)
		for _, m := range x {
			dst = appendJava(appendJava(dst, m.key), m.val)
		}
		return append(dst, 0xff)
	}
	panic("javaCBOR: unsupported value")
}

const cborType = "application/x-amz-cbor-1.1"

// doCBOR sends a Java-encoded request and checks the answer is CBOR.
func doCBOR(t *testing.T, h *api.Handler, target string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case []byte:
		raw = b
	default:
		raw = javaCBOR(b)
	}
	rec := do(h, call{target: target, contentType: cborType, body: string(raw)})
	if rec.Code == 200 && rec.Body.Len() == 0 {
		return rec
	}
	if ct := rec.Header().Get("Content-Type"); ct != cborType {
		t.Fatalf("%s: Content-Type %q, want %q (body %q)", target, ct, cborType, rec.Body)
	}
	return rec
}

// decodeCBOR decodes a response body into out, refusing anything that is
// not exactly one CBOR item.
func decodeCBOR(t *testing.T, rec *httptest.ResponseRecorder, out any) {
	t.Helper()
	if err := cbor.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("response %x is not the expected CBOR: %v", rec.Body.Bytes(), err)
	}
}

// cborError returns the __type and message of a CBOR error response.
func cborError(t *testing.T, rec *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	var m map[string]string
	decodeCBOR(t, rec, &m)
	if len(m) > 2 {
		t.Fatalf("error map has extra keys: %v", m)
	}
	if rec.Header().Get("X-Amzn-Errortype") != m["__type"] {
		t.Fatalf("X-Amzn-Errortype %q disagrees with __type %q", rec.Header().Get("X-Amzn-Errortype"), m["__type"])
	}
	return m["__type"], m["message"]
}

// epochMillisTag checks a raw timestamp is tag 1 with an integer and
// returns the milliseconds.
func epochMillisTag(t *testing.T, what string, raw cbor.RawTag) int64 {
	t.Helper()
	if raw.Number != 1 {
		t.Fatalf("%s: tag %d, want 1", what, raw.Number)
	}
	if len(raw.Content) == 0 || raw.Content[0]>>5 != 0 {
		t.Fatalf("%s: tag 1 content %x is not an unsigned integer", what, []byte(raw.Content))
	}
	var ms int64
	if err := cbor.Unmarshal(raw.Content, &ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

// byteString checks raw is a CBOR byte string (major type 2) and returns it.
func byteString(t *testing.T, what string, raw cbor.RawMessage) []byte {
	t.Helper()
	if len(raw) == 0 || raw[0]>>5 != 2 {
		t.Fatalf("%s: %x is not a byte string", what, []byte(raw))
	}
	var b []byte
	if err := cbor.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestCBORControlPlane(t *testing.T) {
	h := newHandler(t)
	before := time.Now().UnixMilli()
	if rec := doCBOR(t, h, "CreateStream", obj{{"StreamName", "s"}, {"ShardCount", 2}}); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Fatalf("CreateStream: %d %x", rec.Code, rec.Body)
	}
	rec := doCBOR(t, h, "DescribeStreamSummary", obj{{"StreamName", "s"}})
	var sum struct {
		StreamDescriptionSummary struct {
			StreamName              string
			StreamStatus            string
			OpenShardCount          int
			StreamCreationTimestamp cbor.RawTag
		}
	}
	decodeCBOR(t, rec, &sum)
	d := sum.StreamDescriptionSummary
	if d.StreamName != "s" || d.OpenShardCount != 2 {
		t.Fatalf("DescribeStreamSummary: %+v", d)
	}
	created := epochMillisTag(t, "StreamCreationTimestamp", d.StreamCreationTimestamp)
	if created < before-1000 || created > time.Now().UnixMilli()+1000 {
		t.Fatalf("StreamCreationTimestamp %d ms, want about %d", created, before)
	}

	rec = doCBOR(t, h, "ListStreams", obj{})
	var list struct {
		StreamNames    []string
		HasMoreStreams bool
	}
	decodeCBOR(t, rec, &list)
	if !reflect.DeepEqual(list.StreamNames, []string{"s"}) || list.HasMoreStreams {
		t.Fatalf("ListStreams: %+v", list)
	}

	if rec := doCBOR(t, h, "AddTagsToStream", obj{{"StreamName", "s"}, {"Tags", obj{{"team", "blue"}}}}); rec.Code != 200 {
		t.Fatalf("AddTagsToStream: %d %x", rec.Code, rec.Body)
	}
	rec = doCBOR(t, h, "ListTagsForStream", obj{{"StreamName", "s"}})
	var tags struct {
		Tags        []struct{ Key, Value string }
		HasMoreTags bool
	}
	decodeCBOR(t, rec, &tags)
	if len(tags.Tags) != 1 || tags.Tags[0].Key != "team" || tags.Tags[0].Value != "blue" {
		t.Fatalf("ListTagsForStream: %+v", tags)
	}

	// A ListShards filter timestamp goes in as tag 1 milliseconds.
	rec = doCBOR(t, h, "ListShards", obj{{"StreamName", "s"}, {"ShardFilter", obj{{"Type", "AT_TIMESTAMP"}, {"Timestamp", time.UnixMilli(before)}}}})
	var shards struct {
		Shards []struct {
			ShardId      string
			HashKeyRange struct{ StartingHashKey, EndingHashKey string }
		}
	}
	decodeCBOR(t, rec, &shards)
	if len(shards.Shards) != 2 || shards.Shards[1].HashKeyRange.EndingHashKey != "340282366920938463463374607431768211455" {
		t.Fatalf("ListShards: %+v", shards)
	}
}

func TestCBORRecordsRoundTrip(t *testing.T) {
	h := newHandler(t)
	doCBOR(t, h, "CreateStream", obj{{"StreamName", "s"}, {"ShardCount", 1}})
	start := time.Now().Add(-time.Second).Truncate(time.Millisecond)

	payloads := [][]byte{allBytes(), {}, {0x00}, {0xff, 0xfe, 0xbf, 0x9f}, []byte("plain text")}
	var records []any
	for i, p := range payloads {
		records = append(records, obj{{"Data", p}, {"PartitionKey", "pk-" + string(rune('a'+i))}})
	}
	rec := doCBOR(t, h, "PutRecords", obj{{"StreamName", "s"}, {"Records", records}})
	var put struct {
		FailedRecordCount int
		Records           []struct{ SequenceNumber, ShardId string }
		EncryptionType    string
	}
	decodeCBOR(t, rec, &put)
	if rec.Code != 200 || put.FailedRecordCount != 0 || len(put.Records) != len(payloads) || put.EncryptionType != "NONE" {
		t.Fatalf("PutRecords: %d %+v", rec.Code, put)
	}
	rec = doCBOR(t, h, "PutRecord", obj{{"StreamName", "s"}, {"Data", allBytes()[128:]}, {"PartitionKey", "single"}})
	var one struct{ SequenceNumber, ShardId string }
	decodeCBOR(t, rec, &one)
	if len(one.SequenceNumber) != 56 || one.ShardId != "shardId-000000000000" {
		t.Fatalf("PutRecord: %+v", one)
	}
	payloads = append(payloads, allBytes()[128:])

	// AT_TIMESTAMP with tag-1 milliseconds (integer, then float): were the
	// number read as seconds it would lie thousands of years ahead and
	// return nothing.
	for _, ts := range []any{start, millisFloat(float64(start.UnixMilli()) + 0.5)} {
		rec = doCBOR(t, h, "GetShardIterator", obj{{"StreamName", "s"}, {"ShardId", "shardId-000000000000"},
			{"ShardIteratorType", "AT_TIMESTAMP"}, {"Timestamp", ts}})
		var it struct{ ShardIterator string }
		decodeCBOR(t, rec, &it)
		if it.ShardIterator == "" {
			t.Fatalf("GetShardIterator: %d %x", rec.Code, rec.Body)
		}
		rec = doCBOR(t, h, "GetRecords", obj{{"ShardIterator", it.ShardIterator}, {"Limit", 100}})
		var got struct {
			Records []struct {
				SequenceNumber              string
				ApproximateArrivalTimestamp cbor.RawTag
				Data                        cbor.RawMessage
				PartitionKey                string
			}
			NextShardIterator  string
			MillisBehindLatest int64
		}
		decodeCBOR(t, rec, &got)
		if len(got.Records) != len(payloads) || got.NextShardIterator == "" {
			t.Fatalf("GetRecords from %v: %d records, want %d", ts, len(got.Records), len(payloads))
		}
		for i, r := range got.Records {
			if data := byteString(t, "Data", r.Data); !bytes.Equal(data, payloads[i]) {
				t.Fatalf("record %d: data %x, want %x", i, data, payloads[i])
			}
			arrival := epochMillisTag(t, "ApproximateArrivalTimestamp", r.ApproximateArrivalTimestamp)
			if arrival < start.UnixMilli() || arrival > time.Now().UnixMilli()+1000 {
				t.Fatalf("record %d: arrival %d ms outside [%d, now]", i, arrival, start.UnixMilli())
			}
		}
	}
}

// TestCBORErrorsMatchJSON sends the same request in both formats: the
// error type, message and status must agree, and the CBOR one must be a
// {__type, message} map.
func TestCBORErrorsMatchJSON(t *testing.T) {
	h := newHandler(t)
	doCBOR(t, h, "CreateStream", obj{{"StreamName", "s"}, {"ShardCount", 1}})
	cases := []struct {
		name, target string
		cbor         obj
		json, typ    string
	}{
		{"unknown operation", "Nope", obj{}, `{}`, "UnknownOperationException"},
		{"validation", "CreateStream", obj{{"StreamName", "bad!"}, {"ShardCount", 0}},
			`{"StreamName":"bad!","ShardCount":0}`, "ValidationException"},
		{"blob too long", "PutRecord", obj{{"StreamName", "s"}, {"PartitionKey", "k"}, {"Data", make([]byte, 1<<20+1)}},
			`{"StreamName":"s","PartitionKey":"k","Data":"` + b64(make([]byte, 1<<20+1)) + `"}`, "ValidationException"},
		{"not found", "DescribeStream", obj{{"StreamName", "missing"}}, `{"StreamName":"missing"}`, "ResourceNotFoundException"},
		{"in use", "CreateStream", obj{{"StreamName", "s"}, {"ShardCount", 1}}, `{"StreamName":"s","ShardCount":1}`, "ResourceInUseException"},
		{"wrong type", "ListStreams", obj{{"Limit", "ten"}}, `{"Limit":"ten"}`, "SerializationException"},
		{"bad iterator", "GetRecords", obj{{"ShardIterator", "AAAAAAAAAAE="}}, `{"ShardIterator":"AAAAAAAAAAE="}`, "InvalidArgumentException"},
		{"records too many", "PutRecords", obj{{"StreamName", "s"}, {"Records", make([]any, 501)}},
			`{"StreamName":"s","Records":[` + repeatJoin("null", 501) + `]}`, "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			jrec := do(h, call{target: tc.target, body: tc.json})
			crec := doCBOR(t, h, tc.target, tc.cbor)
			ctyp, cmsg := cborError(t, crec)
			jtyp, jmsg := errorOf(t, jrec)
			if ctyp != tc.typ || jtyp != tc.typ || cmsg != jmsg || crec.Code != jrec.Code {
				t.Fatalf("CBOR %d %s %q; JSON %d %s %q; want type %s", crec.Code, ctyp, cmsg, jrec.Code, jtyp, jmsg, tc.typ)
			}
		})
	}
}

// TestCBORMalformed covers what only CBOR can get wrong.
func TestCBORMalformed(t *testing.T) {
	h := newHandler(t)
	deep := bytes.Repeat([]byte{0x81}, 40) // 40 nested one-element arrays
	deep = append(deep, 0x00)
	cases := []struct {
		name string
		body []byte
	}{
		{"truncated", javaCBOR(obj{{"StreamName", "s"}})[:4]},
		{"not a map", javaCBOR([]any{"s"})},
		{"trailing item", append(javaCBOR(obj{{"StreamName", "s"}}), 0x00)},
		{"duplicate key", javaCBOR(obj{{"StreamName", "s"}, {"StreamName", "t"}})},
		{"integer key", []byte{0xa1, 0x01, 0x02}},
		{"too deep", append(append([]byte{0xa1}, javaCBOR("StreamName")...), deep...)},
		{"byte string for a string", javaCBOR(obj{{"StreamName", []byte("s")}})},
		{"timestamp for a string", javaCBOR(obj{{"StreamName", time.Now()}})},
		{"invalid UTF-8", []byte{0xa1, 0x6a, 'S', 't', 'r', 'e', 'a', 'm', 'N', 'a', 'm', 'e', 0x61, 0xff}},
		{"bignum", []byte{0xa1, 0x65, 'L', 'i', 'm', 'i', 't', 0xc2, 0x41, 0x01}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := doCBOR(t, h, "DescribeStream", tc.body)
			typ, msg := cborError(t, rec)
			if rec.Code != 400 || typ != "SerializationException" || msg == "" {
				t.Fatalf("%x: %d %s %q", tc.body, rec.Code, typ, msg)
			}
		})
	}
}

func b64(b []byte) string {
	out, _ := json.Marshal(b)
	return string(out[1 : len(out)-1])
}

func repeatJoin(s string, n int) string {
	var b bytes.Buffer
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

// cborFuzzTargets are the operations FuzzCBORRequest aims at, indexed by a
// fuzzed byte: every input shape with a blob, a timestamp, a list or a map.
var cborFuzzTargets = []string{"PutRecords", "PutRecord", "GetShardIterator", "ListShards", "CreateStream", "AddTagsToStream", "GetRecords", "DescribeStream"}

// FuzzCBORRequest throws arbitrary CBOR bodies at the handler: it must
// answer (never panic) with 200 or a 4xx whose body is a CBOR
// {__type, message} map. The seed corpus (testdata/fuzz/FuzzCBORRequest)
// holds Java-encoded requests and malformed variants.
func FuzzCBORRequest(f *testing.F) {
	f.Add(uint8(0), javaCBOR(obj{{"StreamName", "s"}, {"Records", []any{obj{{"Data", allBytes()}, {"PartitionKey", "k"}}}}}))
	f.Add(uint8(2), javaCBOR(obj{{"StreamName", "s"}, {"ShardId", "shardId-000000000000"}, {"ShardIteratorType", "AT_TIMESTAMP"}, {"Timestamp", time.UnixMilli(1491587454576)}}))
	h := newHandler(f)
	do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":2}`})
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		target := cborFuzzTargets[int(op)%len(cborFuzzTargets)]
		rec := do(h, call{target: target, contentType: cborType, body: string(body)})
		if rec.Code == 200 {
			return
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %x: status %d %x", target, body, rec.Code, rec.Body)
		}
		var m map[string]string
		if err := cbor.Unmarshal(rec.Body.Bytes(), &m); err != nil || m["__type"] == "" {
			t.Fatalf("%s %x: error body %x is not a CBOR {__type, message} map: %v", target, body, rec.Body, err)
		}
	})
}
