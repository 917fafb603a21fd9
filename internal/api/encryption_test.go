package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEncryptionOverTheWire(t *testing.T) {
	h := newHandler(t)
	ok := func(c call) []byte {
		t.Helper()
		rec := do(h, c)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", c.target, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	ok(call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`})
	ok(call{target: "PutRecord", body: `{"StreamName":"s","PartitionKey":"a","Data":"cGxhaW4="}`})
	if body := ok(call{target: "StartStreamEncryption", body: `{"StreamName":"s","EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}`}); len(body) != 0 {
		t.Fatalf("StartStreamEncryption body %q, want empty", body)
	}
	var put struct{ EncryptionType string }
	if err := json.Unmarshal(ok(call{target: "PutRecord", body: `{"StreamName":"s","PartitionKey":"b","Data":"c2VjcmV0"}`}), &put); err != nil || put.EncryptionType != "KMS" {
		t.Fatalf("PutRecord EncryptionType %q (%v), want KMS", put.EncryptionType, err)
	}
	if err := json.Unmarshal(ok(call{target: "PutRecords", body: `{"StreamName":"s","Records":[{"PartitionKey":"c","Data":"c2VjcmV0Mg=="}]}`}), &put); err != nil || put.EncryptionType != "KMS" {
		t.Fatalf("PutRecords EncryptionType %q (%v), want KMS", put.EncryptionType, err)
	}
	var desc struct {
		StreamDescription struct{ EncryptionType, KeyId string }
	}
	if err := json.Unmarshal(ok(call{target: "DescribeStream", body: `{"StreamName":"s"}`}), &desc); err != nil ||
		desc.StreamDescription.EncryptionType != "KMS" || desc.StreamDescription.KeyId != "alias/aws/kinesis" {
		t.Fatalf("DescribeStream %+v (%v)", desc, err)
	}
	ok(call{target: "StopStreamEncryption", body: `{"StreamName":"s","EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}`})
	if err := json.Unmarshal(ok(call{target: "PutRecord", body: `{"StreamName":"s","PartitionKey":"d","Data":"cGxhaW4y"}`}), &put); err != nil || put.EncryptionType != "NONE" {
		t.Fatalf("PutRecord after stop: EncryptionType %q (%v), want NONE", put.EncryptionType, err)
	}
	summary := string(ok(call{target: "DescribeStreamSummary", body: `{"StreamName":"s"}`}))
	if !strings.Contains(summary, `"EncryptionType":"NONE"`) || strings.Contains(summary, "KeyId") {
		t.Fatalf("DescribeStreamSummary after stop: %s", summary)
	}

	var it struct{ ShardIterator string }
	_ = json.Unmarshal(ok(call{target: "GetShardIterator", body: `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`}), &it)
	var got struct {
		Records []map[string]any
	}
	if err := json.Unmarshal(ok(call{target: "GetRecords", body: `{"ShardIterator":"` + it.ShardIterator + `"}`}), &got); err != nil {
		t.Fatal(err)
	}
	want := []struct{ pk, data, enc string }{{"a", "cGxhaW4=", ""}, {"b", "c2VjcmV0", "KMS"}, {"c", "c2VjcmV0Mg==", "KMS"}, {"d", "cGxhaW4y", ""}}
	if len(got.Records) != len(want) {
		t.Fatalf("GetRecords returned %d records: %v", len(got.Records), got.Records)
	}
	for i, w := range want {
		r := got.Records[i]
		enc, has := r["EncryptionType"]
		if r["PartitionKey"] != w.pk || r["Data"] != w.data || (w.enc == "" && has) || (w.enc != "" && enc != w.enc) {
			t.Fatalf("record %d = %v, want %+v", i, r, w)
		}
	}

	errs := []struct{ body, typ, msg string }{
		{`{"StreamName":"s","EncryptionType":"KMS","KeyId":"not-a-key"}`, "KMSNotFoundException", "Invalid keyId not-a-key"},
		{`{"StreamName":"s","EncryptionType":"NONE","KeyId":"alias/aws/kinesis"}`, "InvalidArgumentException", "Invalid EncryptionType NONE used in StartStreamEncryption. The only valid value is KMS."},
		{`{"StreamName":"nope","EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}`, "ResourceNotFoundException", "Stream nope under account 000000000000 not found."},
	}
	for _, e := range errs {
		rec := do(h, call{target: "StartStreamEncryption", body: e.body})
		typ, msg := errorOf(t, rec)
		if rec.Code != 400 || typ != e.typ || msg != e.msg {
			t.Errorf("%s: %d %s %q, want 400 %s %q", e.body, rec.Code, typ, msg, e.typ, e.msg)
		}
	}
}
