package validate

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

// toInteger converts a JSON number to the value AWS checks constraints on:
// floored (kinesalite validations/index.js Math.floor), then saturated to the
// Java type's range. kinesalite caps Integer at 2147483647 (Math.min); the
// floor at -2147483648 and Long's int64 range are the same rule mirrored.
func toInteger(v any, k kind) (int64, bool) {
	text, ok := numberText(v)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(text, 64)
		if errors.Is(ferr, strconv.ErrSyntax) { // a range error still gives ±Inf or 0
			return 0, false
		}
		if math.IsNaN(f) {
			return 0, false
		}
		f = math.Floor(f)
		switch {
		case f >= math.MaxInt64:
			i = math.MaxInt64
		case f <= math.MinInt64:
			i = math.MinInt64
		default:
			i = int64(f)
		}
	}
	if k == kindInteger {
		i = max(math.MinInt32, min(i, math.MaxInt32))
	}
	return i, true
}

// utf16Len is Java's String.length(): UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

func base64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}

// checkBase64 returns why s is not a blob AWS accepts, or "" (kinesalite
// validations/index.js case 'Blob'; test/helpers.js assertType 'Blob'):
// length not a multiple of 4 (counted in UTF-16 units), then the first
// character outside [A-Za-z0-9+/=] or a '=' followed by a non-'=', then any
// string that does not re-encode to itself ("dectected" is AWS's spelling).
func checkBase64(s string) string {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n = utf16Len(s)
			break
		}
	}
	if n%4 != 0 {
		return "Base64 encoded length is expected a multiple of 4 bytes but found: " + strconv.Itoa(n)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if _, ok := base64Value(c); ok {
			continue
		}
		switch {
		case c >= utf8.RuneSelf:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return "Invalid Base64 character: '" + string(r) + "'"
		case c != '=':
			return "Invalid Base64 character: '" + string(rune(c)) + "'"
		case i+1 < len(s) && s[i+1] != '=':
			return "Invalid Base64 character: '='"
		}
	}
	// Only [A-Za-z0-9+/] followed by trailing '=' remain, length % 4 == 0.
	pad := 0
	for pad < len(s) && s[len(s)-1-pad] == '=' {
		pad++
	}
	const bad = "Invalid last non-pad Base64 character dectected"
	switch pad {
	case 0:
		return ""
	case 1:
		v, _ := base64Value(s[len(s)-2])
		if v&0x3 != 0 {
			return bad
		}
	case 2:
		v, _ := base64Value(s[len(s)-3])
		if v&0xF != 0 {
			return bad
		}
	default:
		return bad
	}
	return ""
}

// base64Len is the decoded length of a string checkBase64 accepted.
func base64Len(s string) int {
	pad := 0
	for pad < 2 && pad < len(s) && s[len(s)-1-pad] == '=' {
		pad++
	}
	return len(s)/4*3 - pad
}
