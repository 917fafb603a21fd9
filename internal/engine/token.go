package engine

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// tokenKind tells sealed tokens apart, so an iterator can never be replayed
// as a pagination token or the other way round.
type tokenKind byte

const (
	tokenIterator      tokenKind = 1
	tokenListStreams   tokenKind = 2
	tokenListShards    tokenKind = 3
	tokenListConsumers tokenKind = 4
)

// tokenLifetime is how long shard iterators and NextTokens stay valid.
const tokenLifetime = 300 * time.Second

// token is the plaintext of a shard iterator or a pagination token. Its
// sealed form is documented in docs/format/iterator.md.
type token struct {
	Kind      tokenKind
	IssuedMs  int64
	CreatedMs int64  // stream incarnation (creation time, ms)
	Shard     uint32 // iterator: the shard; ListShards: shard to start after + 1 (0 = from the start)
	Position  uint64 // iterator: next record index to read
	Filter    byte   // ListShards: shard filter type
	FilterMs  int64  // ListShards: filter timestamp
	Name      string // stream name
}

// tokenHeader starts every sealed token; AWS's iterators start the same way.
var tokenHeader = [8]byte{0, 0, 0, 0, 0, 0, 0, 1}

const (
	tokenFixedLen = 1 + 8 + 8 + 4 + 8 + 1 + 8 + 1
	nonceLen      = 12
)

func (t token) marshal(dst []byte) []byte {
	dst = append(dst, byte(t.Kind))
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.IssuedMs))
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.CreatedMs))
	dst = binary.BigEndian.AppendUint32(dst, t.Shard)
	dst = binary.BigEndian.AppendUint64(dst, t.Position)
	dst = append(dst, t.Filter)
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.FilterMs))
	dst = append(dst, byte(len(t.Name)))
	return append(dst, t.Name...)
}

func unmarshalToken(b []byte) (token, bool) {
	if len(b) < tokenFixedLen {
		return token{}, false
	}
	t := token{
		Kind:      tokenKind(b[0]),
		IssuedMs:  int64(binary.BigEndian.Uint64(b[1:])),
		CreatedMs: int64(binary.BigEndian.Uint64(b[9:])),
		Shard:     binary.BigEndian.Uint32(b[17:]),
		Position:  binary.BigEndian.Uint64(b[21:]),
		Filter:    b[29],
		FilterMs:  int64(binary.BigEndian.Uint64(b[30:])),
	}
	n := int(b[38])
	if len(b) != tokenFixedLen+n {
		return token{}, false
	}
	t.Name = string(b[tokenFixedLen:])
	return t, true
}

// sealToken encrypts and authenticates t (issued now) as a base64 string.
func (e *Engine) sealToken(t token, now time.Time) string {
	t.IssuedMs = now.UnixMilli()
	buf := make([]byte, 0, len(tokenHeader)+nonceLen+tokenFixedLen+len(t.Name)+e.aead.Overhead())
	buf = append(buf, tokenHeader[:]...)
	nonce := buf[len(buf) : len(buf)+nonceLen]
	_, _ = rand.Read(nonce)
	buf = buf[:len(buf)+nonceLen]
	plain := t.marshal(make([]byte, 0, tokenFixedLen+len(t.Name)))
	buf = e.aead.Seal(buf, nonce, plain, tokenHeader[:])
	return base64.StdEncoding.EncodeToString(buf)
}

// unsealToken authenticates and decrypts s; ok is false for anything that
// was not sealed by this server's key.
func (e *Engine) unsealToken(s string) (token, bool) {
	// The seed tutorial passes `--query 'ShardIterator'` output, JSON quotes
	// included, straight back to get-records, and AWS accepts it: its
	// decoder skips the quotes. Do the same, and nothing more lenient.
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	// Go's base64 decoder skips \r and \n even in strict mode: refuse them,
	// so that only the exact string issued opens (FuzzUnsealToken).
	if strings.ContainsAny(s, "\r\n") {
		return token{}, false
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) < len(tokenHeader)+nonceLen+e.aead.Overhead() {
		return token{}, false
	}
	if [8]byte(raw[:8]) != tokenHeader {
		return token{}, false
	}
	nonce := raw[8 : 8+nonceLen]
	plain, err := e.aead.Open(nil, nonce, raw[8+nonceLen:], tokenHeader[:])
	if err != nil {
		return token{}, false
	}
	return unmarshalToken(plain)
}

// openToken checks a pagination token's kind and age.
func (e *Engine) openToken(s string, kind tokenKind, now time.Time) (token, error) {
	t, ok := e.unsealToken(s)
	if !ok || t.Kind != kind {
		return token{}, errorf(KindInvalidArgument, "Invalid NextToken.")
	}
	if now.Sub(time.UnixMilli(t.IssuedMs)) > tokenLifetime {
		return token{}, errorf(KindExpiredNextToken, "The timestamp in the NextToken has expired.")
	}
	return t, nil
}

// javaTime formats like java.util.Date#toString, which AWS's messages use.
func javaTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("Mon Jan 02 15:04:05 MST 2006")
}
