package hashkey

import (
	"errors"
	"fmt"
	"math/bits"
)

// MaxDigits is the number of decimal digits of 2^128-1.
const MaxDigits = 39

var (
	// ErrSyntax: the string is not "0" or a digit string without a leading
	// zero.
	ErrSyntax = errors.New("not a canonical unsigned decimal")
	// ErrOutOfRange: the string is a well-formed number above 2^128-1.
	ErrOutOfRange = errors.New("outside the hash-key range [0, 2^128-1]")
)

// ParseError describes a string Parse rejected. Err is ErrSyntax or
// ErrOutOfRange, so errors.Is distinguishes them.
type ParseError struct {
	Input string // the rejected string, cut to 80 bytes
	Err   error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("hashkey: %q: %v", e.Input, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

func parseError(s string, err error) *ParseError {
	const maxInput = 80
	if len(s) > maxInput {
		s = s[:maxInput] + "..."
	}
	return &ParseError{Input: s, Err: err}
}

// Parse decodes a decimal hash key matching 0|[1-9][0-9]*. Signs, spaces,
// leading zeros and other characters are ErrSyntax; a well-formed value above
// 2^128-1 (of any length) is ErrOutOfRange.
func Parse(s string) (Key, error) {
	if s == "" {
		return Key{}, parseError(s, ErrSyntax)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			return Key{}, parseError(s, ErrSyntax)
		}
	}
	if s[0] == '0' && len(s) > 1 {
		return Key{}, parseError(s, ErrSyntax)
	}
	if len(s) > MaxDigits {
		return Key{}, parseError(s, ErrOutOfRange)
	}
	var k Key
	for i := 0; i < len(s); i++ {
		var over, c bool
		if k, over = k.mul64(10); over {
			return Key{}, parseError(s, ErrOutOfRange)
		}
		if k, c = k.Add(Key{Lo: uint64(s[i] - '0')}); c {
			return Key{}, parseError(s, ErrOutOfRange)
		}
	}
	return k, nil
}

// AppendDecimal appends k in canonical decimal to dst. It allocates only if
// dst must grow.
func (k Key) AppendDecimal(dst []byte) []byte {
	const chunk, chunkDigits = 10_000_000_000_000_000_000, 19
	var buf [MaxDigits]byte
	i := len(buf)
	for {
		var r uint64
		k.Hi, r = bits.Div64(0, k.Hi, chunk)
		k.Lo, r = bits.Div64(r, k.Lo, chunk)
		if k == (Key{}) {
			for r >= 10 {
				i--
				buf[i] = byte('0' + r%10)
				r /= 10
			}
			i--
			buf[i] = byte('0' + r)
			return append(dst, buf[i:]...)
		}
		for range chunkDigits {
			i--
			buf[i] = byte('0' + r%10)
			r /= 10
		}
	}
}

// String returns k in canonical decimal.
func (k Key) String() string {
	var buf [MaxDigits]byte
	return string(k.AppendDecimal(buf[:0]))
}
