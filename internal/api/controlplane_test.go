package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

const cpStreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"

// mustOK does the call and requires a 200, returning the body.
func mustOK(t *testing.T, h http.Handler, target, body string) string {
	t.Helper()
	rec := do(h, call{target: target, body: body})
	if rec.Code != http.StatusOK {
		t.Fatalf("%s %s: %d %s", target, body, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func wantError(t *testing.T, h http.Handler, target, body, typ, msgPrefix string) {
	t.Helper()
	rec := do(h, call{target: target, body: body})
	gotType, gotMsg := errorOf(t, rec)
	if rec.Code != http.StatusBadRequest || gotType != typ || !strings.HasPrefix(gotMsg, msgPrefix) {
		t.Fatalf("%s %s: %d %s %q; want 400 %s %q…", target, body, rec.Code, gotType, gotMsg, typ, msgPrefix)
	}
}

func TestEnhancedMonitoringWireShapes(t *testing.T) {
	h := newHandler(t)
	mustOK(t, h, "CreateStream", `{"StreamName":"s","ShardCount":1}`)
	got := mustOK(t, h, "EnableEnhancedMonitoring", `{"StreamName":"s","ShardLevelMetrics":["OutgoingBytes","IncomingBytes"]}`)
	want := `{"StreamName":"s","CurrentShardLevelMetrics":[],"DesiredShardLevelMetrics":["IncomingBytes","OutgoingBytes"],"StreamARN":"` + cpStreamARN + `"}`
	if got != want {
		t.Fatalf("EnableEnhancedMonitoring body\n got %s\nwant %s", got, want)
	}
	for _, op := range []string{"DescribeStream", "DescribeStreamSummary"} {
		if body := mustOK(t, h, op, `{"StreamName":"s"}`); !strings.Contains(body, `"EnhancedMonitoring":[{"ShardLevelMetrics":["IncomingBytes","OutgoingBytes"]}]`) {
			t.Fatalf("%s does not report the metrics: %s", op, body)
		}
	}
	got = mustOK(t, h, "DisableEnhancedMonitoring", `{"StreamARN":"`+cpStreamARN+`","ShardLevelMetrics":["ALL"]}`)
	if !strings.Contains(got, `"CurrentShardLevelMetrics":["IncomingBytes","OutgoingBytes"],"DesiredShardLevelMetrics":[]`) {
		t.Fatalf("DisableEnhancedMonitoring body %s", got)
	}
	wantError(t, h, "EnableEnhancedMonitoring", `{"StreamName":"s","ShardLevelMetrics":["Bogus"]}`, "ValidationException", "1 validation error detected: Value '[Bogus]' at 'shardLevelMetrics'")
	wantError(t, h, "EnableEnhancedMonitoring", `{"StreamName":"s"}`, "ValidationException", "1 validation error detected")
	wantError(t, h, "EnableEnhancedMonitoring", `{"StreamName":"x","ShardLevelMetrics":["ALL"]}`, "ResourceNotFoundException", "Stream x under account 000000000000 not found.")
}

func TestResourcePolicyWireShapes(t *testing.T) {
	h := newHandler(t)
	mustOK(t, h, "CreateStream", `{"StreamName":"s","ShardCount":1}`)
	if got := mustOK(t, h, "GetResourcePolicy", `{"ResourceARN":"`+cpStreamARN+`"}`); got != `{"Policy":"{}"}` {
		t.Fatalf("GetResourcePolicy without a policy: %s", got)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kinesis:GetRecords","Resource":"` + cpStreamARN + `"}]}`
	quoted, _ := json.Marshal(policy)
	rec := do(h, call{target: "PutResourcePolicy", body: `{"ResourceARN":"` + cpStreamARN + `","Policy":` + string(quoted) + `}`})
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("PutResourcePolicy: %d %q", rec.Code, rec.Body)
	}
	if got := mustOK(t, h, "GetResourcePolicy", `{"ResourceARN":"`+cpStreamARN+`"}`); got != `{"Policy":`+string(quoted)+`}` {
		t.Fatalf("GetResourcePolicy: %s", got)
	}
	wantError(t, h, "PutResourcePolicy", `{"ResourceARN":"`+cpStreamARN+`","Policy":"not json"}`, "InvalidArgumentException", "Syntax errors in policy.")
	wantError(t, h, "PutResourcePolicy", `{"ResourceARN":"`+cpStreamARN+`"}`, "ValidationException", "1 validation error detected")
	wantError(t, h, "GetResourcePolicy", `{"ResourceARN":"not-an-arn"}`, "ValidationException", "1 validation error detected")
	if rec := do(h, call{target: "DeleteResourcePolicy", body: `{"ResourceARN":"` + cpStreamARN + `"}`}); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("DeleteResourcePolicy: %d %q", rec.Code, rec.Body)
	}
	wantError(t, h, "DeleteResourcePolicy", `{"ResourceARN":"`+cpStreamARN+`"}`, "ResourceNotFoundException", "No resource policy found for resource ARN "+cpStreamARN+".")
}

func TestAccountSettingsAndWarmThroughputWireShapes(t *testing.T) {
	h := newHandler(t)
	if got := mustOK(t, h, "DescribeAccountSettings", `{}`); got != `{"MinimumThroughputBillingCommitment":{"Status":"DISABLED"}}` {
		t.Fatalf("DescribeAccountSettings: %s", got)
	}
	mustOK(t, h, "CreateStream", `{"StreamName":"od","StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`)
	if body := mustOK(t, h, "DescribeStreamSummary", `{"StreamName":"od"}`); strings.Contains(body, "WarmThroughput") {
		t.Fatalf("WarmThroughput reported without a commitment: %s", body)
	}
	wantError(t, h, "UpdateStreamWarmThroughput", `{"StreamName":"od","WarmThroughputMiBps":100}`, "ValidationException", "WarmThroughputMiBps requires")
	wantError(t, h, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{"Status":"PAUSED"}}`, "ValidationException", "1 validation error detected")

	got := mustOK(t, h, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{"Status":"ENABLED"}}`)
	if !regexp.MustCompile(`^\{"MinimumThroughputBillingCommitment":\{"Status":"ENABLED","StartedAt":\d+(\.\d+)?,"EarliestAllowedEndAt":\d+(\.\d+)?\}\}$`).MatchString(got) {
		t.Fatalf("UpdateAccountSettings: %s", got)
	}
	got = mustOK(t, h, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{"Status":"DISABLED"}}`)
	if !strings.Contains(got, `"Status":"ENABLED_UNTIL_EARLIEST_ALLOWED_END"`) {
		t.Fatalf("early disable: %s", got)
	}
	got = mustOK(t, h, "UpdateStreamWarmThroughput", `{"StreamName":"od","WarmThroughputMiBps":100}`)
	if want := `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/od","StreamName":"od","WarmThroughput":{"TargetMiBps":100,"CurrentMiBps":0}}`; got != want {
		t.Fatalf("UpdateStreamWarmThroughput\n got %s\nwant %s", got, want)
	}
	if body := mustOK(t, h, "DescribeStreamSummary", `{"StreamName":"od"}`); !strings.Contains(body, `"WarmThroughput":{"TargetMiBps":100,"CurrentMiBps":100}`) {
		t.Fatalf("DescribeStreamSummary: %s", body)
	}
	wantError(t, h, "UpdateStreamWarmThroughput", `{"StreamName":"od","WarmThroughputMiBps":20000}`, "LimitExceededException", "Requested warm throughput of 20000 MiBps")
}

func TestMaxRecordSizeWireShapes(t *testing.T) {
	h := newHandler(t)
	mustOK(t, h, "CreateStream", `{"StreamName":"s","ShardCount":1}`)
	if body := mustOK(t, h, "DescribeStreamSummary", `{"StreamName":"s"}`); !strings.Contains(body, `"MaxRecordSizeInKiB":1024`) {
		t.Fatalf("default: %s", body)
	}
	data := base64.StdEncoding.EncodeToString(make([]byte, 1<<20))
	wantError(t, h, "PutRecord", `{"StreamName":"s","PartitionKey":"k","Data":"`+data+`"}`, "ValidationException",
		"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048576 cap=1048576]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576")
	wantError(t, h, "PutRecords", `{"StreamName":"s","Records":[{"PartitionKey":"k","Data":"AA=="},{"PartitionKey":"k","Data":"`+data+`"}]}`, "ValidationException",
		"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048576 cap=1048576]' at 'records.2.member.data' failed")
	wantError(t, h, "UpdateMaxRecordSize", `{"StreamARN":"`+cpStreamARN+`","MaxRecordSizeInKiB":512}`, "ValidationException", "1 validation error detected")
	if rec := do(h, call{target: "UpdateMaxRecordSize", body: `{"StreamARN":"` + cpStreamARN + `","MaxRecordSizeInKiB":2048}`}); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("UpdateMaxRecordSize: %d %q", rec.Code, rec.Body)
	}
	if body := mustOK(t, h, "DescribeStreamSummary", `{"StreamName":"s"}`); !strings.Contains(body, `"MaxRecordSizeInKiB":2048`) {
		t.Fatalf("after update: %s", body)
	}
	mustOK(t, h, "PutRecord", `{"StreamName":"s","PartitionKey":"k","Data":"`+data+`"}`)
	mustOK(t, h, "CreateStream", `{"StreamName":"big","ShardCount":1,"MaxRecordSizeInKiB":10240}`)
	if body := mustOK(t, h, "DescribeStreamSummary", `{"StreamName":"big"}`); !strings.Contains(body, `"MaxRecordSizeInKiB":10240`) {
		t.Fatalf("created with 10240: %s", body)
	}
}
