package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/record"
)

type putRecordsEntry struct {
	Data            []byte `json:"Data"`
	ExplicitHashKey string `json:"ExplicitHashKey"`
	PartitionKey    string `json:"PartitionKey"`
}

// maxPutRecordsBytes is AWS's limit on a PutRecords call: 10 MiB of data
// and partition keys in all.
const maxPutRecordsBytes = 10 << 20

func opPutRecord(h *Handler, ctx context.Context, body []byte) (any, error) {
	ref, entry, seqForOrdering, err := decodePutRecord(body)
	if err != nil {
		return nil, err
	}
	// The record-size limit is the stream's: the engine checks it.
	res, err := h.be(ctx).PutRecord(ctx, ref.ref(), entry, seqForOrdering)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(appendPutRecordResponse(make([]byte, 0, 160), res)), nil
}

// decodePutRecord decodes a PutRecord body: the fast path for the common
// valid body, else decode, which owns the errors.
func decodePutRecord(body []byte) (streamRef, engine.PutEntry, string, error) {
	if ref, entry, seq, ok := fastDecodePutRecord(body); ok {
		return ref, entry, seq, nil
	}
	return slowDecodePutRecord(body)
}

func slowDecodePutRecord(body []byte) (streamRef, engine.PutEntry, string, error) {
	var in struct {
		streamRef
		putRecordsEntry
		SequenceNumberForOrdering string `json:"SequenceNumberForOrdering"`
	}
	if err := decode("PutRecord", body, &in); err != nil {
		return streamRef{}, engine.PutEntry{}, "", err
	}
	return in.streamRef, engine.PutEntry{PartitionKey: in.PartitionKey, ExplicitHashKey: in.ExplicitHashKey, Data: in.Data}, in.SequenceNumberForOrdering, nil
}

func opPutRecords(h *Handler, ctx context.Context, body []byte) (any, error) {
	ref, entries, err := decodePutRecords(body)
	if err != nil {
		return nil, err
	}
	total := 0 // each record's own limit is the stream's: the engine checks it
	for i := range entries {
		total += len(entries[i].Data) + len(entries[i].PartitionKey)
	}
	if total > maxPutRecordsBytes {
		return nil, newError("InvalidArgumentException", http.StatusBadRequest, "Records size exceeds 10 MB limit")
	}
	results, err := h.be(ctx).PutRecords(ctx, ref.ref(), entries)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(appendPutRecordsResponse(make([]byte, 0, putRecordsResponseSize(results)), results)), nil
}

// decodePutRecords decodes a PutRecords body: the fast path for the common
// valid body, else decode, which owns the errors.
func decodePutRecords(body []byte) (streamRef, []engine.PutEntry, error) {
	if ref, entries, ok := fastDecodePutRecords(body); ok {
		return ref, entries, nil
	}
	return slowDecodePutRecords(body)
}

func slowDecodePutRecords(body []byte) (streamRef, []engine.PutEntry, error) {
	var in struct {
		streamRef
		Records []putRecordsEntry `json:"Records"`
	}
	if err := decode("PutRecords", body, &in); err != nil {
		return streamRef{}, nil, err
	}
	entries := make([]engine.PutEntry, len(in.Records))
	for i, r := range in.Records {
		entries[i] = engine.PutEntry{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: r.Data}
	}
	return in.streamRef, entries, nil
}

func opGetShardIterator(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		ShardID                string     `json:"ShardId"`
		ShardIteratorType      string     `json:"ShardIteratorType"`
		StartingSequenceNumber string     `json:"StartingSequenceNumber"`
		Timestamp              *epochTime `json:"Timestamp"`
	}
	if err := decode("GetShardIterator", body, &in); err != nil {
		return nil, err
	}
	it, err := h.be(ctx).GetShardIterator(ctx, engine.GetShardIteratorInput{
		Stream: in.ref(), ShardID: in.ShardID, Type: engine.IteratorType(in.ShardIteratorType),
		StartingSequenceNumber: in.StartingSequenceNumber, Timestamp: in.Timestamp.ptr(),
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ShardIterator string `json:"ShardIterator"`
	}{it}, nil
}

func opGetRecords(h *Handler, ctx context.Context, body []byte) (any, error) {
	in, ok := fastDecodeGetRecords(body) // fast_getrecords.go
	if !ok {
		if err := decode("GetRecords", body, &in); err != nil {
			return nil, err
		}
	}
	out, err := h.be(ctx).GetRecords(ctx, in.ShardIterator, in.Limit)
	if err != nil {
		return nil, err
	}
	buf := h.bodies.get(recordsJSONSize(out.Records))
	*buf = appendGetRecords(*buf, out)
	return pooledBody{buf}, nil
}

// recordsJSONSize estimates the encoded size of a response or event
// carrying recs (a little over, so that encoding does not grow the buffer).
func recordsJSONSize(recs []record.Record) int {
	n := 512
	for i := range recs {
		n += 160 + len(recs[i].Data)*4/3 + len(recs[i].PartitionKey)
	}
	return n
}
