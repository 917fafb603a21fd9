package engine

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/runnel-io/runnel/internal/record"
)

func TestWithBoundary(t *testing.T) {
	b := func(pairs ...uint64) []encBoundary {
		var out []encBoundary
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, encBoundary{from: pairs[i], key: uint32(pairs[i+1])})
		}
		return out
	}
	cases := []struct {
		in   []encBoundary
		next uint64
		key  uint32
		want []encBoundary
		desc string
	}{
		{nil, 5, 0, nil, "off stays off"},
		{nil, 5, 1, b(5, 1), "on"},
		{b(5, 1), 9, 1, b(5, 1), "same key: nothing"},
		{b(5, 1), 9, 0, b(5, 1, 9, 0), "off after records"},
		{b(5, 1), 5, 0, nil, "off before any record: boundary dropped"},
		{b(5, 1, 9, 0), 9, 2, b(5, 1, 9, 2), "replace an unused boundary"},
		{b(5, 1, 9, 0), 9, 1, b(5, 1), "back to the previous key"},
	}
	for _, c := range cases {
		in := append([]encBoundary(nil), c.in...)
		got := withBoundary(c.in, c.next, c.key)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.desc, got, c.want)
		}
		if fmt.Sprint(in) != fmt.Sprint(c.in) {
			t.Errorf("%s: input modified", c.desc)
		}
	}
}

func TestSealedRecordsAuthenticate(t *testing.T) {
	master, err := newMasterAEAD(bytes.Repeat([]byte{3}, MasterKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{master: master}
	s := &stream{id: "0123456789abcdef"}
	k1, err := e.newDataKey(s, "alias/aws/kinesis")
	if err != nil {
		t.Fatal(err)
	}
	s.enc = streamEncryption{kmsKeyID: "alias/aws/kinesis", current: k1.id, keys: map[uint32]*dataKey{k1.id: k1}}
	sh := &shard{index: 2, enc: []encBoundary{{from: 3, key: k1.id}}}
	groups := []groupedPut{{shard: sh, recs: []record.Record{{PartitionKey: "pk", Data: []byte("secret payload")}}}}
	if !s.sealGroupsLocked(groups) {
		t.Fatal("not sealed")
	}
	sealed := groups[0].recs[0]
	if sealed.PartitionKey != "" || bytes.Contains(sealed.Data, []byte("secret")) || len(sealed.Data) != sealedOverhead+len("pk")+len("secret payload") {
		t.Fatalf("sealed record %q / %x", sealed.PartitionKey, sealed.Data)
	}
	read := func(shardIndex uint32, index uint64, data []byte) ([]record.Record, []bool, error) {
		recs := []record.Record{{Index: 1, PartitionKey: "plain", Data: []byte("x")}, {Index: index, Data: data}}
		o := s.recordOpenerLocked(&shard{index: shardIndex, enc: sh.enc})
		flags, err := o.open(recs)
		return recs, flags, err
	}
	recs, flags, err := read(2, 3, sealed.Data)
	if err != nil || recs[1].PartitionKey != "pk" || string(recs[1].Data) != "secret payload" || fmt.Sprint(flags) != "[false true]" || string(recs[0].Data) != "x" {
		t.Fatalf("open: %v %+v %v", err, recs, flags)
	}
	tampered := bytes.Clone(sealed.Data)
	tampered[len(tampered)-1] ^= 1
	for name, try := range map[string]func() error{
		"tampered":    func() error { _, _, err := read(2, 3, tampered); return err },
		"other shard": func() error { _, _, err := read(1, 3, sealed.Data); return err },
		"truncated":   func() error { _, _, err := read(2, 3, sealed.Data[:10]); return err },
		"plaintext":   func() error { _, _, err := read(2, 3, []byte("secret payload but stored plain")); return err },
	} {
		if err := try(); !errors.Is(err, errSealed) {
			t.Errorf("%s: err = %v, want a decryption failure", name, err)
		}
	}
	// The wrapped key opens only with the same master key and stream.
	if _, err := e.unwrapDataKey(s.id, k1.id, k1.kmsKeyID, k1.wrapped); err != nil {
		t.Fatal(err)
	}
	if _, err := e.unwrapDataKey("fedcba9876543210", k1.id, k1.kmsKeyID, k1.wrapped); err == nil {
		t.Fatal("data key unwrapped for another stream")
	}
	other, _ := newMasterAEAD(bytes.Repeat([]byte{4}, MasterKeyBytes))
	if _, err := (&Engine{master: other}).unwrapDataKey(s.id, k1.id, k1.kmsKeyID, k1.wrapped); err == nil {
		t.Fatal("data key unwrapped with another master key")
	}
}
