package seqnum

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// awsExamples are real sequence numbers with their known fields
// (reference/kinesis-api.md §4).
var awsExamples = []struct {
	s string
	p Parts
}{
	{"49546986683135544286507457935754639466300920667981217794",
		Parts{ShardCreateTime: 1421279230, ShardIndex: 0, SeqIndex: 0, RecordTime: 1421279230}},
	{"49546986683135544286507457936321625675700192471156785154",
		Parts{ShardCreateTime: 1421279230, ShardIndex: 0, SeqIndex: 469, RecordTime: 1421279386}},
	{"49570889523503059275381512478863820069782211031140925442", // 2017-04-07T17:50:54Z
		Parts{ShardCreateTime: 1488269257, ShardIndex: 0, SeqIndex: 663152097, RecordTime: 1491587454}},
}

func TestAWSExamples(t *testing.T) {
	for _, ex := range awsExamples {
		got, err := Parse(ex.s)
		if err != nil {
			t.Fatalf("Parse(%s): %v", ex.s, err)
		}
		if got != ex.p {
			t.Errorf("Parse(%s) = %+v, want %+v", ex.s, got, ex.p)
		}
		if s := ex.p.String(); s != ex.s {
			t.Errorf("%+v.String() = %s, want %s", ex.p, s, ex.s)
		}
	}
}

// bigEncode is an independent encoder built with math/big.
func bigEncode(p Parts) string {
	h := fmt.Sprintf("2%09x%x%016x%02x%09x%08x2",
		p.ShardCreateTime, p.ShardIndex&0xF, p.SeqIndex, p.Byte1, p.RecordTime, p.ShardIndex)
	n, _ := new(big.Int).SetString(h, 16)
	return n.String()
}

func randomParts(r *rand.Rand) Parts {
	return Parts{
		ShardCreateTime: r.Int64N(MaxTime + 1),
		ShardIndex:      r.Uint32(),
		SeqIndex:        r.Uint64(),
		Byte1:           uint8(r.Uint32()),
		RecordTime:      r.Int64N(MaxTime + 1),
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		p := randomParts(r)
		s := p.String()
		if want := bigEncode(p); s != want {
			t.Fatalf("%+v: got %s, math/big says %s", p, s, want)
		}
		if len(s) != Digits {
			t.Fatalf("%+v: %d digits", p, len(s))
		}
		got, err := Parse(s)
		if err != nil || got != p {
			t.Fatalf("Parse(%s) = %+v, %v; want %+v", s, got, err, p)
		}
	}
}

func TestEdgeValues(t *testing.T) {
	for _, p := range []Parts{
		{},
		{ShardCreateTime: MaxTime, ShardIndex: ^uint32(0), SeqIndex: ^uint64(0), Byte1: 0xFF, RecordTime: MaxTime},
		{ShardCreateTime: MaxTime, RecordTime: 0, ShardIndex: 15},
		{SeqIndex: ^uint64(0)},
		{ShardIndex: ^uint32(0)},
		{RecordTime: MaxTime},
	} {
		s := p.String()
		if want := bigEncode(p); s != want {
			t.Errorf("%+v: got %s, want %s", p, s, want)
		}
		got, err := Parse(s)
		if err != nil || got != p {
			t.Errorf("Parse(%s) = %+v, %v; want %+v", s, got, err, p)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []Parts{
		{ShardCreateTime: -1}, {ShardCreateTime: MaxTime + 1},
		{RecordTime: -1}, {RecordTime: MaxTime + 1},
	} {
		if p.Validate() == nil {
			t.Errorf("%+v: Validate accepted", p)
		}
	}
	if err := (Parts{ShardCreateTime: MaxTime, RecordTime: MaxTime}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestIncreasingSeqIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		p := randomParts(r)
		q := p
		q.SeqIndex = p.SeqIndex + 1 + r.Uint64N(^uint64(0)-p.SeqIndex|1)
		if q.SeqIndex <= p.SeqIndex {
			continue // wrapped
		}
		q.RecordTime = r.Int64N(MaxTime + 1) // record time need not grow
		q.Byte1 = uint8(r.Uint32())
		if Compare(p.String(), q.String()) != -1 || Compare(q.String(), p.String()) != 1 {
			t.Fatalf("%+v !< %+v", p, q)
		}
	}
	prev := ""
	for i := range uint64(1000) {
		s := Parts{ShardCreateTime: 1421279230, SeqIndex: i, RecordTime: 1421279230 + int64(i%7)}.String()
		if prev != "" && Compare(prev, s) >= 0 {
			t.Fatalf("seq %d: %s not after %s", i, s, prev)
		}
		prev = s
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"0", "0", 0}, {"9", "10", -1}, {"10", "9", 1}, {"123", "124", -1}, {"124", "124", 0},
		{awsExamples[0].s, awsExamples[1].s, -1}, {awsExamples[2].s, awsExamples[1].s, 1},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	valid := awsExamples[0].s
	// flip returns valid with its numeric value changed by delta (math/big).
	shift := func(delta int64) string {
		n, _ := new(big.Int).SetString(valid, 10)
		return n.Add(n, big.NewInt(delta)).String()
	}
	withHex := func(h string) string {
		n, _ := new(big.Int).SetString(h, 16)
		return n.String()
	}
	for name, s := range map[string]string{
		"empty":           "",
		"letter":          valid[:10] + "x" + valid[11:],
		"sign":            "+" + valid[1:],
		"space":           " " + valid[1:],
		"leading zero":    "0" + valid[1:],
		"zero":            "0",
		"short":           valid[:55],
		"long":            valid + "0",
		"version 3":       shift(1),
		"version 0":       shift(-2),
		"lead nibble 1":   withHex("1" + strings.Repeat("0", 45) + "2"),
		"lead nibble 3":   withHex("3" + strings.Repeat("0", 45) + "2"),
		"nibble mismatch": withHex("2054b6fffe1000000000000000000054b6fffe000000002"),
		"nibble vs shard": withHex("2054b6fffe0000000000000000000054b6fffe000000012"),
		"unicode digit":   valid[:55] + "٣",
	} {
		_, err := Parse(s)
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Parse(%q) err = %v, want *ParseError wrapping ErrInvalid", name, s, err)
		}
	}
}

func BenchmarkAppendDecimal(b *testing.B) {
	p := awsExamples[2].p
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(Digits)
	for b.Loop() {
		buf = p.AppendDecimal(buf[:0])
	}
}

func BenchmarkParse(b *testing.B) {
	s := awsExamples[2].s
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

// appendDecimal agrees with math/big on arbitrary 192-bit values, small
// ones (whose zero words it skips) and the extremes included.
func TestAppendDecimalMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	values := []u192{{}, {1}, {9}, {10}, {chunk - 1}, {chunk}, {chunk + 1}, {0, 1}, {0, 0, 1}, {^uint64(0), ^uint64(0), ^uint64(0)}}
	for range 20000 {
		var w u192
		for i := range w {
			if r.IntN(3) > 0 {
				w[i] = r.Uint64() >> r.UintN(64)
			}
		}
		values = append(values, w)
	}
	for _, w := range values {
		n := new(big.Int).SetUint64(w[2])
		n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(w[1]))
		n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(w[0]))
		if got, want := string(w.appendDecimal(nil)), n.String(); got != want {
			t.Fatalf("appendDecimal(%x) = %s, want %s", w, got, want)
		}
	}
}
