package api_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func BenchmarkPutRecords500(b *testing.B) {
	h := newHandler(b)
	do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":4}`})
	body := putRecordsBody(500)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(h, call{target: "PutRecords", body: body}); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}

// putRecordsBody is a PutRecords request for stream s with n records of
// 100 zero bytes and keys pk-0, pk-1, ...
func putRecordsBody(n int) string {
	var sb strings.Builder
	sb.WriteString(`{"StreamName":"s","Records":[`)
	data := base64.StdEncoding.EncodeToString(make([]byte, 100))
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Data":"%s","PartitionKey":"pk-%d"}`, data, i)
	}
	sb.WriteString(`]}`)
	return sb.String()
}
