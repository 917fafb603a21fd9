package logstore

import (
	"bytes"
	"errors"
	"testing"

	"github.com/runnel-io/runnel/internal/record"
)

func FuzzDecodeFrame(f *testing.F) {
	f.Add(appendFrame(nil, &record.Record{Index: 1, Timestamp: 1700000000000, PartitionKey: "pk", Data: []byte("hello")}))
	f.Add(appendFrame(nil, &record.Record{Index: 1 << 40}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, n, err := decodeFrame(b)
		if err != nil {
			if !errors.Is(err, errFrameShort) && !errors.Is(err, errFrameBadLength) && !errors.Is(err, errFrameBadCRC) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if n < frameHeaderLen || n > len(b) || n > maxFrameLen {
			t.Fatalf("decoded length %d out of range (input %d bytes)", n, len(b))
		}
		if checkRecordSize(&rec) != nil {
			t.Fatalf("decoded a record that does not fit a frame")
		}
		if got := appendFrame(nil, &rec); !bytes.Equal(got, b[:n]) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", got, b[:n])
		}
	})
}

func FuzzDecodeIndexFile(f *testing.F) {
	sum := &segmentSummary{first: 5, next: 9, size: 200, firstTS: 1, lastTS: 4,
		entries: []indexEntry{{5, segmentHeaderLen, 1}, {7, 120, 3}}}
	f.Add(appendIndexFile(nil, sum, 4096), uint64(5), int64(200))
	f.Fuzz(func(t *testing.T, b []byte, first uint64, size int64) {
		s, err := decodeIndexFile(b, first, size)
		if err != nil {
			return
		}
		if got := appendIndexFile(nil, s, int(uint32FromIndex(b))); !bytes.Equal(got, b) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func FuzzDecodeSegmentHeader(f *testing.F) {
	f.Add(appendSegmentHeader(nil, segmentHeader{first: 1, baseTS: 42}))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeSegmentHeader(b)
		if err != nil {
			return
		}
		if got := appendSegmentHeader(nil, h); !bytes.Equal(got, b[:segmentHeaderLen]) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func uint32FromIndex(b []byte) uint32 {
	return uint32(b[52]) | uint32(b[53])<<8 | uint32(b[54])<<16 | uint32(b[55])<<24
}
