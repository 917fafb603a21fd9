package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/runnel-io/runnel/internal/engine"
)

func TestSecondsToMillis(t *testing.T) {
	cases := []struct {
		in   string
		want int64
	}{
		{"1491587454.576", 1491587454576},
		{"1491587454.5", 1491587454500},
		{"1491587454.05", 1491587454050},
		{"1491587454", 1491587454000},
		{"0", 0},
		{"1.491587454576E9", 1491587454576},
		{"1491587454.5765", 1491587454577}, // more than millisecond precision: rounded
	}
	for _, tc := range cases {
		got, err := secondsToMillis(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("secondsToMillis(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	if _, err := secondsToMillis("soon"); err == nil {
		t.Error("secondsToMillis(soon) succeeded")
	}
}

// TestResponseFromJSON checks the output transcoder against the model:
// blobs become byte strings, timestamps tag 1 with integer milliseconds,
// and a string that merely looks like base64 stays a string.
func TestResponseFromJSON(t *testing.T) {
	c := newCBORCodec()
	in := `{"Records":[{"SequenceNumber":"49","ApproximateArrivalTimestamp":1491587454.576,"Data":"AP8=","PartitionKey":"QUJD"}],"NextShardIterator":null,"MillisBehindLatest":0}`
	out, err := c.responseFromJSON("GetRecords", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Records []struct {
			SequenceNumber              string
			ApproximateArrivalTimestamp cbor.RawTag
			Data                        cbor.RawMessage
			PartitionKey                cbor.RawMessage
		}
		NextShardIterator  *string
		MillisBehindLatest int64
	}
	if err := cbor.Unmarshal(out, &got); err != nil {
		t.Fatalf("%x: %v", out, err)
	}
	r := got.Records[0]
	wantTS := []byte{0x1b, 0, 0, 0x01, 0x5b, 0x49, 0x8a, 0x56, 0x70} // uint64 1491587454576
	if r.ApproximateArrivalTimestamp.Number != 1 || !bytes.Equal(r.ApproximateArrivalTimestamp.Content, wantTS) {
		t.Errorf("timestamp: tag %d content %x, want tag 1 content %x", r.ApproximateArrivalTimestamp.Number, []byte(r.ApproximateArrivalTimestamp.Content), wantTS)
	}
	if !bytes.Equal(r.Data, []byte{0x42, 0x00, 0xff}) {
		t.Errorf("Data %x, want byte string 4200ff", []byte(r.Data))
	}
	if !bytes.Equal(r.PartitionKey, []byte{0x64, 'Q', 'U', 'J', 'D'}) {
		t.Errorf("PartitionKey %x, want text string QUJD", []byte(r.PartitionKey))
	}
	if got.NextShardIterator != nil || got.MillisBehindLatest != 0 {
		t.Errorf("NextShardIterator %v MillisBehindLatest %d", got.NextShardIterator, got.MillisBehindLatest)
	}
}

// TestRequestToJSONDropsUnknownMembers keeps the JSON path's rule: members
// the model does not have are ignored, whatever they hold.
func TestRequestToJSONDropsUnknownMembers(t *testing.T) {
	c := newCBORCodec()
	body, err := cbor.Marshal(map[string]any{"StreamName": "s", "Extra": []byte{1}, "When": cbor.Tag{Number: 1, Content: 5}})
	if err != nil {
		t.Fatal(err)
	}
	out, aerr := c.requestToJSON("DescribeStream", body)
	if aerr != nil || string(out) != `{"StreamName":"s"}` {
		t.Fatalf("requestToJSON = %s, %v", out, aerr)
	}
}

// cborPutRecordsBody encodes a PutRecords body as the Java SDK does
// (indefinite-length maps and arrays).
func cborPutRecordsBody(n, size int) []byte {
	var b bytes.Buffer
	enc := cbor.NewEncoder(&b)
	text := func(s string) { _ = enc.Encode(s) }
	b.WriteByte(0xbf)
	text("StreamName")
	text("s")
	text("Records")
	b.WriteByte(0x9f)
	data := bytes.Repeat([]byte{0xab}, size)
	for i := range n {
		b.WriteByte(0xbf)
		text("Data")
		_ = enc.Encode(data)
		text("PartitionKey")
		text(fmt.Sprintf("pk-%d", i))
		b.WriteByte(0xff)
	}
	b.WriteByte(0xff)
	b.WriteByte(0xff)
	return b.Bytes()
}

func TestCBORPutRecordsBody(t *testing.T) {
	ref, entries, err := decodeCBORPutRecords(newCBORCodec(), cborPutRecordsBody(3, 10))
	if err != nil {
		t.Fatal(err)
	}
	if ref.StreamName != "s" || len(entries) != 3 || entries[2].PartitionKey != "pk-2" || !bytes.Equal(entries[1].Data, bytes.Repeat([]byte{0xab}, 10)) {
		t.Fatalf("decoded %+v %+v", ref, entries)
	}
}

func decodeCBORPutRecords(c *cborCodec, body []byte) (streamRef, []engine.PutEntry, error) {
	js, aerr := c.requestToJSON("PutRecords", body)
	if aerr != nil {
		return streamRef{}, nil, aerr
	}
	return decodePutRecords(js)
}

// BenchmarkCBORPutRecordsDecode measures the CBOR request path of a 500
// record PutRecords: CBOR decode, transcode to JSON, the JSON decoder.
func BenchmarkCBORPutRecordsDecode(b *testing.B) {
	c := newCBORCodec()
	for _, size := range []int{100, 1000, 10000} {
		body := cborPutRecordsBody(500, size)
		b.Run(fmt.Sprintf("record=%dB", size), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, entries, err := decodeCBORPutRecords(c, body); err != nil || len(entries) != 500 {
					b.Fatal(len(entries), err)
				}
			}
		})
	}
}

// BenchmarkCBORGetRecordsEncode measures re-encoding a GetRecords response.
func BenchmarkCBORGetRecordsEncode(b *testing.B) {
	c := newCBORCodec()
	var recs []map[string]any
	for i := range 500 {
		recs = append(recs, map[string]any{"SequenceNumber": "49600000000000000000000000000000000000000000000000000000",
			"ApproximateArrivalTimestamp": json.Number("1491587454.576"), "Data": bytes.Repeat([]byte{byte(i)}, 100), "PartitionKey": "pk"})
	}
	data, err := json.Marshal(map[string]any{"Records": recs, "NextShardIterator": "AAAA", "MillisBehindLatest": 0})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.responseFromJSON("GetRecords", data); err != nil {
			b.Fatal(err)
		}
	}
}
