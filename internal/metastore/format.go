package metastore

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// On-disk header, little-endian (docs/format/catalog.md):
//
//	offset size field
//	     0    6 magic "RNLCAT"
//	     6    2 format version (1)
//	     8    8 payload length in bytes
//	    16    4 CRC32C (Castagnoli) of the payload
//	    20    n payload
const (
	magic         = "RNLCAT"
	formatVersion = 1
	headerSize    = 20
)

// castagnoli is a constant lookup table.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encode returns header+payload.
func encode(payload []byte) []byte {
	buf := make([]byte, headerSize, headerSize+len(payload))
	copy(buf, magic)
	binary.LittleEndian.PutUint16(buf[6:], formatVersion)
	binary.LittleEndian.PutUint64(buf[8:], uint64(len(payload)))
	binary.LittleEndian.PutUint32(buf[16:], crc32.Checksum(payload, castagnoli))
	return append(buf, payload...)
}

// decode checks a whole catalog file and returns its payload (a subslice of
// data), or a reason the file is corrupt.
func decode(data []byte) (payload []byte, reason string) {
	if len(data) < headerSize {
		return nil, fmt.Sprintf("file is %d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if string(data[:len(magic)]) != magic {
		return nil, fmt.Sprintf("bad magic %q, want %q", data[:len(magic)], magic)
	}
	if v := binary.LittleEndian.Uint16(data[6:]); v != formatVersion {
		return nil, fmt.Sprintf("unsupported format version %d (this build reads version %d)", v, formatVersion)
	}
	n := binary.LittleEndian.Uint64(data[8:])
	if have := uint64(len(data) - headerSize); n != have {
		return nil, fmt.Sprintf("header says the payload is %d bytes but the file holds %d", n, have)
	}
	payload = data[headerSize:]
	want := binary.LittleEndian.Uint32(data[16:])
	if got := crc32.Checksum(payload, castagnoli); got != want {
		return nil, fmt.Sprintf("payload CRC32C is %#08x, header says %#08x", got, want)
	}
	return payload, ""
}
