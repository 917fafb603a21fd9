package api

import (
	"strconv"
	"unicode/utf8"

	"github.com/runnel-io/runnel/internal/engine"
)

// appendPutRecordsResponse encodes a PutRecords response byte for byte as
// json.Marshal encoded the reflection-based struct it replaces:
// FailedRecordCount, Records (each member omitted when empty), then
// EncryptionType (KMS if any record was stored encrypted, else NONE).
func appendPutRecordsResponse(dst []byte, results []engine.PutResult) []byte {
	failed := 0
	for i := range results {
		if results[i].ErrorCode != "" {
			failed++
		}
	}
	dst = append(dst, `{"FailedRecordCount":`...)
	dst = strconv.AppendInt(dst, int64(failed), 10)
	dst = append(dst, `,"Records":[`...)
	for i := range results {
		r := &results[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		sep := false
		dst, sep = appendOptionalMember(dst, sep, `"SequenceNumber":`, r.SequenceNumber)
		dst, sep = appendOptionalMember(dst, sep, `"ShardId":`, r.ShardID)
		dst, sep = appendOptionalMember(dst, sep, `"ErrorCode":`, r.ErrorCode)
		dst, _ = appendOptionalMember(dst, sep, `"ErrorMessage":`, r.ErrorMessage)
		dst = append(dst, '}')
	}
	if anyEncrypted(results) {
		return append(dst, `],"EncryptionType":"KMS"}`...)
	}
	return append(dst, `],"EncryptionType":"NONE"}`...)
}

// anyEncrypted reports whether the put stored any record encrypted: the
// response's EncryptionType is then KMS.
func anyEncrypted(results []engine.PutResult) bool {
	for i := range results {
		if results[i].Encrypted {
			return true
		}
	}
	return false
}

// appendOptionalMember writes an omitempty string member; sep reports
// whether a member precedes it in the object.
func appendOptionalMember(dst []byte, sep bool, key, value string) ([]byte, bool) {
	if value == "" {
		return dst, sep
	}
	if sep {
		dst = append(dst, ',')
	}
	dst = append(dst, key...)
	return appendMarshalString(dst, value), true
}

// putRecordsResponseSize estimates the encoded size of a PutRecords response.
func putRecordsResponseSize(results []engine.PutResult) int {
	n := 64
	for i := range results {
		r := &results[i]
		n += 48 + len(r.SequenceNumber) + len(r.ShardID) + len(r.ErrorCode) + len(r.ErrorMessage)
	}
	return n
}

// appendPutRecordResponse encodes a PutRecord response as json.Marshal did.
func appendPutRecordResponse(dst []byte, res engine.PutResult) []byte {
	dst = append(dst, `{"ShardId":`...)
	dst = appendMarshalString(dst, res.ShardID)
	dst = append(dst, `,"SequenceNumber":`...)
	dst = appendMarshalString(dst, res.SequenceNumber)
	if res.Encrypted {
		return append(dst, `,"EncryptionType":"KMS"}`...)
	}
	return append(dst, `,"EncryptionType":"NONE"}`...)
}

// marshalSafe marks the ASCII bytes json.Marshal writes unescaped.
var marshalSafe = func() (t [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendMarshalString writes s as json.Marshal writes a string: short
// escapes for \b \f \n \r \t, \u00XX for other control characters, HTML
// escaping of < > &, \u2028 and \u2029 escaped, invalid UTF-8 as \ufffd.
func appendMarshalString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if marshalSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
