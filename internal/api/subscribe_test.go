package api_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/runnel-io/runnel/internal/api"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
)

// TestSubscribeToShardWireShape checks the event stream byte for byte where
// the reference has bytes (the initial-response frame), and the headers and
// payloads of what follows. It runs in a synctest bubble: the subscription
// lasts one (fake) minute.
func TestSubscribeToShardWireShape(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.Config{
			Region: "us-east-1", AccountID: "000000000000", Key: bytes.Repeat([]byte{1}, 32), Now: time.Now,
			SubscriptionDuration: time.Minute, SubscriptionHeartbeat: 25 * time.Second,
		}, logstore.NewMemory(), metastore.NewMemory())
		if err != nil {
			t.Fatal(err)
		}
		h := api.NewHandler(e, slog.New(slog.DiscardHandler))
		if rec := do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`}); rec.Code != 200 {
			t.Fatal(rec.Body.String())
		}
		rec := do(h, call{target: "RegisterStreamConsumer", body: `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","ConsumerName":"app"}`})
		var reg struct{ Consumer struct{ ConsumerARN string } }
		if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil || rec.Code != 200 {
			t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
		}
		if rec := do(h, call{target: "PutRecord", body: `{"StreamName":"s","PartitionKey":"k","Data":"AAEC/w=="}`}); rec.Code != 200 {
			t.Fatal(rec.Body.String())
		}
		if rec := do(h, call{target: "SubscribeToShard", body: `{"ConsumerARN":"` + reg.Consumer.ConsumerARN + `","ShardId":"shardId-000000000009","StartingPosition":{"Type":"LATEST"}}`}); rec.Code != 400 {
			t.Fatalf("unknown shard: %d %s, want 400", rec.Code, rec.Body.String())
		} else if typ, _ := errorOf(t, rec); typ != "ResourceNotFoundException" {
			t.Fatalf("unknown shard: %s", typ)
		}

		rec = do(h, call{target: "SubscribeToShard", body: `{"ConsumerARN":"` + reg.Consumer.ConsumerARN + `","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`})
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.amazon.eventstream" {
			t.Fatalf("SubscribeToShard: %d %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		body := rec.Body.Bytes()
		// The reference's initial-response frame: prelude and CRCs included.
		if got := hex.EncodeToString(body[:12]); got != "00000068000000564e681724" {
			t.Fatalf("initial-response prelude %s", got)
		}
		dec := eventstream.NewDecoder()
		r := bytes.NewReader(body)
		var events []eventstream.Message
		for {
			m, err := dec.Decode(r, nil)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("decode event %d: %v", len(events), err)
			}
			events = append(events, m)
		}
		// initial-response, the record, heartbeats at 25 s and 50 s, then
		// the end at one minute.
		if len(events) != 4 {
			t.Fatalf("%d events, want 4", len(events))
		}
		for i, m := range events {
			want := "SubscribeToShardEvent"
			if i == 0 {
				want = "initial-response"
			}
			if m.Headers.Get(":message-type").String() != "event" || m.Headers.Get(":event-type").String() != want ||
				m.Headers.Get(":content-type").String() != "application/json" {
				t.Fatalf("event %d headers %v", i, m.Headers)
			}
		}
		if string(events[0].Payload) != "{}" {
			t.Fatalf("initial-response payload %q", events[0].Payload)
		}
		var ev struct {
			Records []struct {
				SequenceNumber              string
				ApproximateArrivalTimestamp float64
				Data                        []byte
				PartitionKey                string
			}
			ContinuationSequenceNumber string
			MillisBehindLatest         *int64
		}
		if err := json.Unmarshal(events[1].Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if len(ev.Records) != 1 || !bytes.Equal(ev.Records[0].Data, []byte{0, 1, 2, 255}) || ev.Records[0].PartitionKey != "k" ||
			ev.Records[0].ApproximateArrivalTimestamp != 946684800 || ev.ContinuationSequenceNumber != ev.Records[0].SequenceNumber || ev.MillisBehindLatest == nil {
			t.Fatalf("event payload %s", events[1].Payload)
		}
		if want := `{"Records":[],"ContinuationSequenceNumber":"` + ev.ContinuationSequenceNumber + `","MillisBehindLatest":0}`; string(events[2].Payload) != want {
			t.Fatalf("heartbeat payload %s, want %s", events[2].Payload, want)
		}
	})
}
