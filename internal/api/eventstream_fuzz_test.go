package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/record"
)

// FuzzEventStream encodes what a SubscribeToShard response carries (the
// initial-response, a SubscribeToShardEvent with one record, and an
// exception) from arbitrary values, then decodes the bytes with the AWS
// SDK's event-stream decoder: every frame must decode (prelude and message
// CRCs), carry the right headers, and its JSON payload must give back the
// values that went in.
func FuzzEventStream(f *testing.F) {
	f.Add([]byte("hello"), "pk", uint64(4959033827149025660), uint32(1491587454), uint16(576), int64(0), "Internal service failure.", false)
	f.Add([]byte{}, "é😀\"\\\n\x00", uint64(0), uint32(0), uint16(0), int64(math.MaxInt64), "", true)
	f.Add(bytes.Repeat([]byte{0xff}, 300), strings.Repeat("k", 256), uint64(math.MaxUint64), uint32(math.MaxUint32), uint16(999), int64(86400000), "Stream s under account 000000000000 not found.", true)
	f.Fuzz(func(t *testing.T, data []byte, pk string, seq uint64, secs uint32, millis uint16, behind int64, msg string, encrypted bool) {
		pk = strings.ToValidUTF8(pk, "\uFFFD") // stored keys passed validation
		msg = strings.ToValidUTF8(msg, "\uFFFD")
		if behind < 0 {
			behind = -(behind + 1)
		}
		ts := int64(secs)*1000 + int64(millis%1000)
		seqText := strconv.FormatUint(seq, 10)
		ev := engine.SubscribeEvent{
			Records:                    []record.Record{{Timestamp: ts, PartitionKey: pk, Data: data}},
			SequenceNumbers:            []string{seqText},
			Encrypted:                  []bool{encrypted},
			ContinuationSequenceNumber: seqText,
			MillisBehindLatest:         behind,
		}
		rec := httptest.NewRecorder()
		es := &eventWriter{w: rec, rc: http.NewResponseController(rec), enc: eventstream.NewEncoder()}
		if err := es.event("initial-response", []byte("{}")); err != nil {
			t.Fatal(err)
		}
		if err := es.event("SubscribeToShardEvent", appendSubscribeEvent(nil, ev)); err != nil {
			t.Fatal(err)
		}
		es.exception(newError("ResourceInUseException", 400, msg))

		dec := eventstream.NewDecoder()
		r := bytes.NewReader(rec.Body.Bytes())
		var frames []eventstream.Message
		for r.Len() > 0 {
			m, err := dec.Decode(r, nil)
			if err != nil {
				t.Fatalf("frame %d does not decode: %v", len(frames), err)
			}
			frames = append(frames, m)
		}
		if len(frames) != 3 {
			t.Fatalf("%d frames, want 3", len(frames))
		}
		header := func(m eventstream.Message, name string) string {
			if v := m.Headers.Get(name); v != nil {
				return v.String()
			}
			return ""
		}
		if header(frames[0], ":event-type") != "initial-response" || string(frames[0].Payload) != "{}" {
			t.Fatalf("initial-response: %v %q", frames[0].Headers, frames[0].Payload)
		}
		if header(frames[1], ":message-type") != "event" || header(frames[1], ":event-type") != "SubscribeToShardEvent" {
			t.Fatalf("event headers: %v", frames[1].Headers)
		}
		var got struct {
			Records []struct {
				SequenceNumber              string
				ApproximateArrivalTimestamp float64
				Data                        []byte
				PartitionKey                string
				EncryptionType              string
			}
			ContinuationSequenceNumber string
			MillisBehindLatest         int64
		}
		if err := json.Unmarshal(frames[1].Payload, &got); err != nil {
			t.Fatalf("event payload %q: %v", frames[1].Payload, err)
		}
		if len(got.Records) != 1 {
			t.Fatalf("records: %q", frames[1].Payload)
		}
		g := got.Records[0]
		wantEnc := ""
		if encrypted {
			wantEnc = "KMS"
		}
		if !bytes.Equal(g.Data, data) || g.PartitionKey != pk || g.SequenceNumber != seqText || g.EncryptionType != wantEnc ||
			int64(math.Round(g.ApproximateArrivalTimestamp*1000)) != ts || got.ContinuationSequenceNumber != seqText || got.MillisBehindLatest != behind {
			t.Fatalf("event payload %q does not give back data %x, key %q, seq %s, time %d, behind %d", frames[1].Payload, data, pk, seqText, ts, behind)
		}
		if header(frames[2], ":message-type") != "exception" || header(frames[2], ":exception-type") != "ResourceInUseException" {
			t.Fatalf("exception headers: %v", frames[2].Headers)
		}
		var exc struct{ Message *string }
		if err := json.Unmarshal(frames[2].Payload, &exc); err != nil || exc.Message == nil || *exc.Message != msg {
			t.Fatalf("exception payload %q: %v", frames[2].Payload, err)
		}
	})
}
