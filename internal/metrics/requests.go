package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Requests times API requests per operation (api.RequestObserver).
type Requests struct {
	byOp map[string]prometheus.Observer // read only once built
}

// NewRequests registers runnel_request_duration_seconds with one series
// per operation in ops (created up front, so a lookup never allocates).
// Operations not in ops are not timed.
func NewRequests(reg prometheus.Registerer, ops []string) (*Requests, error) {
	vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "runnel_request_duration_seconds",
		Help: "Time to serve a Kinesis API request, by operation, from routing to the end of the response (SubscribeToShard is not timed: it streams for minutes).",
		// 100µs to ~6.5s.
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 17),
	}, []string{"operation"})
	if err := reg.Register(vec); err != nil {
		return nil, fmt.Errorf("register request metrics: %w", err)
	}
	r := &Requests{byOp: make(map[string]prometheus.Observer, len(ops))}
	for _, op := range ops {
		r.byOp[op] = vec.WithLabelValues(op)
	}
	return r, nil
}

// ObserveRequest implements api.RequestObserver.
func (r *Requests) ObserveRequest(op string, d time.Duration) {
	if o := r.byOp[op]; o != nil {
		o.Observe(d.Seconds())
	}
}
