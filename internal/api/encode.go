package api

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/record"
)

func itoa(n int) string { return strconv.Itoa(n) }

// appendGetRecords encodes a GetRecords response without reflection: it is
// the hottest response of the API.
func appendGetRecords(dst []byte, out engine.GetRecordsOutput) []byte {
	dst = append(dst, `{"Records":[`...)
	for i := range out.Records {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendRecordJSON(dst, &out.Records[i], out.SequenceNumbers[i], out.Encrypted != nil && out.Encrypted[i])
	}
	dst = append(dst, `],"NextShardIterator":`...)
	if out.NextShardIterator == "" {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '"')
		dst = append(dst, out.NextShardIterator...)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"MillisBehindLatest":`...)
	dst = strconv.AppendInt(dst, out.MillisBehindLatest, 10)
	if out.ChildShards != nil {
		dst = append(dst, `,"ChildShards":`...)
		dst = appendChildShards(dst, out.ChildShards)
	}
	return append(dst, '}')
}

// appendRecordJSON encodes one Record as GetRecords does.
func appendRecordJSON(dst []byte, r *record.Record, seq string, encrypted bool) []byte {
	dst = append(dst, `{"SequenceNumber":"`...)
	dst = append(dst, seq...)
	dst = append(dst, `","ApproximateArrivalTimestamp":`...)
	dst = appendEpochMs(dst, r.Timestamp)
	dst = append(dst, `,"Data":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, r.Data)
	dst = append(dst, `","PartitionKey":`...)
	dst = appendJSONString(dst, r.PartitionKey)
	if encrypted {
		dst = append(dst, `,"EncryptionType":"KMS"`...)
	}
	return append(dst, '}')
}

// appendChildShards encodes a ChildShards list.
func appendChildShards(dst []byte, children []engine.ChildShard) []byte {
	dst = append(dst, '[')
	for i, c := range children {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"ShardId":"`...)
		dst = append(dst, c.ShardID...)
		dst = append(dst, `","ParentShards":[`...)
		for j, p := range c.ParentShards {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '"')
			dst = append(dst, p...)
			dst = append(dst, '"')
		}
		dst = append(dst, `],"HashKeyRange":{"StartingHashKey":"`...)
		dst = append(dst, c.StartingHashKey...)
		dst = append(dst, `","EndingHashKey":"`...)
		dst = append(dst, c.EndingHashKey...)
		dst = append(dst, `"}}`...)
	}
	return append(dst, ']')
}

// appendEpochMs writes Unix milliseconds as epoch seconds with a fraction.
func appendEpochMs(dst []byte, ms int64) []byte {
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	if frac == 0 {
		return dst
	}
	dst = append(dst, '.', byte('0'+frac/100))
	if frac%100 != 0 {
		dst = append(dst, byte('0'+frac/10%10))
		if frac%10 != 0 {
			dst = append(dst, byte('0'+frac%10))
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string, escaping what JSON requires
// and replacing invalid UTF-8 with U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
