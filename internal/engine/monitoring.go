package engine

import (
	"context"
	"slices"
	"time"
)

// metricAll is the MetricsName that stands for every shard-level metric.
const metricAll = "ALL"

// metricOrder lists the seven shard-level metrics in the order AWS reports
// them: the order of DesiredShardLevelMetrics in the AWS CLI's
// enable-enhanced-monitoring example for --shard-level-metrics ALL.
var metricOrder = [...]string{
	"IncomingBytes",
	"OutgoingRecords",
	"IteratorAgeMilliseconds",
	"IncomingRecords",
	"ReadProvisionedThroughputExceeded",
	"WriteProvisionedThroughputExceeded",
	"OutgoingBytes",
}

// EnhancedMonitoringOutput is Enable/DisableEnhancedMonitoring's answer:
// the metrics enabled before the call and those enabled after it.
type EnhancedMonitoringOutput struct {
	StreamName string
	StreamARN  string
	Current    []string
	Desired    []string
}

// EnableEnhancedMonitoring adds shard-level metrics ("ALL" adds all seven).
func (e *Engine) EnableEnhancedMonitoring(ctx context.Context, ref StreamRef, metrics []string) (EnhancedMonitoringOutput, error) {
	return e.changeMetrics(ref, metrics, true)
}

// DisableEnhancedMonitoring removes shard-level metrics ("ALL" removes all).
func (e *Engine) DisableEnhancedMonitoring(ctx context.Context, ref StreamRef, metrics []string) (EnhancedMonitoringOutput, error) {
	return e.changeMetrics(ref, metrics, false)
}

// changeMetrics updates an ACTIVE stream's metric set. Like AWS, the stream
// is UPDATING for a while afterwards.
func (e *Engine) changeMetrics(ref StreamRef, metrics []string, enable bool) (EnhancedMonitoringOutput, error) {
	for _, m := range metrics {
		if m != metricAll && !slices.Contains(metricOrder[:], m) {
			return EnhancedMonitoringOutput{}, errorf(KindInvalidArgument, "Invalid ShardLevelMetric %s.", m)
		}
	}
	var out EnhancedMonitoringOutput
	err := e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st != StatusActive {
			return nil, e.streamNotActive(s.name, st)
		}
		desired := applyMetrics(s.metrics, metrics, enable)
		out = EnhancedMonitoringOutput{
			StreamName: s.name, StreamARN: e.arn(s.name),
			Current: orderedMetrics(s.metrics), Desired: desired,
		}
		oldMetrics, oldUpdating := s.metrics, s.updatingUntil
		s.metrics = desired
		s.updatingUntil = now.Add(e.cfg.UpdateDelay)
		return func() { s.metrics, s.updatingUntil = oldMetrics, oldUpdating }, nil
	})
	return out, err
}

// applyMetrics returns current with change added (enable) or removed, in
// metricOrder. It never aliases current.
func applyMetrics(current, change []string, enable bool) []string {
	all := slices.Contains(change, metricAll)
	out := make([]string, 0, len(metricOrder))
	for _, m := range metricOrder {
		had, named := slices.Contains(current, m), all || slices.Contains(change, m)
		if (enable && (had || named)) || (!enable && had && !named) {
			out = append(out, m)
		}
	}
	return out
}

// orderedMetrics copies a stored metric set (never nil, for the wire).
func orderedMetrics(metrics []string) []string {
	return applyMetrics(metrics, nil, true)
}
