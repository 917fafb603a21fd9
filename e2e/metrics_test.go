package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// httpGet fetches url and returns the status and body.
func httpGet(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(body)
}

// scrapeMetrics GETs base/metrics and returns each sample by its series as
// written (name{label="value",...}).
func scrapeMetrics(t *testing.T, base string) map[string]float64 {
	t.Helper()
	code, body := httpGet(t, http.MethodGet, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET %s/metrics: %d %s", base, code, body)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

func streamSample(name, stream string) string {
	return name + `{account="` + testAccount + `",stream="` + stream + `"}`
}

func shardSample(name, stream, shard string) string {
	return name + `{account="` + testAccount + `",shard="` + shard + `",stream="` + stream + `"}`
}

func wantSamples(t *testing.T, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s missing from /metrics", k)
		} else if g != v {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
}

// waitReady polls /readyz until it answers 200 "ok" (recovery runs in the
// background on start).
func waitReady(t *testing.T, base string) {
	t.Helper()
	poll(t, 10*time.Second, base+"/readyz", func() (bool, string) {
		code, body := httpGet(t, http.MethodGet, base+"/readyz")
		return code == http.StatusOK && body == "ok", strconv.Itoa(code) + " " + body
	})
}

// isAWSForbidden reports an answer of the Kinesis handler to a GET: AWS's
// 403 AccessDeniedException in XML.
func isAWSForbidden(code int, body string) bool {
	return code == http.StatusForbidden && strings.Contains(body, "<AccessDeniedException>")
}

func TestMetricsCountPutsAndGets(t *testing.T) {
	s := startFastServer(t)
	c := s.client()
	createStream(t, c, "metered", 2)
	createStream(t, c, "quiet", 1)

	// Explicit hash keys: 3 records in the first shard, 2 in the last.
	entries := []types.PutRecordsRequestEntry{}
	for range 3 {
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte("abcd"), PartitionKey: aws.String("pk"), ExplicitHashKey: aws.String("0")})
	}
	for range 2 {
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte("hello!"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("340282366920938463463374607431768211455")})
	}
	out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("metered"), Records: entries})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords: %v %v", out, err)
	}
	if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("metered"), Data: []byte("z"), PartitionKey: aws.String("p"), ExplicitHashKey: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("metered"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(2)})
	if err != nil || len(got.Records) != 2 {
		t.Fatalf("GetRecords: %v %v", got, err)
	}

	m := scrapeMetrics(t, s.Endpoint)
	wantSamples(t, m, map[string]float64{
		// 3×(4+2) + 2×(6+1) + (1+1) bytes.
		streamSample("kinesis_incoming_records_total", "metered"):                      6,
		streamSample("kinesis_incoming_bytes_total", "metered"):                        34,
		streamSample("kinesis_outgoing_records_total", "metered"):                      2,
		streamSample("kinesis_outgoing_bytes_total", "metered"):                        12,
		streamSample("kinesis_write_provisioned_throughput_exceeded_total", "metered"): 0,
		streamSample("kinesis_read_provisioned_throughput_exceeded_total", "metered"):  0,
		streamSample("kinesis_subscribetoshardevent_success_total", "metered"):         0,
		streamSample("kinesis_incoming_records_total", "quiet"):                        0,
		`runnel_request_duration_seconds_count{operation="PutRecords"}`:                1,
		`runnel_request_duration_seconds_count{operation="PutRecord"}`:                 1,
		`runnel_request_duration_seconds_count{operation="GetRecords"}`:                1,
		`runnel_request_duration_seconds_count{operation="CreateStream"}`:              2,
	})
	if _, ok := m[streamSample("kinesis_getrecords_iterator_age_milliseconds", "metered")]; !ok {
		t.Error("kinesis_getrecords_iterator_age_milliseconds missing")
	}
	for k := range m {
		if strings.HasPrefix(k, "kinesis_shard_") {
			t.Errorf("%s exported without enhanced monitoring", k)
		}
	}
	if m["runnel_log_fsync_duration_seconds_count"] < 1 || m["runnel_log_group_commit_shards_count"] < 1 {
		t.Errorf("no group-commit round observed: fsync count %v, batch count %v", m["runnel_log_fsync_duration_seconds_count"], m["runnel_log_group_commit_shards_count"])
	}
	if m["runnel_log_segments"] < 2 || m["runnel_disk_bytes"] <= 0 {
		t.Errorf("runnel_log_segments = %v, runnel_disk_bytes = %v; want ≥ 2 segments (two shards written) and some bytes", m["runnel_log_segments"], m["runnel_disk_bytes"])
	}
	if _, ok := m["runnel_log_open_segment_files"]; !ok {
		t.Error("runnel_log_open_segment_files missing")
	}

	if _, err := c.EnableEnhancedMonitoring(ctx(t), &kinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("metered"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}}); err != nil {
		t.Fatal(err)
	}
	m = scrapeMetrics(t, s.Endpoint)
	wantSamples(t, m, map[string]float64{
		shardSample("kinesis_shard_incoming_bytes_total", "metered", "shardId-000000000000"): 20,
		shardSample("kinesis_shard_incoming_bytes_total", "metered", "shardId-000000000001"): 14,
	})
	for k := range m {
		if strings.HasPrefix(k, "kinesis_shard_") && !strings.HasPrefix(k, "kinesis_shard_incoming_bytes_total{") {
			t.Errorf("%s exported; only IncomingBytes is enabled", k)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s := startFastServer(t)
	if code, body := httpGet(t, http.MethodGet, s.Endpoint+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", code, body)
	}
	waitReady(t, s.Endpoint)
	// The Kinesis API keeps AWS's answers: POST is the API, other GETs are
	// refused as AWS refuses them.
	if code, body := httpGet(t, http.MethodPost, s.Endpoint+"/metrics"); strings.Contains(body, "kinesis_") || code == http.StatusOK {
		t.Errorf("POST /metrics = %d %q; want the Kinesis handler's answer", code, body)
	}
	if code, body := httpGet(t, http.MethodGet, s.Endpoint+"/"); !isAWSForbidden(code, body) {
		t.Errorf("GET / = %d %q; want AWS's 403 AccessDeniedException", code, body)
	}
	if code, body := httpGet(t, http.MethodGet, s.Endpoint+"/debug/pprof/"); !isAWSForbidden(code, body) {
		t.Errorf("GET /debug/pprof/ without --pprof = %d %q; want AWS's 403", code, body)
	}
	createStream(t, s.client(), "s", 1) // the API still works beside them
}

func TestPprofOnlyWhenAsked(t *testing.T) {
	s := startFastServer(t, "--pprof")
	code, body := httpGet(t, http.MethodGet, s.Endpoint+"/debug/pprof/")
	if code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("GET /debug/pprof/ with --pprof = %d %.200q; want the pprof index", code, body)
	}
	if code, _ := httpGet(t, http.MethodGet, s.Endpoint+"/debug/pprof/goroutine?debug=1"); code != http.StatusOK {
		t.Errorf("GET /debug/pprof/goroutine = %d, want 200", code)
	}
}

var metricsAddrLine = regexp.MustCompile(`msg="metrics listening".*\bmetrics_addr="?([^"\s]+)"?`)

func TestMetricsListenSeparatesThem(t *testing.T) {
	s := startFastServer(t, "--metrics-listen", "127.0.0.1:0", "--pprof")
	found := metricsAddrLine.FindStringSubmatch(s.Output())
	if found == nil {
		t.Fatalf("no metrics_addr logged:\n%s", s.Output())
	}
	metricsBase := "http://" + found[1]
	createStream(t, s.client(), "s", 1)
	if _, err := s.client().PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("s"), Data: []byte("abc"), PartitionKey: aws.String("p")}); err != nil {
		t.Fatal(err)
	}

	wantSamples(t, scrapeMetrics(t, metricsBase), map[string]float64{
		streamSample("kinesis_incoming_records_total", "s"): 1,
		streamSample("kinesis_incoming_bytes_total", "s"):   4,
	})
	if code, body := httpGet(t, http.MethodGet, metricsBase+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("GET /healthz = %d %q", code, body)
	}
	waitReady(t, metricsBase)
	if code, _ := httpGet(t, http.MethodGet, metricsBase+"/debug/pprof/"); code != http.StatusOK {
		t.Errorf("GET /debug/pprof/ on the metrics listener = %d, want 200", code)
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/debug/pprof/"} {
		if code, body := httpGet(t, http.MethodGet, s.Endpoint+path); !isAWSForbidden(code, body) {
			t.Errorf("GET %s on the API listener = %d %.100q; want AWS's 403", path, code, body)
		}
	}
	if code, _ := httpGet(t, http.MethodPost, metricsBase+"/metrics"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics on the metrics listener = %d, want 405", code)
	}
	s.Stop()
}
