package validate

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func BenchmarkCheckPutRecords(b *testing.B) {
	data := base64.StdEncoding.EncodeToString(make([]byte, 100))
	var recs []string
	for i := range 500 {
		recs = append(recs, fmt.Sprintf(`{"Data":%q,"PartitionKey":"pk-%d","ExplicitHashKey":"%d"}`, data, i, i*7919))
	}
	raw := `{"StreamName":"bench-stream","Records":[` + strings.Join(recs, ",") + `]}`
	body := decode(b, raw)
	if serr, v := Check("PutRecords", body); serr != nil || len(v) != 0 {
		b.Fatalf("body not valid: %v %q", serr, v)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Check("PutRecords", body)
	}
}
