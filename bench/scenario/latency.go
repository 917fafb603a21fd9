package scenario

import (
	"slices"
	"time"
)

// maxSamplesPerWorker bounds the latencies one worker keeps; beyond it the
// worker keeps every other sample of what it has (a bounded, even thinning).
const maxSamplesPerWorker = 1 << 20

// latencies collects one worker's call latencies; not safe for concurrent use.
type latencies struct {
	samples []time.Duration
	stride  int // keep one in stride calls
	skipped int
	max     time.Duration // over every call, kept or not
}

func (l *latencies) add(d time.Duration) {
	l.max = max(l.max, d)
	if l.stride == 0 {
		l.stride = 1
	}
	if l.skipped++; l.skipped < l.stride {
		return
	}
	l.skipped = 0
	if len(l.samples) == maxSamplesPerWorker {
		half := l.samples[:0]
		for i := 0; i < len(l.samples); i += 2 {
			half = append(half, l.samples[i])
		}
		l.samples = half
		l.stride *= 2
	}
	l.samples = append(l.samples, d)
}

// Latency summarises call latencies.
type Latency struct {
	P50, P99, Max time.Duration
	Samples       int
}

// summarize merges the workers' samples.
func summarize(workers ...*latencies) Latency {
	var all []time.Duration
	var longest time.Duration
	for _, w := range workers {
		all = append(all, w.samples...)
		longest = max(longest, w.max)
	}
	if len(all) == 0 {
		return Latency{}
	}
	slices.Sort(all)
	return Latency{
		P50:     all[quantileIndex(len(all), 0.50)],
		P99:     all[quantileIndex(len(all), 0.99)],
		Max:     longest,
		Samples: len(all),
	}
}

// quantileIndex is the nearest-rank index of quantile q among n sorted values.
func quantileIndex(n int, q float64) int {
	i := int(q*float64(n)+0.999999) - 1
	return min(max(i, 0), n-1)
}
