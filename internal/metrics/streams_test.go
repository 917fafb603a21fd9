package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
	"github.com/runnel-io/runnel/internal/metrics"
)

const account = "000000000000"

var ctx = context.Background()

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// rig is an engine with in-memory stores reporting to a fresh registry.
type rig struct {
	reg   *prometheus.Registry
	e     *engine.Engine
	clock *clock
}

func newRig(t *testing.T, cfg engine.Config) *rig {
	t.Helper()
	r := &rig{reg: prometheus.NewRegistry(), clock: &clock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}}
	streams, err := metrics.NewStreams(r.reg)
	if err != nil {
		t.Fatal(err)
	}
	acct := streams.Account(account)
	cfg.Region, cfg.AccountID, cfg.Key, cfg.Observer = "us-east-1", account, bytes.Repeat([]byte{7}, 32), acct
	if cfg.Now == nil {
		cfg.Now = r.clock.Now
	}
	if r.e, err = engine.New(cfg, logstore.NewMemory(), metastore.NewMemory()); err != nil {
		t.Fatal(err)
	}
	acct.Watch(r.e)
	return r
}

func (r *rig) create(t *testing.T, name string, shards int) {
	t.Helper()
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: name, ShardCount: &shards}); err != nil {
		t.Fatal(err)
	}
}

// Hash keys that land in the first and the last shard of a stream.
const (
	firstShardKey = "0"
	lastShardKey  = "340282366920938463463374607431768211455"
)

// put writes n records of data with partition key pk to the shard that
// hashKey selects, in one PutRecords call, and requires every one to
// succeed.
func (r *rig) put(t *testing.T, stream, hashKey, pk, data string, n int) {
	t.Helper()
	entries := make([]engine.PutEntry, n)
	for i := range entries {
		entries[i] = engine.PutEntry{PartitionKey: pk, ExplicitHashKey: hashKey, Data: []byte(data)}
	}
	res, err := r.e.PutRecords(ctx, engine.StreamRef{Name: stream}, entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.ErrorCode != "" {
			t.Fatalf("put: %s %s", x.ErrorCode, x.ErrorMessage)
		}
	}
}

// scrape gathers the registry into "name{label=value,...}" -> value.
func scrape(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			out[series(f.GetName(), m)] = value(f, m)
		}
	}
	return out
}

func series(name string, m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(labels)
	return name + "{" + strings.Join(labels, ",") + "}"
}

func value(f *dto.MetricFamily, m *dto.Metric) float64 {
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	}
	return -1
}

func streamSeries(name, stream string) string {
	return name + "{account=" + account + ",stream=" + stream + "}"
}

func shardSeries(name, stream string, shard int) string {
	return fmt.Sprintf("%s{account=%s,shard=shardId-%012d,stream=%s}", name, account, shard, stream)
}

// want checks exact values and that every series with a prefix in absent
// is missing.
func want(t *testing.T, got map[string]float64, values map[string]float64) {
	t.Helper()
	for k, v := range values {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s missing", k)
		case g != v:
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
}

func wantNoShardSeries(t *testing.T, got map[string]float64, stream string) {
	t.Helper()
	for k := range got {
		if strings.HasPrefix(k, "kinesis_shard_") && strings.Contains(k, "stream="+stream+"}") {
			t.Errorf("%s present; want no shard-level series for %s", k, stream)
		}
	}
}

func TestStreamMetricsCountPutsAndGets(t *testing.T) {
	r := newRig(t, engine.Config{})
	r.create(t, "s", 2)
	r.create(t, "idle", 1)
	r.put(t, "s", firstShardKey, "p", "abc", 3)    // 3 records of 1+3 bytes
	r.put(t, "s", lastShardKey, "key", "hello", 2) // 2 records of 3+5 bytes

	got := scrape(t, r.reg)
	want(t, got, map[string]float64{
		streamSeries("kinesis_incoming_records_total", "s"):               5,
		streamSeries("kinesis_incoming_bytes_total", "s"):                 28,
		streamSeries("kinesis_outgoing_records_total", "s"):               0,
		streamSeries("kinesis_getrecords_iterator_age_milliseconds", "s"): 0,
		streamSeries("kinesis_incoming_records_total", "idle"):            0,
	})
	wantNoShardSeries(t, got, "s")

	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "s"}, ShardID: "shardId-000000000000", Type: engine.TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.now = r.clock.now.Add(1500 * time.Millisecond)
	out, err := r.e.GetRecords(ctx, it, 2)
	if err != nil || len(out.Records) != 2 {
		t.Fatalf("GetRecords: %d records, %v", len(out.Records), err)
	}
	got = scrape(t, r.reg)
	want(t, got, map[string]float64{
		streamSeries("kinesis_outgoing_records_total", "s"):               2,
		streamSeries("kinesis_outgoing_bytes_total", "s"):                 8,
		streamSeries("kinesis_getrecords_iterator_age_milliseconds", "s"): 1500,
	})
	// A response without records has no iterator age.
	r.clock.now = r.clock.now.Add(time.Second)
	out, err = r.e.GetRecords(ctx, out.NextShardIterator, 10)
	if err != nil || len(out.Records) != 1 {
		t.Fatalf("GetRecords: %d records, %v", len(out.Records), err)
	}
	if _, err = r.e.GetRecords(ctx, out.NextShardIterator, 10); err != nil {
		t.Fatal(err)
	}
	want(t, scrape(t, r.reg), map[string]float64{
		streamSeries("kinesis_outgoing_records_total", "s"):               3,
		streamSeries("kinesis_outgoing_bytes_total", "s"):                 12,
		streamSeries("kinesis_getrecords_iterator_age_milliseconds", "s"): 0,
	})
}

func TestShardMetricsFollowEnhancedMonitoring(t *testing.T) {
	r := newRig(t, engine.Config{})
	r.create(t, "s", 2)
	r.put(t, "s", firstShardKey, "p", "abc", 3)
	r.put(t, "s", lastShardKey, "key", "hello", 2)
	wantNoShardSeries(t, scrape(t, r.reg), "s")

	if _, err := r.e.EnableEnhancedMonitoring(ctx, engine.StreamRef{Name: "s"}, []string{"IncomingRecords", "IteratorAgeMilliseconds"}); err != nil {
		t.Fatal(err)
	}
	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "s"}, ShardID: "shardId-000000000001", Type: engine.TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.now = r.clock.now.Add(250 * time.Millisecond)
	if _, err := r.e.GetRecords(ctx, it, 1); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, r.reg)
	want(t, got, map[string]float64{
		shardSeries("kinesis_shard_incoming_records_total", "s", 0):    3,
		shardSeries("kinesis_shard_incoming_records_total", "s", 1):    2,
		shardSeries("kinesis_shard_iterator_age_milliseconds", "s", 0): 0,
		shardSeries("kinesis_shard_iterator_age_milliseconds", "s", 1): 250,
		streamSeries("kinesis_incoming_records_total", "s"):            5,
	})
	for k := range got {
		if strings.HasPrefix(k, "kinesis_shard_") && !strings.HasPrefix(k, "kinesis_shard_incoming_records_total") && !strings.HasPrefix(k, "kinesis_shard_iterator_age_milliseconds") {
			t.Errorf("%s present; only IncomingRecords and IteratorAgeMilliseconds are enabled", k)
		}
	}

	r.clock.now = r.clock.now.Add(time.Minute) // past UPDATING
	if _, err := r.e.DisableEnhancedMonitoring(ctx, engine.StreamRef{Name: "s"}, []string{"ALL"}); err != nil {
		t.Fatal(err)
	}
	wantNoShardSeries(t, scrape(t, r.reg), "s")
}

func TestThrottlingIsCounted(t *testing.T) {
	r := newRig(t, engine.Config{EnforceLimits: true})
	r.create(t, "s", 1)
	r.put(t, "s", firstShardKey, "p", "x", 500)
	r.put(t, "s", firstShardKey, "p", "x", 500) // the shard's 1,000 records/s
	entries := make([]engine.PutEntry, 7)
	for i := range entries {
		entries[i] = engine.PutEntry{PartitionKey: "p", Data: []byte("x")}
	}
	if _, err := r.e.PutRecords(ctx, engine.StreamRef{Name: "s"}, entries); err != nil {
		t.Fatal(err)
	}
	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "s"}, ShardID: "shardId-000000000000", Type: engine.Latest})
	if err != nil {
		t.Fatal(err)
	}
	var throttled int
	for range 6 { // 5 GetRecords calls per second per shard
		if _, err := r.e.GetRecords(ctx, it, 1); err != nil {
			throttled++
		}
	}
	if throttled != 1 {
		t.Fatalf("%d GetRecords calls throttled, want 1", throttled)
	}
	if _, err := r.e.EnableEnhancedMonitoring(ctx, engine.StreamRef{Name: "s"}, []string{"ALL"}); err != nil {
		t.Fatal(err)
	}
	want(t, scrape(t, r.reg), map[string]float64{
		streamSeries("kinesis_write_provisioned_throughput_exceeded_total", "s"):         7,
		streamSeries("kinesis_read_provisioned_throughput_exceeded_total", "s"):          1,
		shardSeries("kinesis_shard_write_provisioned_throughput_exceeded_total", "s", 0): 7,
		shardSeries("kinesis_shard_read_provisioned_throughput_exceeded_total", "s", 0):  1,
		streamSeries("kinesis_incoming_records_total", "s"):                              1000,
	})
}

func TestDeletedStreamStartsAfresh(t *testing.T) {
	r := newRig(t, engine.Config{})
	r.create(t, "s", 1)
	r.put(t, "s", firstShardKey, "p", "abc", 4)
	want(t, scrape(t, r.reg), map[string]float64{streamSeries("kinesis_incoming_records_total", "s"): 4})
	if err := r.e.DeleteStream(ctx, engine.StreamRef{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, r.reg)
	if _, ok := got[streamSeries("kinesis_incoming_records_total", "s")]; ok {
		t.Errorf("deleted stream still exported")
	}
	r.create(t, "s", 1)
	r.put(t, "s", firstShardKey, "p", "abc", 1)
	want(t, scrape(t, r.reg), map[string]float64{streamSeries("kinesis_incoming_records_total", "s"): 1})
}

func TestSubscribeEventsAreCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, engine.Config{Now: time.Now, SubscriptionHeartbeat: time.Second})
		defer r.e.EndSubscriptions()
		r.create(t, "s", 1)
		c, err := r.e.RegisterStreamConsumer(ctx, "arn:aws:kinesis:us-east-1:"+account+":stream/s", "app", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.put(t, "s", firstShardKey, "p", "abc", 3)
		sub, err := r.e.SubscribeToShard(ctx, engine.SubscribeInput{ConsumerARN: c.ARN, ShardID: "shardId-000000000000", StartingPosition: engine.StartingPosition{Type: engine.TrimHorizon}})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		ev, err := sub.Next(ctx)
		if err != nil || len(ev.Records) != 3 {
			t.Fatalf("first event: %d records, %v", len(ev.Records), err)
		}
		ev, err = sub.Next(ctx) // a heartbeat after a quiet second
		if err != nil || len(ev.Records) != 0 {
			t.Fatalf("second event: %d records, %v", len(ev.Records), err)
		}
		want(t, scrape(t, r.reg), map[string]float64{
			streamSeries("kinesis_subscribetoshardevent_success_total", "s"): 2,
			streamSeries("kinesis_subscribetoshardevent_records_total", "s"): 3,
			streamSeries("kinesis_subscribetoshardevent_bytes_total", "s"):   12,
			streamSeries("kinesis_outgoing_records_total", "s"):              0,
		})
	})
}
