package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/record"
)

// Events sharing a memo are sent byte for byte as if each had been encoded
// on its own, whichever subscriber encoded first and whatever its
// MillisBehindLatest: the same, a different one, or the same again.
func TestSendSharedMatchesOwnEncoding(t *testing.T) {
	memo := &engine.EventMemo{}
	recs := []record.Record{
		{Index: 1, Timestamp: 1_700_000_000_123, PartitionKey: "a", Data: []byte{0, 1, 2, 255}},
		{Index: 2, Timestamp: 1_700_000_000_456, PartitionKey: "b\"c", Data: []byte("hello")},
	}
	seqs := []string{"49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692540925702759324208523137515618"}
	base := engine.SubscribeEvent{Records: recs, SequenceNumbers: seqs, ContinuationSequenceNumber: seqs[1], Shared: memo}
	var buf []byte
	for i, millis := range []int64{0, 750, 0, 750, 12} {
		ev := base
		ev.MillisBehindLatest = millis
		rec := httptest.NewRecorder()
		es := &eventWriter{w: rec, rc: http.NewResponseController(rec), enc: eventstream.NewEncoder()}
		if err := es.sendShared(ev, &buf); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		msg, err := eventstream.NewDecoder().Decode(bytes.NewReader(rec.Body.Bytes()), nil)
		if err != nil {
			t.Fatalf("event %d: decode: %v", i, err)
		}
		ev.Shared = nil
		if want := appendSubscribeEvent(nil, ev); !bytes.Equal(msg.Payload, want) {
			t.Fatalf("event %d (MillisBehindLatest %d): payload\n%s\nwant\n%s", i, millis, msg.Payload, want)
		}
		if typ := msg.Headers.Get(":event-type"); typ == nil || typ.String() != "SubscribeToShardEvent" {
			t.Fatalf("event %d: :event-type %v", i, typ)
		}
	}
}
