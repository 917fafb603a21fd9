package api

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// fastScanner is a single-pass, allocation-free reader of the JSON subset
// that the PutRecord(s) fast path accepts: objects, arrays and strings
// without escape sequences. Every method returns ok=false on anything else
// (escapes, numbers, literals, control characters, invalid UTF-8): the
// caller then falls back to the model-driven slow path, which owns every
// error message. A fastScanner never decides that a body is invalid, only
// that it is not the common valid case.
type fastScanner struct {
	b []byte
	i int
}

// ws skips JSON whitespace (RFC 8259: space, tab, LF, CR; nothing else).
func (s *fastScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c after optional whitespace.
func (s *fastScanner) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// next returns the next non-whitespace byte without consuming it (0 at EOF).
func (s *fastScanner) next() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// atEnd reports whether only whitespace remains.
func (s *fastScanner) atEnd() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string without escapes after optional whitespace and returns
// the span of its content and its length in UTF-16 code units (the length
// AWS and the validator count). It refuses escapes, raw control characters
// and invalid UTF-8 (which encoding/json would replace by U+FFFD).
func (s *fastScanner) str() (start, end, units int, ok bool) {
	if !s.eat('"') {
		return 0, 0, 0, false
	}
	start = s.i
	b := s.b
	for i := s.i; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				s.i = i + 1
				return start, i, units, true
			case c == '\\' || c < 0x20:
				return 0, 0, 0, false
			}
			units++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return 0, 0, 0, false
		}
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		i += size
	}
	return 0, 0, 0, false
}

// base64Digit is the 6-bit value of a base64 alphabet byte.
func base64Digit(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '+':
		return 62
	}
	return 63
}

// blob reads a string meant to be canonical padded standard base64 (what
// the validator's checkBase64 accepts: length a multiple of 4, the
// alphabet, at most two trailing '=', zero bits after the last non-pad
// character) and returns the span of the text and its decoded length.
// blob checks the length and the padding; the alphabet is left to
// decodeBlob, so that the data is read once more, not twice.
func (s *fastScanner) blob() (start, end, decoded int, ok bool) {
	if !s.eat('"') {
		return 0, 0, 0, false
	}
	start = s.i
	q := bytes.IndexByte(s.b[start:], '"')
	if q < 0 || q%4 != 0 {
		return 0, 0, 0, false
	}
	end = start + q
	text := s.b[start:end]
	pad := 0
	for pad < len(text) && text[len(text)-1-pad] == '=' {
		pad++
	}
	switch pad {
	case 0:
	case 1:
		if base64Digit(text[len(text)-2])&0x3 != 0 {
			return 0, 0, 0, false
		}
	case 2:
		if base64Digit(text[len(text)-3])&0xF != 0 {
			return 0, 0, 0, false
		}
	default:
		return 0, 0, 0, false
	}
	s.i = end + 1
	return start, end, q/4*3 - pad, true
}

// decodeBlob decodes text, which blob accepted with decoded length n, into
// dst[:n]. It fails unless text is all base64: StdEncoding.Decode refuses
// anything outside the alphabet and misplaced '=', and it skips '\r' and
// '\n', which a JSON string cannot hold raw: with at least four of them
// skipped (fewer leave a partial quantum, an error) fewer than n bytes come
// out, so m == n proves there were none.
func decodeBlob(dst, text []byte, n int) bool {
	m, err := base64.StdEncoding.Decode(dst[:n:n], text)
	return err == nil && m == n
}

// Patterns of the model, matched by hand. The inputs have passed str, so
// they are valid UTF-8 without control characters.

// isStreamName matches `[a-zA-Z0-9_.-]+`; units is the UTF-16 length.
func isStreamName(v []byte, units int) bool {
	if units < 1 || units > 128 || len(v) != units {
		return false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// isStreamID matches `[a-z0-9]{20}-[a-z0-9]{3}` (length 1..24 follows).
func isStreamID(v []byte) bool {
	if len(v) != 24 {
		return false
	}
	for i, c := range v {
		if i == 20 {
			if c != '-' {
				return false
			}
		} else if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isDecimal matches `0|([1-9]\d{0,maxDigits-1})`: the HashKey (39) and
// SequenceNumber (129) patterns.
func isDecimal(v []byte, maxDigits int) bool {
	if len(v) == 0 || len(v) > maxDigits || v[0] == '0' && len(v) > 1 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isStreamARN matches `arn:aws.*:kinesis:.*:\d{12}:stream/\S+` with length
// 1..2048 UTF-16 units. Without newlines in v, '.' matches any character
// and \S anything but the space (RE2's \s is [\t\n\f\r ]; str refused the
// control characters). v must be "arn:aws" A ":kinesis:" B ":" 12 digits
// ":stream/" T, with T non-empty and free of spaces: try every ":stream/".
func isStreamARN(v []byte, units int) bool {
	if units < 1 || units > 2048 || !bytes.HasPrefix(v, []byte("arn:aws")) {
		return false
	}
	const marker = ":stream/"
	lastSpace := bytes.LastIndexByte(v, ' ')
	for from := 0; ; {
		k := bytes.Index(v[from:], []byte(marker))
		if k < 0 {
			return false
		}
		p := from + k
		from = p + 1
		t := p + len(marker)
		if t >= len(v) || lastSpace >= t || p < len("arn:aws:kinesis:")+13 {
			continue
		}
		if v[p-13] != ':' || !allDigits(v[p-12:p]) {
			continue
		}
		if bytes.Contains(v[len("arn:aws"):p-13], []byte(":kinesis:")) {
			return true
		}
	}
}

func allDigits(v []byte) bool {
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
