package engine

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"testing"
	"time"
)

// tokenEngine is an Engine with only what sealing needs: the AEAD of key.
func tokenEngine(t testing.TB, key byte) *Engine {
	t.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{key}, 32))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{aead: aead}
}

var sealedSeeds = []string{
	"AAAAAAAAAAHUP7odLorm/BtAp9lpZdWJ1Nv3KXLVl2SsKCpKT2aHcBARGEKrOU6+Kl7VRqh6K6OoVLD1PztqcY2htNn+0PaKjNVijYjvQLNY",
	"AAAAAAAAAAFzyN6p7BHah2AhZo9sI5nv39bdVb+srBnBgr4bGgJpFpUMfYjWU6F+/gzV1w0oh1nSzbe6NsUDdddrJDgdCeYnSKOV",
	"AAAAAAAAAAFuRAEcSTpOoGis2r7O3gEsmws+zvjDXpKj/wavEkwd11xDyQYiDoS0Rv2it7SParqzbAC6tyjV/LO9BpO4vOG1JcnhVufUB2LWL5Svh/KB4X5S3AKGyhrJOyJOgpV8ZN9/QX4whzBggFZ1GfYUh8r8lD3hEiJEZeJpxxHXN7daAsSvjoWGx7IPZRHPeEilJC5zeXkuzkqDHOAfqBlB/uj+lBDzgYk5OXlCHMLM3NuQm/XSgc72pG9rk26KQd49qqVHSyg=",
}

// FuzzUnsealToken: an arbitrary string never panics unsealToken and never
// opens as a token unless this key sealed exactly that string; a token
// sealed from arbitrary fields opens to the same fields, and with any one
// byte changed (flip) it does not open at all; another key never opens it.
func FuzzUnsealToken(f *testing.F) {
	e := tokenEngine(f, 7)
	other := tokenEngine(f, 8)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	// Tokens sealed once with key 7 (an iterator, a ListShards token, a
	// ListStreams token with a 128-byte name): constants, so that every
	// fuzzing worker process knows them.
	sealed := map[string]bool{}
	for i, s := range sealedSeeds {
		if _, ok := e.unsealToken(s); !ok {
			f.Fatalf("seed %d does not open", i)
		}
		sealed[s] = true
		f.Add(s, uint8(i), int64(i), uint32(i), uint64(i), "name", uint16(i))
	}
	f.Add("", uint8(0), int64(0), uint32(0), uint64(0), "", uint16(0))
	f.Add(`"AAAAAAAAAAE="`, uint8(1), int64(-1), uint32(1<<31), uint64(1<<63), "é😀", uint16(300))
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 64)), uint8(255), int64(1), uint32(0), uint64(0), "x", uint16(9))
	f.Fuzz(func(t *testing.T, s string, kind uint8, created int64, shard uint32, pos uint64, name string, flip uint16) {
		if tk, ok := e.unsealToken(s); ok {
			trimmed := s
			if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
				trimmed = s[1 : len(s)-1]
			}
			if !sealed[trimmed] {
				t.Fatalf("unsealToken(%q) = %+v, ok; it was never sealed", s, tk)
			}
		}
		if len(name) > 255 {
			name = name[:255]
		}
		want := token{Kind: tokenKind(kind), CreatedMs: created, Shard: shard, Position: pos, Name: name, IssuedMs: now.UnixMilli()}
		s2 := e.sealToken(want, now)
		got, ok := e.unsealToken(s2)
		if !ok || got != want {
			t.Fatalf("round trip of %+v: got %+v, %v", want, got, ok)
		}
		if _, ok := other.unsealToken(s2); ok {
			t.Fatalf("a token sealed with one key opened with another: %q", s2)
		}
		raw, _ := base64.StdEncoding.DecodeString(s2)
		i := int(flip) % len(raw)
		raw[i] ^= byte(1 + flip>>8%255)
		if tk, ok := e.unsealToken(base64.StdEncoding.EncodeToString(raw)); ok {
			t.Fatalf("a token with byte %d changed still opened: %+v", i, tk)
		}
	})
}
