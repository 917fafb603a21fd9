package scenario

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// Result is one scenario's outcome against one target.
type Result struct {
	Scenario string
	Target   string

	Records int64         // records acknowledged (puts) or read (getrecords)
	Bytes   int64         // payload bytes of Records
	Calls   int64         // API calls timed
	Elapsed time.Duration // the timed phase
	Latency Latency       // of the timed calls

	CallErrors   int64    // calls that returned an error
	RecordErrors int64    // PutRecords entries with an ErrorCode
	ErrorSamples []string // the most frequent error messages, with counts

	Integrity string   // the read-back verdict, or why there is none
	Figures   []Figure // the scenario's own headline figures
	Notes     []string // anything else worth printing
	Failed    string   // set when the scenario could not run at all
}

// Figure is one named headline figure (restart time, idle RSS, ...).
type Figure struct {
	Name, Value string
}

// RecordsPerSecond is Records over Elapsed.
func (r Result) RecordsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Records) / r.Elapsed.Seconds()
}

// MiBPerSecond is Bytes over Elapsed, in MiB/s.
func (r Result) MiBPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / (1 << 20) / r.Elapsed.Seconds()
}

// CallsPerSecond is Calls over Elapsed.
func (r Result) CallsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// maxDistinctErrors bounds the distinct messages an errorLog keeps.
const maxDistinctErrors = 64

// errorLog counts error messages from many goroutines.
type errorLog struct {
	mu     sync.Mutex
	counts map[string]int64
	other  int64 // beyond maxDistinctErrors
}

func (e *errorLog) add(message string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts = make(map[string]int64)
	}
	if _, ok := e.counts[message]; !ok && len(e.counts) >= maxDistinctErrors {
		e.other++
		return
	}
	e.counts[message]++
}

// total is the number of messages added.
func (e *errorLog) total() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.other
	for _, c := range e.counts {
		n += c
	}
	return n
}

func (e *errorLog) addError(err error) { e.add(describeError(err)) }

// samples returns the three most frequent messages, "N× message".
func (e *errorLog) samples() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	messages := make([]string, 0, len(e.counts))
	for m := range e.counts {
		messages = append(messages, m)
	}
	sort.Slice(messages, func(i, j int) bool {
		if e.counts[messages[i]] != e.counts[messages[j]] {
			return e.counts[messages[i]] > e.counts[messages[j]]
		}
		return messages[i] < messages[j]
	})
	var out []string
	for _, m := range messages[:min(3, len(messages))] {
		out = append(out, fmt.Sprintf("%d× %s", e.counts[m], m))
	}
	if e.other > 0 {
		out = append(out, fmt.Sprintf("%d× other messages", e.other))
	}
	return out
}

// describeError is a short, stable message: the Kinesis error code and
// message for API errors, the error text (truncated) otherwise.
func describeError(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return truncate(apiErr.ErrorCode()+": "+apiErr.ErrorMessage(), 160)
	}
	return truncate(err.Error(), 160)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
