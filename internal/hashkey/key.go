package hashkey

import (
	"crypto/md5"
	"encoding/binary"
	"math/bits"
)

// Key is an unsigned 128-bit hash key: Hi<<64 | Lo.
type Key struct{ Hi, Lo uint64 }

// Max returns 2^128-1, the largest hash key.
func Max() Key { return Key{^uint64(0), ^uint64(0)} }

// FromPartitionKey returns the hash key Kinesis derives from a partition
// key: the MD5 of its UTF-8 bytes read as a big-endian unsigned integer.
func FromPartitionKey(pk string) Key {
	sum := md5.Sum([]byte(pk))
	return Key{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

// Cmp returns -1, 0 or +1 as k is less than, equal to or greater than o.
func (k Key) Cmp(o Key) int {
	switch {
	case k.Hi < o.Hi:
		return -1
	case k.Hi > o.Hi:
		return 1
	case k.Lo < o.Lo:
		return -1
	case k.Lo > o.Lo:
		return 1
	}
	return 0
}

// Add returns k+o modulo 2^128 and whether the sum overflowed.
func (k Key) Add(o Key) (Key, bool) {
	lo, c := bits.Add64(k.Lo, o.Lo, 0)
	hi, c := bits.Add64(k.Hi, o.Hi, c)
	return Key{hi, lo}, c != 0
}

// Sub returns k-o modulo 2^128 and whether it borrowed (o > k).
func (k Key) Sub(o Key) (Key, bool) {
	lo, b := bits.Sub64(k.Lo, o.Lo, 0)
	hi, b := bits.Sub64(k.Hi, o.Hi, b)
	return Key{hi, lo}, b != 0
}

// Mid returns floor((a+b)/2) without overflow.
func Mid(a, b Key) Key {
	// a+b = 2*(a&b) + (a^b)
	x := Key{a.Hi ^ b.Hi, a.Lo ^ b.Lo}
	half := Key{x.Hi >> 1, x.Lo>>1 | x.Hi<<63}
	m, _ := Key{a.Hi & b.Hi, a.Lo & b.Lo}.Add(half)
	return m
}

// mul64 returns k*m and whether the product overflowed 128 bits.
func (k Key) mul64(m uint64) (Key, bool) {
	hi1, lo := bits.Mul64(k.Lo, m)
	hi2, mid := bits.Mul64(k.Hi, m)
	hi, c := bits.Add64(mid, hi1, 0)
	return Key{hi, lo}, hi2 != 0 || c != 0
}
