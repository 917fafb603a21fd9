package logstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"unsafe"

	"github.com/runnel-io/runnel/internal/record"
)

// Frame layout (little-endian), see docs/format/log.md:
//
//	0  u32 length   total frame length in bytes, this field included
//	4  u32 crc      CRC32C (Castagnoli) of bytes [8, length)
//	8  u64 index    the record's index
//	16 i64 ts       timestamp, Unix milliseconds
//	24 u16 keyLen   partition key length in bytes
//	26 key          keyLen bytes
//	26+keyLen data  length-26-keyLen bytes
const (
	frameHeaderLen = 26
	// MaxPartitionKeyBytes is the largest partition key a frame holds (256
	// UTF-8 characters of at most 4 bytes).
	MaxPartitionKeyBytes = 1024
	// MaxDataBytes is the largest record data a frame holds.
	MaxDataBytes = 10 << 20
	maxFrameLen  = frameHeaderLen + MaxPartitionKeyBytes + MaxDataBytes
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame decoding failures. errFrameShort is not corruption by itself: the
// buffer ends inside the frame (frameNeed tells how many bytes it needs).
var (
	errFrameShort     = errors.New("frame incomplete")
	errFrameBadLength = errors.New("impossible frame length")
	errFrameBadCRC    = errors.New("frame checksum mismatch")
)

// frameLen is the encoded size of rec.
func frameLen(rec *record.Record) int {
	return frameHeaderLen + len(rec.PartitionKey) + len(rec.Data)
}

// checkRecordSize reports whether rec fits in a frame.
func checkRecordSize(rec *record.Record) error {
	if len(rec.PartitionKey) > MaxPartitionKeyBytes {
		return fmt.Errorf("%w: partition key of %d bytes (max %d)", ErrRecordTooLarge, len(rec.PartitionKey), MaxPartitionKeyBytes)
	}
	if len(rec.Data) > MaxDataBytes {
		return fmt.Errorf("%w: data of %d bytes (max %d)", ErrRecordTooLarge, len(rec.Data), MaxDataBytes)
	}
	return nil
}

// appendFrame appends the frame of rec to dst. rec must fit (checkRecordSize).
func appendFrame(dst []byte, rec *record.Record) []byte {
	n := frameLen(rec)
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	dst = binary.LittleEndian.AppendUint32(dst, 0) // crc, filled below
	dst = binary.LittleEndian.AppendUint64(dst, rec.Index)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(rec.Timestamp))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(rec.PartitionKey)))
	dst = append(dst, rec.PartitionKey...)
	dst = append(dst, rec.Data...)
	crc := crc32.Checksum(dst[start+8:], castagnoli)
	binary.LittleEndian.PutUint32(dst[start+4:], crc)
	return dst
}

// frameNeed returns the frame length declared at the start of b, or an error
// when b is too short to hold a length or the length is impossible.
func frameNeed(b []byte) (int, error) {
	if len(b) < 4 {
		return frameHeaderLen, errFrameShort
	}
	n := binary.LittleEndian.Uint32(b)
	if n < frameHeaderLen || n > maxFrameLen {
		return 0, fmt.Errorf("%w: %d", errFrameBadLength, n)
	}
	return int(n), nil
}

// decodeFrame decodes the frame at the start of b. The returned record's
// Data and PartitionKey alias b (no copy per record), so b must never be
// modified afterwards. It returns the frame length, or errFrameShort when b ends
// inside the frame, or errFrameBadLength / errFrameBadCRC (wrapped).
func decodeFrame(b []byte) (record.Record, int, error) {
	n, err := frameNeed(b)
	if err != nil {
		return record.Record{}, 0, err
	}
	if len(b) < n {
		return record.Record{}, 0, errFrameShort
	}
	keyLen := int(binary.LittleEndian.Uint16(b[24:]))
	if keyLen > MaxPartitionKeyBytes || frameHeaderLen+keyLen > n {
		return record.Record{}, 0, fmt.Errorf("%w: key length %d in frame of %d", errFrameBadLength, keyLen, n)
	}
	want := binary.LittleEndian.Uint32(b[4:])
	if got := crc32.Checksum(b[8:n], castagnoli); got != want {
		return record.Record{}, 0, fmt.Errorf("%w: stored %08x, computed %08x", errFrameBadCRC, want, got)
	}
	keyEnd := frameHeaderLen + keyLen
	rec := record.Record{
		Index:        binary.LittleEndian.Uint64(b[8:]),
		Timestamp:    int64(binary.LittleEndian.Uint64(b[16:])),
		PartitionKey: unsafe.String(unsafe.SliceData(b[frameHeaderLen:]), keyLen),
		Data:         b[keyEnd:n:n],
	}
	return rec, n, nil
}

// frameIndexAt reads the index and timestamp of a frame already known to be
// complete and valid.
func frameIndexAt(b []byte) (index uint64, ts int64) {
	return binary.LittleEndian.Uint64(b[8:]), int64(binary.LittleEndian.Uint64(b[16:]))
}
