package metrics

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Streams is the prometheus.Collector of every account's stream and shard
// metrics.
type Streams struct {
	mu       sync.Mutex
	accounts map[string]*Account

	streamFams []family
	iterAge    *prometheus.Desc // kinesis_getrecords_iterator_age_milliseconds
	shardFams  []family         // in engine's shard-level metric names
}

// family is one metric family and how to read it off a shard's counters.
type family struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(c *shardCounters) int64
	// metric is the shard-level MetricsName that enables a kinesis_shard_*
	// family ("" for stream families).
	metric string
}

var (
	streamLabels = []string{"account", "stream"}
	shardLabels  = []string{"account", "stream", "shard"}
)

// NewStreams registers the stream and shard metrics with reg.
func NewStreams(reg prometheus.Registerer) (*Streams, error) {
	s := &Streams{accounts: map[string]*Account{}}
	counter := func(name, help string, v func(*shardCounters) int64) family {
		return family{desc: prometheus.NewDesc(name, help, streamLabels, nil), kind: prometheus.CounterValue, value: v}
	}
	s.streamFams = []family{
		counter("kinesis_incoming_bytes_total", "IncomingBytes: bytes successfully put to the stream (data plus partition key) by PutRecord and PutRecords.", func(c *shardCounters) int64 { return c.incomingBytes.Load() }),
		counter("kinesis_incoming_records_total", "IncomingRecords: records successfully put to the stream by PutRecord and PutRecords.", func(c *shardCounters) int64 { return c.incomingRecords.Load() }),
		counter("kinesis_outgoing_bytes_total", "OutgoingBytes (GetRecords.Bytes): bytes retrieved from the stream by GetRecords (data plus partition key).", func(c *shardCounters) int64 { return c.outgoingBytes.Load() }),
		counter("kinesis_outgoing_records_total", "OutgoingRecords (GetRecords.Records): records retrieved from the stream by GetRecords.", func(c *shardCounters) int64 { return c.outgoingRecords.Load() }),
		counter("kinesis_write_provisioned_throughput_exceeded_total", "WriteProvisionedThroughputExceeded: records rejected due to throttling (only with --enforce-limits).", func(c *shardCounters) int64 { return c.writeExceeded.Load() }),
		counter("kinesis_read_provisioned_throughput_exceeded_total", "ReadProvisionedThroughputExceeded: GetRecords calls throttled (only with --enforce-limits).", func(c *shardCounters) int64 { return c.readExceeded.Load() }),
		counter("kinesis_subscribetoshardevent_success_total", "SubscribeToShardEvent.Success: SubscribeToShard events published, heartbeats included.", func(c *shardCounters) int64 { return c.events.Load() }),
		counter("kinesis_subscribetoshardevent_records_total", "SubscribeToShardEvent.Records: records delivered by SubscribeToShard events.", func(c *shardCounters) int64 { return c.eventRecords.Load() }),
		counter("kinesis_subscribetoshardevent_bytes_total", "SubscribeToShardEvent.Bytes: bytes delivered by SubscribeToShard events (data plus partition key).", func(c *shardCounters) int64 { return c.eventBytes.Load() }),
	}
	s.iterAge = prometheus.NewDesc("kinesis_getrecords_iterator_age_milliseconds", "GetRecords.IteratorAgeMilliseconds: of the last GetRecords call on the stream, now minus the arrival time of the last record it returned (0 if it returned none).", streamLabels, nil)
	shard := func(metric, name, help string, kind prometheus.ValueType, v func(*shardCounters) int64) family {
		return family{desc: prometheus.NewDesc(name, help+" Exported while enhanced monitoring enables "+metric+" for the stream.", shardLabels, nil), kind: kind, value: v, metric: metric}
	}
	s.shardFams = []family{
		shard("IncomingBytes", "kinesis_shard_incoming_bytes_total", "IncomingBytes: bytes successfully put to the shard.", prometheus.CounterValue, func(c *shardCounters) int64 { return c.incomingBytes.Load() }),
		shard("IncomingRecords", "kinesis_shard_incoming_records_total", "IncomingRecords: records successfully put to the shard.", prometheus.CounterValue, func(c *shardCounters) int64 { return c.incomingRecords.Load() }),
		shard("OutgoingBytes", "kinesis_shard_outgoing_bytes_total", "OutgoingBytes: bytes retrieved from the shard by GetRecords.", prometheus.CounterValue, func(c *shardCounters) int64 { return c.outgoingBytes.Load() }),
		shard("OutgoingRecords", "kinesis_shard_outgoing_records_total", "OutgoingRecords: records retrieved from the shard by GetRecords.", prometheus.CounterValue, func(c *shardCounters) int64 { return c.outgoingRecords.Load() }),
		shard("IteratorAgeMilliseconds", "kinesis_shard_iterator_age_milliseconds", "IteratorAgeMilliseconds: of the last GetRecords call on the shard.", prometheus.GaugeValue, func(c *shardCounters) int64 { return c.iteratorAgeMs.Load() }),
		shard("WriteProvisionedThroughputExceeded", "kinesis_shard_write_provisioned_throughput_exceeded_total", "WriteProvisionedThroughputExceeded: records rejected due to throttling for the shard.", prometheus.CounterValue, func(c *shardCounters) int64 { return c.writeExceeded.Load() }),
		shard("ReadProvisionedThroughputExceeded", "kinesis_shard_read_provisioned_throughput_exceeded_total", "ReadProvisionedThroughputExceeded: GetRecords calls throttled for the shard.", prometheus.CounterValue, func(c *shardCounters) int64 { return c.readExceeded.Load() }),
	}
	if err := reg.Register(s); err != nil {
		return nil, fmt.Errorf("register stream metrics: %w", err)
	}
	return s, nil
}

// Account returns the engine.Observer of one account (the same one for
// the same id).
func (s *Streams) Account(id string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[id]
	if a == nil {
		a = &Account{id: id, shards: map[counterKey]*shardCounters{}, streams: map[string]*streamCounters{}, absent: map[string]bool{}}
		s.accounts[id] = a
	}
	return a
}

// Describe implements prometheus.Collector.
func (s *Streams) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range s.streamFams {
		ch <- f.desc
	}
	ch <- s.iterAge
	for _, f := range s.shardFams {
		ch <- f.desc
	}
}

// Collect implements prometheus.Collector: every existing stream of every
// watched account, and the shards whose metrics are enabled.
func (s *Streams) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	accounts := make([]*Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		accounts = append(accounts, a)
	}
	s.mu.Unlock()
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].id < accounts[j].id })
	for _, a := range accounts {
		l := a.lister.Load()
		if l == nil {
			continue
		}
		streams := (*l).MetricStreams()
		live := make(map[string]bool, len(streams))
		for _, st := range streams {
			live[st.ID] = true
			s.collectStream(ch, a, st.Name, st.ID, st.Shards, st.ShardLevel)
		}
		a.sweep(live)
	}
}

func (s *Streams) collectStream(ch chan<- prometheus.Metric, a *Account, name, id string, shards int, enabled []string) {
	totals := make([]int64, len(s.streamFams))
	var shardFams []family
	for _, f := range s.shardFams {
		if slices.Contains(enabled, f.metric) {
			shardFams = append(shardFams, f)
		}
	}
	empty := &shardCounters{}
	for i := range shards {
		c := a.lookup(id, uint32(i))
		if c == nil {
			c = empty
		}
		for j, f := range s.streamFams {
			totals[j] += f.value(c)
		}
		if len(shardFams) == 0 {
			continue
		}
		shardID := fmt.Sprintf("shardId-%012d", i)
		for _, f := range shardFams {
			ch <- prometheus.MustNewConstMetric(f.desc, f.kind, float64(f.value(c)), a.id, name, shardID)
		}
	}
	for j, f := range s.streamFams {
		ch <- prometheus.MustNewConstMetric(f.desc, f.kind, float64(totals[j]), a.id, name)
	}
	var age int64
	a.mu.RLock()
	if st := a.streams[id]; st != nil {
		age = st.iteratorAgeMs.Load()
	}
	a.mu.RUnlock()
	ch <- prometheus.MustNewConstMetric(s.iterAge, prometheus.GaugeValue, float64(age), a.id, name)
}
