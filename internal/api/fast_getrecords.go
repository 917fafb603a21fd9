package api

// GetRecords request limits from the model (the fast path must not accept
// anything the model-driven path would refuse).
const (
	maxShardIteratorUnits = 512
	maxGetRecordsLimit    = 10000
)

// getRecordsInput is GetRecords' request.
type getRecordsInput struct {
	ShardIterator string `json:"ShardIterator"`
	Limit         int    `json:"Limit"`
	StreamARN     string `json:"StreamARN"`
}

// fastDecodeGetRecords reads the common GetRecords body, {"ShardIterator":
// "...", "Limit": N} (Limit optional), without reflection. Anything else —
// another member, StreamARN, escapes, a Limit out of range or not a plain
// integer, duplicates — reports false, and the caller uses the
// model-driven decode, which owns every error message.
func fastDecodeGetRecords(body []byte) (getRecordsInput, bool) {
	var in getRecordsInput
	s := fastScanner{b: body}
	if !s.eat('{') || s.next() == '}' {
		return in, false
	}
	var sawIterator, sawLimit bool
	for more := true; more; {
		key, ok := s.key()
		if !ok {
			return in, false
		}
		switch string(key) {
		case "ShardIterator":
			start, end, units, ok := s.str()
			if sawIterator || !ok || units < 1 || units > maxShardIteratorUnits {
				return in, false
			}
			sawIterator = true
			in.ShardIterator = string(body[start:end])
		case "Limit":
			n, ok := s.smallInt(maxGetRecordsLimit)
			if sawLimit || !ok || n < 1 {
				return in, false
			}
			sawLimit = true
			in.Limit = n
		default:
			return in, false
		}
		if more, ok = s.endMember(); !ok {
			return in, false
		}
	}
	return in, sawIterator && s.atEnd()
}

// smallInt reads a JSON integer in 0..limit written as plain digits (no
// sign, fraction, exponent or leading zero).
func (s *fastScanner) smallInt(limit int) (int, bool) {
	s.ws()
	start, n := s.i, 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		n = n*10 + int(s.b[s.i]-'0')
		s.i++
		if n > limit {
			return 0, false
		}
	}
	digits := s.i - start
	if digits == 0 || (digits > 1 && s.b[start] == '0') {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	return n, true
}
