package logstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Segment header (32 bytes, little-endian), see docs/format/log.md:
//
//	0  [4]byte magic "RNLS"
//	4  u16     version (1)
//	6  u16     flags (0)
//	8  u64     first index (equals the file name)
//	16 i64     base timestamp: newest timestamp of the shard when the
//	           segment was created (the clamping floor)
//	24 u32     reserved (0)
//	28 u32     CRC32C of bytes [0, 28)
const (
	segmentHeaderLen = 32
	segmentMagic     = "RNLS"
	segmentVersion   = 1
)

type segmentHeader struct {
	first  uint64
	baseTS int64
}

func appendSegmentHeader(dst []byte, h segmentHeader) []byte {
	start := len(dst)
	dst = append(dst, segmentMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, segmentVersion)
	dst = binary.LittleEndian.AppendUint16(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, h.first)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(h.baseTS))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func decodeSegmentHeader(b []byte) (segmentHeader, error) {
	if len(b) < segmentHeaderLen {
		return segmentHeader{}, errors.New("segment header incomplete")
	}
	if string(b[:4]) != segmentMagic {
		return segmentHeader{}, fmt.Errorf("bad segment magic %q", b[:4])
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != segmentVersion {
		return segmentHeader{}, fmt.Errorf("unknown segment version %d", v)
	}
	if got, want := crc32.Checksum(b[:28], castagnoli), binary.LittleEndian.Uint32(b[28:]); got != want {
		return segmentHeader{}, fmt.Errorf("segment header checksum mismatch: stored %08x, computed %08x", want, got)
	}
	return segmentHeader{
		first:  binary.LittleEndian.Uint64(b[8:]),
		baseTS: int64(binary.LittleEndian.Uint64(b[16:])),
	}, nil
}

// indexEntry is one sparse index point: the frame of record index starts at
// byte offset of its segment and carries timestamp ts.
type indexEntry struct {
	index uint64
	off   int64
	ts    int64
}

// Index file (.idx, little-endian), see docs/format/log.md:
//
//	0  [4]byte magic "RNLI"
//	4  u16     version (1)
//	6  u16     reserved (0)
//	8  u64     segment first index
//	16 u64     segment next index (last index + 1)
//	24 u64     segment size in bytes
//	32 i64     timestamp of the first record (0 when empty)
//	40 i64     timestamp of the last record (base timestamp when empty)
//	48 u32     entry count n
//	52 u32     index interval in bytes (informational)
//	56 n × {u64 index, u64 offset, i64 timestamp}
//	56+24n u32 CRC32C of bytes [0, 56+24n)
const (
	indexMagic      = "RNLI"
	indexVersion    = 1
	indexHeaderLen  = 56
	indexEntryLen   = 24
	indexTrailerLen = 4
)

// segmentSummary is what an index file records about its sealed segment.
type segmentSummary struct {
	first, next     uint64
	size            int64
	firstTS, lastTS int64
	entries         []indexEntry
}

func appendIndexFile(dst []byte, s *segmentSummary, interval int) []byte {
	start := len(dst)
	dst = append(dst, indexMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, indexVersion)
	dst = binary.LittleEndian.AppendUint16(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, s.first)
	dst = binary.LittleEndian.AppendUint64(dst, s.next)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(s.size))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(s.firstTS))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(s.lastTS))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s.entries)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(interval))
	for _, e := range s.entries {
		dst = binary.LittleEndian.AppendUint64(dst, e.index)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(e.off))
		dst = binary.LittleEndian.AppendUint64(dst, uint64(e.ts))
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// decodeIndexFile parses an index file and checks it against the segment it
// describes (first index from the name, size from stat). Any mismatch is an
// error: the caller rebuilds the index by scanning.
func decodeIndexFile(b []byte, first uint64, size int64) (*segmentSummary, error) {
	if len(b) < indexHeaderLen+indexTrailerLen {
		return nil, fmt.Errorf("index file of %d bytes is too short", len(b))
	}
	if string(b[:4]) != indexMagic || binary.LittleEndian.Uint16(b[4:]) != indexVersion {
		return nil, errors.New("bad index magic or version")
	}
	count := int(binary.LittleEndian.Uint32(b[48:]))
	end := indexHeaderLen + count*indexEntryLen
	if count < 0 || len(b) != end+indexTrailerLen {
		return nil, fmt.Errorf("index file of %d bytes does not hold %d entries", len(b), count)
	}
	if got, want := crc32.Checksum(b[:end], castagnoli), binary.LittleEndian.Uint32(b[end:]); got != want {
		return nil, errors.New("index file checksum mismatch")
	}
	s := &segmentSummary{
		first:   binary.LittleEndian.Uint64(b[8:]),
		next:    binary.LittleEndian.Uint64(b[16:]),
		size:    int64(binary.LittleEndian.Uint64(b[24:])),
		firstTS: int64(binary.LittleEndian.Uint64(b[32:])),
		lastTS:  int64(binary.LittleEndian.Uint64(b[40:])),
	}
	if s.first != first || s.size != size || s.next < s.first {
		return nil, fmt.Errorf("index describes segment %d of %d bytes, file is segment %d of %d bytes", s.first, s.size, first, size)
	}
	if (count == 0) != (s.next == s.first) {
		return nil, errors.New("index entry count disagrees with record count")
	}
	s.entries = make([]indexEntry, count)
	for i := range s.entries {
		p := b[indexHeaderLen+i*indexEntryLen:]
		e := indexEntry{
			index: binary.LittleEndian.Uint64(p),
			off:   int64(binary.LittleEndian.Uint64(p[8:])),
			ts:    int64(binary.LittleEndian.Uint64(p[16:])),
		}
		if i == 0 && (e.index != s.first || e.off != segmentHeaderLen) {
			return nil, errors.New("first index entry is not the first frame")
		}
		if i > 0 {
			prev := s.entries[i-1]
			if e.index <= prev.index || e.off <= prev.off || e.ts < prev.ts {
				return nil, fmt.Errorf("index entry %d out of order", i)
			}
		}
		if e.index >= s.next || e.off >= s.size {
			return nil, fmt.Errorf("index entry %d beyond the segment", i)
		}
		s.entries[i] = e
	}
	return s, nil
}
