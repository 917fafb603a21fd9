package engine

import (
	"context"
	"strconv"
	"time"
)

// Record-size bounds in KiB: the default and AWS's MaxRecordSizeInKiB range.
const (
	DefaultMaxRecordSizeKiB = 1024
	MinMaxRecordSizeKiB     = 1024
	MaxMaxRecordSizeKiB     = 10240
)

// maxRecordBytes is the stream's record-size limit (data plus partition key).
func (s *stream) maxRecordBytes() int {
	if s.maxRecordKiB == 0 {
		return DefaultMaxRecordSizeKiB << 10
	}
	return s.maxRecordKiB << 10
}

// maxRecordSizeKiB is what DescribeStreamSummary reports.
func (s *stream) maxRecordSizeKiB() int {
	return s.maxRecordBytes() >> 10
}

// recordTooLargeError is an oversize record. It unwraps to the *Error
// PutRecords answers (path records.N.member.data); PutRecord answers the
// same with the path "data".
type recordTooLargeError struct {
	index   int // position in the request
	dataLen int
	limit   int
	err     *Error
}

func (r *recordTooLargeError) Error() string { return r.err.Message }
func (r *recordTooLargeError) Unwrap() error { return r.err }

func newRecordTooLarge(index, dataLen, limit int, path string) *recordTooLargeError {
	// AWS's model-validation wording (the service sees the Data blob as a
	// java.nio.HeapByteBuffer).
	n := strconv.Itoa(dataLen)
	return &recordTooLargeError{index: index, dataLen: dataLen, limit: limit, err: errorf(KindValidation,
		"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=%s cap=%s]' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d",
		n, n, path, limit)}
}

// single restates the error for PutRecord, whose record is at "data".
func (r *recordTooLargeError) single() error {
	return newRecordTooLarge(r.index, r.dataLen, r.limit, "data")
}

// checkRecordSizes fails the call on the first entry whose data plus
// partition key exceeds the stream's limit. The caller holds e.mu.
func (s *stream) checkRecordSizes(entries []PutEntry) error {
	limit := s.maxRecordBytes()
	for i := range entries {
		if len(entries[i].Data)+len(entries[i].PartitionKey) > limit {
			return newRecordTooLarge(i, len(entries[i].Data), limit, "records."+strconv.Itoa(i+1)+".member.data")
		}
	}
	return nil
}

// checkMaxRecordSize rejects a MaxRecordSizeInKiB outside AWS's range (the
// API's model check already does; this guards other callers).
func checkMaxRecordSize(kib int) error {
	if kib < MinMaxRecordSizeKiB || kib > MaxMaxRecordSizeKiB {
		return errorf(KindValidation, "1 validation error detected: Value '%d' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value between %d and %d", kib, MinMaxRecordSizeKiB, MaxMaxRecordSizeKiB)
	}
	return nil
}

// UpdateMaxRecordSize sets the largest record an ACTIVE stream accepts.
func (e *Engine) UpdateMaxRecordSize(ctx context.Context, ref StreamRef, kib int) error {
	if err := checkMaxRecordSize(kib); err != nil {
		return err
	}
	return e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st != StatusActive {
			return nil, e.streamNotActive(s.name, st)
		}
		old := s.maxRecordKiB
		s.maxRecordKiB = kib
		return func() { s.maxRecordKiB = old }, nil
	})
}
