package seqnum

import (
	"errors"
	"fmt"
	"math/bits"
)

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invalid sequence number")

// ParseError describes a string that is not a sequence number in the AWS
// layout. errors.Is(err, ErrInvalid) holds for it.
type ParseError struct {
	Input  string // the rejected string, cut to 80 bytes
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("seqnum: %q: %s", e.Input, e.Reason)
}

func (e *ParseError) Unwrap() error { return ErrInvalid }

func parseError(s, reason string) *ParseError {
	const maxInput = 80
	if len(s) > maxInput {
		s = s[:maxInput] + "..."
	}
	return &ParseError{Input: s, Reason: reason}
}

// Parse decodes a decimal sequence number. It accepts exactly the strings
// AppendDecimal produces: 56 digits, no leading zero, lead nibble 2, version
// nibble 2, and a shard-index nibble that matches the shard index. Both
// 36-bit times are in 0..MaxTime by construction.
func Parse(s string) (Parts, error) {
	if s == "" {
		return Parts{}, parseError(s, "empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			return Parts{}, parseError(s, fmt.Sprintf("non-digit at offset %d", i))
		}
	}
	if s[0] == '0' {
		return Parts{}, parseError(s, "leading zero")
	}
	if len(s) != Digits {
		return Parts{}, parseError(s, fmt.Sprintf("%d digits, want %d", len(s), Digits))
	}
	var w u192
	// The first chunk takes the digits left over after whole 19-digit chunks.
	for start, end := 0, len(s)%chunkDigits; start < len(s); start, end = end, end+chunkDigits {
		if end == 0 {
			end = chunkDigits
		}
		var v, m uint64 = 0, 1
		for _, c := range []byte(s[start:end]) {
			v = v*10 + uint64(c-'0')
			m *= 10
		}
		if w.mulAdd(m, v) {
			return Parts{}, parseError(s, "value exceeds 192 bits") // unreachable for 56 digits
		}
	}
	if lead := w.get(leadOff, leadWidth); lead != leadValue {
		return Parts{}, parseError(s, fmt.Sprintf("leading hex nibble is %#x, want 0x2", lead))
	}
	if v := w.get(versionOff, versionWidth); v != versionValue {
		return Parts{}, parseError(s, fmt.Sprintf("layout version nibble is %d, want 2", v))
	}
	p := Parts{
		ShardCreateTime: int64(w.get(createTimeOff, timeWidth)),
		ShardIndex:      uint32(w.get(shardIndexOff, shardIndexWidth)),
		SeqIndex:        w.get(seqIndexOff, seqIndexWidth),
		Byte1:           uint8(w.get(byte1Off, byte1Width)),
		RecordTime:      int64(w.get(recordTimeOff, timeWidth)),
	}
	if n := w.get(shardNibbleOff, shardNibbleWidth); n != uint64(p.ShardIndex&0xF) {
		return Parts{}, parseError(s, fmt.Sprintf("shard-index nibble %#x does not match shard index %d", n, p.ShardIndex))
	}
	if err := p.Validate(); err != nil { // cannot fail: fields are 36 bits wide
		return Parts{}, parseError(s, err.Error())
	}
	return p, nil
}

// mulAdd sets w = w*m + a and reports overflow beyond 192 bits.
func (w *u192) mulAdd(m, a uint64) (overflow bool) {
	carry := a
	for i := range w {
		hi, lo := bits.Mul64(w[i], m)
		var c uint64
		w[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c // hi <= m-1, so no overflow
	}
	return carry != 0
}

// Compare compares two canonical decimal sequence numbers (no sign, no
// leading zeros) as big integers: -1 if a < b, 0 if equal, +1 if a > b.
func Compare(a, b string) int {
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
