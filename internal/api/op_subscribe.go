package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/runnel-io/runnel/internal/engine"
)

// streamOperation serves an operation whose response is an event stream.
// It returns an error only before it has written anything; once the 200
// is out, failures travel as exception events.
type streamOperation func(h *Handler, w http.ResponseWriter, r *http.Request, body []byte) error

const eventStreamContentType = "application/vnd.amazon.eventstream"

// opSubscribeToShard answers with an event stream: an initial-response
// event, then SubscribeToShardEvents (each flushed as soon as it is
// written), until the subscription ends cleanly or with an exception event.
func opSubscribeToShard(h *Handler, w http.ResponseWriter, r *http.Request, body []byte) error {
	var in struct {
		ConsumerARN      string `json:"ConsumerARN"`
		ShardID          string `json:"ShardId"`
		StartingPosition struct {
			Type           string     `json:"Type"`
			SequenceNumber string     `json:"SequenceNumber"`
			Timestamp      *epochTime `json:"Timestamp"`
		} `json:"StartingPosition"`
	}
	if err := decode("SubscribeToShard", body, &in); err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := h.be(ctx).SubscribeToShard(ctx, engine.SubscribeInput{
		ConsumerARN: in.ConsumerARN, ShardID: in.ShardID,
		StartingPosition: engine.StartingPosition{
			Type: engine.IteratorType(in.StartingPosition.Type), SequenceNumber: in.StartingPosition.SequenceNumber,
			Timestamp: in.StartingPosition.Timestamp.ptr(),
		},
	})
	if err != nil {
		return err
	}
	defer sub.Close()
	w.Header().Set("Content-Type", eventStreamContentType)
	w.WriteHeader(http.StatusOK)
	es := &eventWriter{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder()}
	if es.event("initial-response", []byte("{}")) != nil {
		return nil
	}
	var buf []byte
	for {
		ev, err := sub.Next(ctx)
		switch {
		case errors.Is(err, io.EOF), ctx.Err() != nil:
			return nil // ended cleanly, or the client went away
		case err != nil:
			es.exception(toAPIError(err, h.log, "SubscribeToShard"))
			return nil
		}
		if ev.Shared != nil {
			if es.sendShared(ev, &buf) != nil {
				return nil
			}
			continue
		}
		buf = appendSubscribeEvent(buf[:0], ev)
		if es.event("SubscribeToShardEvent", buf) != nil {
			return nil
		}
	}
}

// sendShared sends an event whose batch other subscriptions send too (see
// engine.EventMemo): the records' JSON is encoded once for all of them, and
// the whole message once for those whose MillisBehindLatest agrees (the
// usual case: subscribers that keep up all report 0).
func (es *eventWriter) sendShared(ev engine.SubscribeEvent, buf *[]byte) error {
	memo := ev.Shared
	if msg, ok := memo.Load(ev.MillisBehindLatest); ok {
		return es.send(msg)
	}
	part, ok := memo.LoadPart()
	if !ok {
		part = appendSubscribeEventPart(make([]byte, 0, recordsJSONSize(ev.Records)), ev)
		memo.StorePart(part)
	}
	*buf = appendSubscribeEventEnd(append((*buf)[:0], part...), ev)
	if !memo.Stored() {
		msg, err := es.encodeEvent("SubscribeToShardEvent", *buf)
		if err != nil {
			return err
		}
		if memo.Store(ev.MillisBehindLatest, msg) {
			return es.send(msg)
		}
	}
	return es.event("SubscribeToShardEvent", *buf)
}

// eventWriter writes event-stream messages and flushes each one.
type eventWriter struct {
	w   io.Writer
	rc  *http.ResponseController
	enc *eventstream.Encoder
	msg bytes.Buffer
}

func (es *eventWriter) write(headers eventstream.Headers, payload []byte) error {
	es.msg.Reset()
	if err := es.enc.Encode(&es.msg, eventstream.Message{Headers: headers, Payload: payload}); err != nil {
		return err
	}
	return es.send(es.msg.Bytes())
}

// send writes one encoded message and flushes it.
func (es *eventWriter) send(msg []byte) error {
	if _, err := es.w.Write(msg); err != nil {
		return err
	}
	return es.rc.Flush()
}

func (es *eventWriter) event(eventType string, payload []byte) error {
	return es.write(eventHeaders(eventType), payload)
}

// encodeEvent returns an event message in a buffer of its own (to share).
func (es *eventWriter) encodeEvent(eventType string, payload []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(payload) + 128)
	if err := es.enc.Encode(&b, eventstream.Message{Headers: eventHeaders(eventType), Payload: payload}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func eventHeaders(eventType string) eventstream.Headers {
	return eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("event")},
		{Name: ":event-type", Value: eventstream.StringValue(eventType)},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
	}
}

// exception ends the stream with a modelled error of the event stream's
// union (ResourceInUseException, ResourceNotFoundException, KMS…, and
// InternalFailureException for a failure of ours).
func (es *eventWriter) exception(e *apiError) {
	typ := e.Type
	if typ == "InternalFailure" {
		typ = "InternalFailureException"
	}
	payload := appendJSONString([]byte(`{"message":`), e.Message)
	payload = append(payload, '}')
	_ = es.write(eventstream.Headers{
		{Name: ":message-type", Value: eventstream.StringValue("exception")},
		{Name: ":exception-type", Value: eventstream.StringValue(typ)},
		{Name: ":content-type", Value: eventstream.StringValue("application/json")},
	}, payload)
}

// appendSubscribeEvent encodes a SubscribeToShardEvent's JSON payload.
func appendSubscribeEvent(dst []byte, ev engine.SubscribeEvent) []byte {
	return appendSubscribeEventEnd(appendSubscribeEventPart(dst, ev), ev)
}

// appendSubscribeEventPart encodes the payload up to MillisBehindLatest:
// the records and the continuation.
func appendSubscribeEventPart(dst []byte, ev engine.SubscribeEvent) []byte {
	dst = append(dst, `{"Records":[`...)
	for i := range ev.Records {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendRecordJSON(dst, &ev.Records[i], ev.SequenceNumbers[i], ev.Encrypted != nil && ev.Encrypted[i])
	}
	dst = append(dst, ']')
	if ev.ContinuationSequenceNumber != "" {
		dst = append(dst, `,"ContinuationSequenceNumber":"`...)
		dst = append(dst, ev.ContinuationSequenceNumber...)
		dst = append(dst, '"')
	}
	return dst
}

// appendSubscribeEventEnd encodes the rest of the payload after
// appendSubscribeEventPart.
func appendSubscribeEventEnd(dst []byte, ev engine.SubscribeEvent) []byte {
	dst = append(dst, `,"MillisBehindLatest":`...)
	dst = strconv.AppendInt(dst, ev.MillisBehindLatest, 10)
	if ev.ChildShards != nil {
		dst = append(dst, `,"ChildShards":`...)
		dst = appendChildShards(dst, ev.ChildShards)
	}
	return append(dst, '}')
}
