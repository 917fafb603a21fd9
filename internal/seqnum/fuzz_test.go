package seqnum

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, ex := range awsExamples {
		f.Add(ex.s)
	}
	f.Add("")
	f.Add("0")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if got := p.String(); got != s {
			t.Fatalf("Parse(%q) = %+v, which encodes to %q", s, p, got)
		}
	})
}
