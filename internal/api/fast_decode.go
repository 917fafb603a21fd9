package api

import (
	"strings"

	"github.com/runnel-io/runnel/internal/engine"
)

// The PutRecord(s) fast path. decode (JSON → map → validate.Check →
// json.Unmarshal) is the reference and owns every error; the functions here
// recognise the common valid request in one pass without reflection and
// return ok=false for anything else, so the caller can fall back to decode.
// Invariant (checked by fast_*_test.go and FuzzFastPutRecords): ok=true only
// for bodies decode accepts, with identical results.

// maxDataBytes is the model's maximum length of a Data blob (decoded).
const maxDataBytes = 10485760

// Bits of the members seen, to refuse duplicates and check required ones.
const (
	seenStreamName = 1 << iota
	seenStreamARN
	seenStreamID
	seenRecords
	seenData
	seenPartitionKey
	seenExplicitHashKey
	seenSequenceNumberForOrdering
)

// streamMember reads the value of a StreamName, StreamARN or StreamId
// member (the key already read) into ref, checking the model's constraints.
// known=false means key is none of them.
func (s *fastScanner) streamMember(key []byte, ref *streamRef, seen *uint) (known, ok bool) {
	var bit uint
	switch string(key) {
	case "StreamName":
		bit = seenStreamName
	case "StreamARN":
		bit = seenStreamARN
	case "StreamId":
		bit = seenStreamID
	default:
		return false, false
	}
	if *seen&bit != 0 {
		return true, false
	}
	*seen |= bit
	start, end, units, ok := s.str()
	if !ok {
		return true, false
	}
	v := s.b[start:end]
	switch bit {
	case seenStreamName:
		if !isStreamName(v, units) {
			return true, false
		}
		ref.StreamName = string(v)
	case seenStreamARN:
		if !isStreamARN(v, units) {
			return true, false
		}
		ref.StreamARN = string(v)
	default: // StreamId is checked, then dropped as decode drops it
		if !isStreamID(v) {
			return true, false
		}
	}
	return true, true
}

// key reads an object key and the colon after it.
func (s *fastScanner) key() ([]byte, bool) {
	start, end, _, ok := s.str()
	if !ok || !s.eat(':') {
		return nil, false
	}
	return s.b[start:end], true
}

// endMember consumes the ',' or '}' after a member value and reports
// whether the object goes on.
func (s *fastScanner) endMember() (more, ok bool) {
	switch s.next() {
	case ',':
		s.i++
		return true, true
	case '}':
		s.i++
		return false, true
	}
	return false, false
}

// span is where one record's parts lie in the body.
type span struct {
	dataStart, dataEnd int32
	keyStart, keyEnd   int32
	hashStart, hashEnd int32
	dataLen            int // decoded
}

// record reads one PutRecordsRequestEntry object.
func (s *fastScanner) record() (sp span, ok bool) {
	if !s.eat('{') || s.next() == '}' {
		return sp, false
	}
	var seen uint
	for more := true; more; {
		key, ok := s.key()
		if !ok {
			return sp, false
		}
		var bit uint
		switch string(key) {
		case "Data":
			bit = seenData
			start, end, n, ok := s.blob()
			if !ok || n > maxDataBytes {
				return sp, false
			}
			sp.dataStart, sp.dataEnd, sp.dataLen = int32(start), int32(end), n
		case "PartitionKey":
			bit = seenPartitionKey
			start, end, units, ok := s.str()
			if !ok || units < 1 || units > 256 {
				return sp, false
			}
			sp.keyStart, sp.keyEnd = int32(start), int32(end)
		case "ExplicitHashKey":
			bit = seenExplicitHashKey
			start, end, _, ok := s.str()
			if !ok || !isDecimal(s.b[start:end], 39) {
				return sp, false
			}
			sp.hashStart, sp.hashEnd = int32(start), int32(end)
		default:
			return sp, false
		}
		if seen&bit != 0 {
			return sp, false
		}
		seen |= bit
		if more, ok = s.endMember(); !ok {
			return sp, false
		}
	}
	if seen&(seenData|seenPartitionKey) != seenData|seenPartitionKey {
		return sp, false
	}
	return sp, true
}

// maxPutRecordsEntries is the model's maximum length of Records.
const maxPutRecordsEntries = 500

// fastDecodePutRecords decodes a PutRecords body that is valid in the
// common way, or returns ok=false (the caller then uses decode). All the
// records' data share one buffer, and their partition and hash keys one
// string: the allocations do not grow with the number of records.
func fastDecodePutRecords(body []byte) (streamRef, []engine.PutEntry, bool) {
	var ref streamRef
	if len(body) > 1<<31-1 {
		return ref, nil, false
	}
	s := fastScanner{b: body}
	if !s.eat('{') || s.next() == '}' {
		return ref, nil, false
	}
	var seen uint
	var spans []span
	dataTotal, keyTotal := 0, 0
	for more := true; more; {
		key, ok := s.key()
		if !ok {
			return ref, nil, false
		}
		if string(key) == "Records" {
			if seen&seenRecords != 0 || !s.eat('[') || s.next() == ']' {
				return ref, nil, false
			}
			seen |= seenRecords
			// A record takes at least len(`{"Data":"","PartitionKey":"x"}`)+1 bytes.
			spans = make([]span, 0, min(maxPutRecordsEntries, len(body)/31+1))
			for {
				if len(spans) == maxPutRecordsEntries {
					return ref, nil, false
				}
				sp, ok := s.record()
				if !ok {
					return ref, nil, false
				}
				spans = append(spans, sp)
				dataTotal += sp.dataLen
				keyTotal += int(sp.keyEnd-sp.keyStart) + int(sp.hashEnd-sp.hashStart)
				if s.eat(']') {
					break
				}
				if !s.eat(',') {
					return ref, nil, false
				}
			}
		} else if known, ok := s.streamMember(key, &ref, &seen); !known || !ok {
			return ref, nil, false
		}
		if more, ok = s.endMember(); !ok {
			return ref, nil, false
		}
	}
	if !s.atEnd() || seen&seenRecords == 0 {
		return ref, nil, false
	}

	var keys strings.Builder
	keys.Grow(keyTotal)
	for i := range spans {
		sp := &spans[i]
		keys.Write(body[sp.keyStart:sp.keyEnd])
		keys.Write(body[sp.hashStart:sp.hashEnd])
	}
	allKeys := keys.String()
	data := make([]byte, dataTotal)
	entries := make([]engine.PutEntry, len(spans))
	off, koff := 0, 0
	for i := range spans {
		sp := &spans[i]
		e := &entries[i]
		text := body[sp.dataStart:sp.dataEnd]
		n := sp.dataLen
		dst := data[off : off+n : off+n]
		if !decodeBlob(dst, text, n) {
			return ref, nil, false
		}
		e.Data = dst
		off += n
		kl := int(sp.keyEnd - sp.keyStart)
		e.PartitionKey = allKeys[koff : koff+kl]
		koff += kl
		if hl := int(sp.hashEnd - sp.hashStart); hl > 0 {
			e.ExplicitHashKey = allKeys[koff : koff+hl]
			koff += hl
		}
	}
	return ref, entries, true
}

// fastDecodePutRecord is fastDecodePutRecords for a PutRecord body: it
// returns the stream, the entry and SequenceNumberForOrdering, or ok=false.
func fastDecodePutRecord(body []byte) (ref streamRef, entry engine.PutEntry, seqForOrdering string, ok bool) {
	fail := func() (streamRef, engine.PutEntry, string, bool) {
		return streamRef{}, engine.PutEntry{}, "", false
	}
	s := fastScanner{b: body}
	if !s.eat('{') || s.next() == '}' {
		return fail()
	}
	var seen uint
	var dataText []byte
	dataLen := 0
	for more := true; more; {
		key, ok := s.key()
		if !ok {
			return fail()
		}
		var bit uint
		switch string(key) {
		case "Data":
			bit = seenData
			start, end, n, ok := s.blob()
			if !ok || n > maxDataBytes {
				return fail()
			}
			dataText, dataLen = body[start:end], n
		case "PartitionKey":
			bit = seenPartitionKey
			start, end, units, ok := s.str()
			if !ok || units < 1 || units > 256 {
				return fail()
			}
			entry.PartitionKey = string(body[start:end])
		case "ExplicitHashKey":
			bit = seenExplicitHashKey
			start, end, _, ok := s.str()
			if !ok || !isDecimal(body[start:end], 39) {
				return fail()
			}
			entry.ExplicitHashKey = string(body[start:end])
		case "SequenceNumberForOrdering":
			bit = seenSequenceNumberForOrdering
			start, end, _, ok := s.str()
			if !ok || !isDecimal(body[start:end], 129) {
				return fail()
			}
			seqForOrdering = string(body[start:end])
		default:
			if known, ok := s.streamMember(key, &ref, &seen); !known || !ok {
				return fail()
			}
		}
		if bit != 0 {
			if seen&bit != 0 {
				return fail()
			}
			seen |= bit
		}
		if more, ok = s.endMember(); !ok {
			return fail()
		}
	}
	if !s.atEnd() || seen&(seenData|seenPartitionKey) != seenData|seenPartitionKey {
		return fail()
	}
	entry.Data = make([]byte, dataLen)
	if !decodeBlob(entry.Data, dataText, dataLen) {
		return fail()
	}
	return ref, entry, seqForOrdering, true
}
