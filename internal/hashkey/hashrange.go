package hashkey

import "math/bits"

// Range is an inclusive hash-key range [Start, End].
type Range struct{ Start, End Key }

// Contains reports whether Start <= k <= End.
func (r Range) Contains(k Key) bool {
	return r.Start.Cmp(k) <= 0 && k.Cmp(r.End) <= 0
}

// EvenSplit returns the n ranges AWS gives a new stream of n shards: range i
// starts at floor(2^128/n)*i, ends one below the next start, and the last
// ends at 2^128-1. It returns nil for n < 1.
func EvenSplit(n int) []Range {
	if n < 1 {
		return nil
	}
	if n == 1 {
		return []Range{{Start: Key{}, End: Max()}}
	}
	step := quoPow128(uint64(n))
	out := make([]Range, n)
	next := Key{}
	for i := range out {
		out[i].Start = next
		if i == n-1 {
			out[i].End = Max()
			break
		}
		// step*(i+1) < 2^128 because i+1 < n.
		next, _ = step.mul64(uint64(i + 1))
		out[i].End, _ = next.Sub(Key{Lo: 1})
	}
	return out
}

// quoPow128 returns floor(2^128/n) for n >= 2.
func quoPow128(n uint64) Key {
	// 2^128 is the three-word number (1, 0, 0); the top quotient word is 0.
	hi, r := bits.Div64(1, 0, n)
	lo, _ := bits.Div64(r, 0, n)
	return Key{hi, lo}
}
