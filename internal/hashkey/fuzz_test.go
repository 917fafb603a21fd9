package hashkey

import (
	"errors"
	"math/big"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "1", "340282366920938463463374607431768211455",
		"340282366920938463463374607431768211456", "007", "-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("Parse(%q): untyped error %v", s, err)
			}
			if errors.Is(err, ErrOutOfRange) {
				if b, ok := new(big.Int).SetString(s, 10); !ok || b.Cmp(two128) < 0 {
					t.Fatalf("Parse(%q): out of range but value is %v", s, b)
				}
			}
			return
		}
		if got := k.String(); got != s {
			t.Fatalf("Parse(%q) re-encodes to %q", s, got)
		}
	})
}
