package api

import (
	"math/rand/v2"
	"testing"
)

// fuzzSeeds are bodies near the fast path's edges, shared by both targets.
var fuzzSeeds = []string{
	`{"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k"}]}`,
	`{"StreamName":"s","Data":"AAAA","PartitionKey":"k","SequenceNumberForOrdering":"0"}`,
	` { "StreamARN" : "arn:aws:kinesis:us-east-1:123456789012:stream/s" , "StreamId":"abcdefghij0123456789-xyz", "Records" : [ {"PartitionKey":"é😀","ExplicitHashKey":"340282366920938463463374607431768211455","Data":"QUI="} , {"Data":"","PartitionKey":"x"} ] } `,
	`{"StreamName":"s","Records":[{"Data":"AB==","PartitionKey":"k"}]}`,
	`{"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k\u00e9"}]}`,
	`{"StreamName":"s","Records":[null]}`,
	`{"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k","PartitionKey":"k"}]}`,
}

func FuzzFastPutRecords(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	g := bodyGen{r: rand.New(rand.NewPCG(13, 14)), plain: true, small: true}
	for range 8 {
		f.Add(g.putRecords())
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkPutRecords(t, body)
	})
}

func FuzzFastPutRecord(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	g := bodyGen{r: rand.New(rand.NewPCG(15, 16)), plain: true, small: true}
	for range 8 {
		f.Add(g.putRecord())
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkPutRecord(t, body)
	})
}
