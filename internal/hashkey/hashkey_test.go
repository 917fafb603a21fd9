package hashkey

import (
	"crypto/md5"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
)

var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

func toBig(k Key) *big.Int {
	b := new(big.Int).SetUint64(k.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(k.Lo))
}

func fromBig(t testing.TB, b *big.Int) Key {
	t.Helper()
	if b.Sign() < 0 || b.Cmp(two128) >= 0 {
		t.Fatalf("%v out of range", b)
	}
	lo := new(big.Int).And(b, new(big.Int).SetUint64(^uint64(0)))
	return Key{new(big.Int).Rsh(b, 64).Uint64(), lo.Uint64()}
}

func TestParseFormatEdges(t *testing.T) {
	for _, tc := range []struct {
		s string
		k Key
	}{
		{"0", Key{}},
		{"1", Key{Lo: 1}},
		{"18446744073709551615", Key{Lo: ^uint64(0)}},
		{"18446744073709551616", Key{Hi: 1}},
		{"10000000000000000000", Key{Lo: 1e19}},
		{"340282366920938463463374607431768211455", Max()},
		{"170141183460469231731687303715884105727", Key{Hi: 1<<63 - 1, Lo: ^uint64(0)}},
	} {
		k, err := Parse(tc.s)
		if err != nil || k != tc.k {
			t.Errorf("Parse(%s) = %v, %v; want %v", tc.s, k, err, tc.k)
		}
		if s := tc.k.String(); s != tc.s {
			t.Errorf("%#v.String() = %s, want %s", tc.k, s, tc.s)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want error
	}{
		{"", ErrSyntax}, {"00", ErrSyntax}, {"01", ErrSyntax}, {"+1", ErrSyntax}, {"-1", ErrSyntax},
		{" 1", ErrSyntax}, {"1 ", ErrSyntax}, {"1e3", ErrSyntax}, {"0x10", ErrSyntax}, {"1_000", ErrSyntax},
		{"0340282366920938463463374607431768211455", ErrSyntax},
		{"340282366920938463463374607431768211456", ErrOutOfRange},
		{"999999999999999999999999999999999999999", ErrOutOfRange},
		{"1000000000000000000000000000000000000000", ErrOutOfRange},
		{"3402823669209384634633746074317682114550", ErrOutOfRange},
	} {
		_, err := Parse(tc.s)
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, tc.want) {
			t.Errorf("Parse(%q) err = %v, want %v", tc.s, err, tc.want)
		}
	}
}

func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		k := Key{r.Uint64() >> r.UintN(64), r.Uint64() >> r.UintN(64)}
		s := k.String()
		if want := toBig(k).String(); s != want {
			t.Fatalf("%#v: String %s, math/big %s", k, s, want)
		}
		got, err := Parse(s)
		if err != nil || got != k {
			t.Fatalf("Parse(%s) = %v, %v", s, got, err)
		}
	}
}

func TestFromPartitionKey(t *testing.T) {
	for _, pk := range []string{"123", "", "a", "partitionKey-1", "日本語", string(make([]byte, 256))} {
		sum := md5.Sum([]byte(pk))
		want := new(big.Int).SetBytes(sum[:])
		if got := FromPartitionKey(pk); toBig(got).Cmp(want) != 0 {
			t.Errorf("FromPartitionKey(%q) = %s, want %s", pk, got, want)
		}
	}
	// Known vector: md5("123") = 202cb962ac59075b964b07152d234b70.
	if got := FromPartitionKey("123").String(); got != "42767516990368493138776584305024125808" {
		t.Errorf(`FromPartitionKey("123") = %s`, got)
	}
}

func TestArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		a := Key{r.Uint64() >> r.UintN(64), r.Uint64()}
		b := Key{r.Uint64() >> r.UintN(64), r.Uint64()}
		ba, bb := toBig(a), toBig(b)
		sum, over := a.Add(b)
		want := new(big.Int).Add(ba, bb)
		if over != (want.Cmp(two128) >= 0) || toBig(sum).Cmp(want.Mod(want, two128)) != 0 {
			t.Fatalf("%v+%v = %v,%v", a, b, sum, over)
		}
		diff, borrow := a.Sub(b)
		want = new(big.Int).Sub(ba, bb)
		if borrow != (want.Sign() < 0) || toBig(diff).Cmp(want.Mod(want, two128)) != 0 {
			t.Fatalf("%v-%v = %v,%v", a, b, diff, borrow)
		}
		want = new(big.Int).Add(ba, bb)
		if m := Mid(a, b); toBig(m).Cmp(want.Rsh(want, 1)) != 0 {
			t.Fatalf("Mid(%v,%v) = %v", a, b, m)
		}
		if got := a.Cmp(b); got != ba.Cmp(bb) {
			t.Fatalf("Cmp(%v,%v) = %d", a, b, got)
		}
	}
	if m := Mid(Max(), Max()); m != Max() {
		t.Errorf("Mid(Max, Max) = %v", m)
	}
}

func TestEvenSplitExamples(t *testing.T) {
	max := "340282366920938463463374607431768211455"
	for _, tc := range []struct {
		n    int
		want [][2]string
	}{
		{1, [][2]string{{"0", max}}},
		{2, [][2]string{{"0", "170141183460469231731687303715884105727"},
			{"170141183460469231731687303715884105728", max}}},
		// aws kinesis describe-stream example (3 shards).
		{3, [][2]string{{"0", "113427455640312821154458202477256070484"},
			{"113427455640312821154458202477256070485", "226854911280625642308916404954512140969"},
			{"226854911280625642308916404954512140970", max}}},
	} {
		got := EvenSplit(tc.n)
		if len(got) != len(tc.want) {
			t.Fatalf("EvenSplit(%d): %d ranges", tc.n, len(got))
		}
		for i, r := range got {
			if r.Start.String() != tc.want[i][0] || r.End.String() != tc.want[i][1] {
				t.Errorf("EvenSplit(%d)[%d] = %s..%s, want %s..%s", tc.n, i, r.Start, r.End, tc.want[i][0], tc.want[i][1])
			}
		}
	}
	if EvenSplit(0) != nil || EvenSplit(-1) != nil {
		t.Error("EvenSplit(n<1) != nil")
	}
}

func TestEvenSplitCoverage(t *testing.T) {
	one := big.NewInt(1)
	for n := 1; n <= 1000; n++ {
		rs := EvenSplit(n)
		if len(rs) != n {
			t.Fatalf("n=%d: %d ranges", n, len(rs))
		}
		step := new(big.Int).Quo(two128, big.NewInt(int64(n)))
		for i, r := range rs {
			wantStart := new(big.Int).Mul(step, big.NewInt(int64(i)))
			if toBig(r.Start).Cmp(wantStart) != 0 {
				t.Fatalf("n=%d shard %d: start %s, want %s", n, i, r.Start, wantStart)
			}
			if r.Start.Cmp(r.End) > 0 {
				t.Fatalf("n=%d shard %d: empty range", n, i)
			}
			if i+1 < n {
				end := new(big.Int).Add(toBig(r.End), one)
				if end.Cmp(toBig(rs[i+1].Start)) != 0 {
					t.Fatalf("n=%d shard %d: gap or overlap before next", n, i)
				}
			}
		}
		if rs[0].Start != (Key{}) || rs[n-1].End != Max() {
			t.Fatalf("n=%d: does not cover 0..2^128-1", n)
		}
	}
}

func TestRangeContains(t *testing.T) {
	r := Range{Start: Key{Lo: 10}, End: Key{Hi: 1}}
	for _, tc := range []struct {
		k    Key
		want bool
	}{
		{Key{Lo: 9}, false}, {Key{Lo: 10}, true}, {Key{Lo: ^uint64(0)}, true}, {Key{Hi: 1}, true}, {Key{Hi: 1, Lo: 1}, false},
	} {
		if got := r.Contains(tc.k); got != tc.want {
			t.Errorf("Contains(%v) = %v", tc.k, got)
		}
	}
	// Every partition key lands in exactly one shard of an even split.
	rs := EvenSplit(7)
	for i := range 1000 {
		k := FromPartitionKey(string(rune('a'+i%26)) + big.NewInt(int64(i)).String())
		hits := 0
		for _, r := range rs {
			if r.Contains(k) {
				hits++
			}
		}
		if hits != 1 {
			t.Fatalf("key %v in %d ranges", k, hits)
		}
	}
}

func BenchmarkAppendDecimal(b *testing.B) {
	k := Max()
	buf := make([]byte, 0, MaxDigits)
	b.ReportAllocs()
	for b.Loop() {
		buf = k.AppendDecimal(buf[:0])
	}
}

func BenchmarkParse(b *testing.B) {
	s := "340282366920938463463374607431768211455"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromPartitionKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = FromPartitionKey("partitionKey-000123")
	}
}
