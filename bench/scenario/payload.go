package scenario

import (
	"encoding/binary"
	"strconv"
)

const (
	// PayloadSize is the size of every record's data.
	PayloadSize = 100
	// headerSize is len("PPPP:CCCCCCCCCCCC:").
	headerSize = 4 + 1 + 12 + 1
	// maxProducers and maxCounter are what the header can spell.
	maxProducers = 10_000
	maxCounter   = 999_999_999_999
)

// splitMix64 is a well-mixed 64-bit hash (Steele, Lea, Flood 2014).
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func recordKey(producer, counter int) uint64 {
	return uint64(producer)<<44 ^ uint64(counter)
}

// AppendPayload appends the PayloadSize bytes of record (producer, counter)
// to dst.
func AppendPayload(dst []byte, producer, counter int) []byte {
	return AppendSizedPayload(dst, producer, counter, PayloadSize)
}

// AppendSizedPayload appends record (producer, counter) as size bytes
// (at least headerSize+8): the header, then pseudo-random bytes derived from
// it.
func AppendSizedPayload(dst []byte, producer, counter, size int) []byte {
	start := len(dst)
	dst = appendPadded(dst, producer, 4)
	dst = append(dst, ':')
	dst = appendPadded(dst, counter, 12)
	dst = append(dst, ':')
	var word [8]byte
	state := recordKey(producer, counter)
	for len(dst)-start < size {
		state = splitMix64(state)
		binary.LittleEndian.PutUint64(word[:], state)
		dst = append(dst, word[:min(8, size-(len(dst)-start))]...)
	}
	return dst
}

// PartitionKey is record (producer, counter)'s pseudo-random partition key.
func PartitionKey(producer, counter int) string {
	return strconv.FormatUint(splitMix64(^recordKey(producer, counter)), 36)
}

// ParsePayload reads the producer and counter from a payload's header; it
// does not check the rest or the size (compare with AppendSizedPayload for
// that).
func ParsePayload(b []byte) (producer, counter int, ok bool) {
	if len(b) < headerSize || b[4] != ':' || b[headerSize-1] != ':' {
		return 0, 0, false
	}
	producer, ok1 := parseDigits(b[:4])
	counter, ok2 := parseDigits(b[5 : headerSize-1])
	return producer, counter, ok1 && ok2
}

func appendPadded(dst []byte, n, width int) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(n), 10)
	for range width - len(s) {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func parseDigits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
