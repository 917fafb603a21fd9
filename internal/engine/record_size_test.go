package engine_test

import (
	"bytes"
	"testing"

	"github.com/runnel-io/runnel/internal/engine"
)

func TestMaxRecordSize(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "r", 1)
	ref := engine.StreamRef{Name: "r"}
	arnRef := engine.StreamRef{ARN: "arn:aws:kinesis:us-east-1:000000000000:stream/r"}
	if sum, _ := r.e.DescribeStreamSummary(ctx, ref); sum.MaxRecordSizeKiB != 1024 {
		t.Fatalf("default MaxRecordSizeKiB = %d", sum.MaxRecordSizeKiB)
	}
	big := bytes.Repeat([]byte{1}, 1<<20) // 1 MiB of data plus a 1-byte key: one byte over
	_, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: big}, "")
	wantErr(t, err, engine.KindValidation, "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048576 cap=1048576]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576")
	_, err = r.e.PutRecords(ctx, ref, []engine.PutEntry{{PartitionKey: "k", Data: []byte("x")}, {PartitionKey: "k", Data: big}})
	wantErr(t, err, engine.KindValidation, "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048576 cap=1048576]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576")

	if err := r.e.UpdateMaxRecordSize(ctx, arnRef, 2048); err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: big}, ""); err != nil {
		t.Fatalf("1 MiB record on a 2 MiB stream: %v", err)
	}
	huge := bytes.Repeat([]byte{1}, 2<<20)
	_, err = r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: huge}, "")
	wantErr(t, err, engine.KindValidation, "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=2097152 cap=2097152]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 2097152")

	wantErr(t, r.e.UpdateMaxRecordSize(ctx, arnRef, 10241), engine.KindValidation, "")
	wantErr(t, r.e.UpdateMaxRecordSize(ctx, engine.StreamRef{ARN: "arn:aws:kinesis:us-east-1:000000000000:stream/none"}, 2048),
		engine.KindNotFound, "Stream none under account 000000000000 not found.")

	r.e = r.open(t)
	if sum, _ := r.e.DescribeStreamSummary(ctx, ref); sum.MaxRecordSizeKiB != 2048 {
		t.Fatalf("after reopen MaxRecordSizeKiB = %d", sum.MaxRecordSizeKiB)
	}
	one := 1
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "big", ShardCount: &one, MaxRecordSizeKiB: 10240}); err != nil {
		t.Fatal(err)
	}
	if sum, _ := r.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "big"}); sum.MaxRecordSizeKiB != 10240 {
		t.Fatalf("created with 10240: %d", sum.MaxRecordSizeKiB)
	}
	wantErr(t, r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "bad", ShardCount: &one, MaxRecordSizeKiB: 512}), engine.KindValidation, "")
}
