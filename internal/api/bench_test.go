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
	var sb strings.Builder
	sb.WriteString(`{"StreamName":"s","Records":[`)
	data := base64.StdEncoding.EncodeToString(make([]byte, 100))
	for i := range 500 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Data":"%s","PartitionKey":"pk-%d"}`, data, i)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(h, call{target: "PutRecords", body: body}); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
