package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/runnel-io/runnel/internal/engine"
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
	var in struct {
		streamRef
		putRecordsEntry
		SequenceNumberForOrdering string `json:"SequenceNumberForOrdering"`
	}
	if err := decode("PutRecord", body, &in); err != nil {
		return nil, err
	}
	if err := checkRecordSize("data", in.Data, in.PartitionKey); err != nil {
		return nil, err
	}
	res, err := h.backend.PutRecord(ctx, in.ref(), engine.PutEntry{PartitionKey: in.PartitionKey, ExplicitHashKey: in.ExplicitHashKey, Data: in.Data}, in.SequenceNumberForOrdering)
	if err != nil {
		return nil, err
	}
	return struct {
		ShardID        string `json:"ShardId"`
		SequenceNumber string `json:"SequenceNumber"`
		EncryptionType string `json:"EncryptionType"`
	}{res.ShardID, res.SequenceNumber, "NONE"}, nil
}

// maxRecordBytes is the stream's maximum record size (data plus partition
// key): 1 MiB, AWS's default.
const maxRecordBytes = 1 << 20

func checkRecordSize(path string, data []byte, partitionKey string) error {
	if len(data)+len(partitionKey) > maxRecordBytes {
		return validationError("1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=" + itoa(len(data)) + " cap=" + itoa(len(data)) + "]' at '" + path + "' failed to satisfy constraint: Member must have length less than or equal to " + itoa(maxRecordBytes))
	}
	return nil
}

func opPutRecords(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		Records []putRecordsEntry `json:"Records"`
	}
	if err := decode("PutRecords", body, &in); err != nil {
		return nil, err
	}
	entries := make([]engine.PutEntry, len(in.Records))
	total := 0
	for i, r := range in.Records {
		if err := checkRecordSize("records."+itoa(i+1)+".member.data", r.Data, r.PartitionKey); err != nil {
			return nil, err
		}
		total += len(r.Data) + len(r.PartitionKey)
		entries[i] = engine.PutEntry{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: r.Data}
	}
	if total > maxPutRecordsBytes {
		return nil, newError("InvalidArgumentException", http.StatusBadRequest, "Records size exceeds 10 MB limit")
	}
	results, err := h.backend.PutRecords(ctx, in.ref(), entries)
	if err != nil {
		return nil, err
	}
	type result struct {
		SequenceNumber string `json:"SequenceNumber,omitempty"`
		ShardID        string `json:"ShardId,omitempty"`
		ErrorCode      string `json:"ErrorCode,omitempty"`
		ErrorMessage   string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		FailedRecordCount int      `json:"FailedRecordCount"`
		Records           []result `json:"Records"`
		EncryptionType    string   `json:"EncryptionType"`
	}{Records: make([]result, len(results)), EncryptionType: "NONE"}
	for i, r := range results {
		out.Records[i] = result{r.SequenceNumber, r.ShardID, r.ErrorCode, r.ErrorMessage}
		if r.ErrorCode != "" {
			out.FailedRecordCount++
		}
	}
	return out, nil
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
	it, err := h.backend.GetShardIterator(ctx, engine.GetShardIteratorInput{
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
	var in struct {
		ShardIterator string `json:"ShardIterator"`
		Limit         int    `json:"Limit"`
		StreamARN     string `json:"StreamARN"`
	}
	if err := decode("GetRecords", body, &in); err != nil {
		return nil, err
	}
	out, err := h.backend.GetRecords(ctx, in.ShardIterator, in.Limit)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(appendGetRecords(make([]byte, 0, responseSize(out)), out)), nil
}

// responseSize estimates the encoded size of a GetRecords response.
func responseSize(out engine.GetRecordsOutput) int {
	n := 512
	for i := range out.Records {
		n += 160 + len(out.Records[i].Data)*4/3 + len(out.Records[i].PartitionKey)
	}
	return n
}
