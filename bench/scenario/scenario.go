package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Env is what a scenario runs against.
type Env struct {
	Target   string
	Endpoint string // the target's base URL, for a helper process
	Client   *kinesis.Client
	Duration time.Duration // of the timed phase, for the timed scenarios
	// ReadBack says the target stores records, so reading them back and
	// checking them means something (false for the baseline).
	ReadBack bool
	// Log reports progress (to stderr).
	Log func(format string, args ...any)
	// PID returns the target's current process id, for /proc figures.
	PID func() int
	// Restart, when set, stops the target gracefully (SIGTERM) and starts
	// it again on the same data; it returns a client for the new process
	// and when that process was started.
	Restart func(ctx context.Context) (*kinesis.Client, time.Time, error)
	// Sizes are the scenario sizes (flags).
	Sizes Sizes
}

// Sizes are the sizes of the scenarios that have a natural size, so that
// small smoke runs are possible.
type Sizes struct {
	LatencyRate    int           // records/s written in latency
	PollPause      time.Duration // latency: pause after an empty GetRecords
	ManyStreams    int           // streams of 4 shards in manyshards
	RestartRecords int           // records filled before restart
	// EFORecordsPerCall is the records per PutRecords call in efolatency
	// (1: single-record calls, as many producers as the rate needs).
	EFORecordsPerCall int
}

// DefaultSizes are the sizes.
func DefaultSizes() Sizes {
	return Sizes{LatencyRate: 2000, PollPause: time.Millisecond, ManyStreams: 1000, RestartRecords: 10_000_000, EFORecordsPerCall: 5}
}

// Scenario is one workload.
type Scenario struct {
	Name        string
	Description string // one line, for the results
	Concurrency int    // concurrent callers it uses at most
	// Targets it applies to; nil means every target.
	Targets []string
	Run     func(ctx context.Context, env Env) Result
}

// AppliesTo reports whether the scenario runs against target.
func (s Scenario) AppliesTo(target string) bool {
	if s.Targets == nil {
		return true
	}
	for _, t := range s.Targets {
		if t == target {
			return true
		}
	}
	return false
}

const (
	putShards   = 4
	putBatch    = 500
	putBatch25k = 200 // 200 × 25 KiB = 5,000 KiB, under the 5 MiB request limit
	putWorkers  = 8
	singleCalls = 64
	fillRecords = 1_000_000 // the size
	// fillTimeout bounds the untimed fill of the getrecords scenario.
	fillTimeout = 10 * time.Minute
)

// All returns the scenarios in the order they run.
func All() []Scenario {
	return []Scenario{
		{
			Name:        "putrecords",
			Description: fmt.Sprintf("%d producers, PutRecords of %d × %d B records (random partition keys), %d shards", putWorkers, putBatch, PayloadSize, putShards),
			Concurrency: putWorkers,
			Run:         runPutRecords,
		},
		{
			Name:        "putrecords1k",
			Description: fmt.Sprintf("scenario 1 with 1 KiB records: %d producers, PutRecords of %d × 1,024 B records (random partition keys), %d shards", putWorkers, putBatch, putShards),
			Concurrency: putWorkers,
			Run: func(ctx context.Context, env Env) Result {
				return runPuts(ctx, env, "putrecords1k", putPlan{workers: putWorkers, batch: putBatch, size: 1 << 10})
			},
		},
		{
			Name: "putrecords25k",
			Description: fmt.Sprintf("scenario 1 with 25 KiB records: %d producers, PutRecords of %d × 25,600 B records (%d, not %d: a PutRecords request carries at most 5 MiB), random partition keys, %d shards",
				putWorkers, putBatch25k, putBatch25k, putBatch, putShards),
			Concurrency: putWorkers,
			Run: func(ctx context.Context, env Env) Result {
				return runPuts(ctx, env, "putrecords25k", putPlan{workers: putWorkers, batch: putBatch25k, size: 25 << 10})
			},
		},
		{
			Name:        "putrecord64",
			Description: fmt.Sprintf("%d concurrent callers, single-record PutRecord of %d B, %d shards", singleCalls, PayloadSize, putShards),
			Concurrency: singleCalls,
			Run:         runPutRecord64,
		},
		{
			Name: "getrecords",
			Description: fmt.Sprintf("%d × %d B records put (PutRecords of %d, %d writers) into %d shards, then all shards drained concurrently from TRIM_HORIZON with GetRecords Limit %d; the drain is timed",
				fillRecords, PayloadSize, putBatch, putWorkers, putShards, readLimit),
			Concurrency: putWorkers,
			Run:         runGetRecords,
		},
		fanoutScenario(),     // fanout.go
		latencyScenario(),    // putget.go
		efoLatencyScenario(), // efolatency.go
		manyShardsScenario(), // manyshards.go
		restartScenario(),    // restart.go
	}
}

func runPutRecords(ctx context.Context, env Env) Result {
	return runPuts(ctx, env, "putrecords", putPlan{workers: putWorkers, batch: putBatch})
}

func runPutRecord64(ctx context.Context, env Env) Result {
	return runPuts(ctx, env, "putrecord64", putPlan{workers: singleCalls, batch: 1, single: true})
}

// runPuts runs a timed write load, then reads the stream back.
func runPuts(ctx context.Context, env Env, name string, plan putPlan) Result {
	r := Result{Scenario: name, Target: env.Target}
	stream := streamName(name)
	if err := createStream(ctx, env.Client, stream, putShards); err != nil {
		r.Failed = err.Error()
		return r
	}
	plan.deadline = time.Now().Add(env.Duration)
	before := markCPU(env.PID())
	out := putLoad(ctx, env.Client, stream, plan)
	r.Notes = append(r.Notes, cpuNote("the timed puts", before, markCPU(env.PID()), out.calls, "call"))
	out.fill(&r)
	env.Log("%s %s: %d records acked in %v, %d call errors", name, env.Target, out.acked, out.elapsed.Round(time.Millisecond), out.callErrors)
	r.Integrity = readBack(ctx, env, stream, out.ledgers, &r)
	return r
}

// readBack drains stream and checks it against ledgers; it returns the
// verdict and adds a note on what the read cost.
func readBack(ctx context.Context, env Env, stream string, ledgers []*ledger, r *Result) string {
	if !env.ReadBack {
		return "n/a (stores nothing)"
	}
	v := NewVerifier(ledgers)
	var errs errorLog
	s, err := drain(ctx, env.Client, stream, &errs, v.Observe)
	r.Notes = append(r.Notes, fmt.Sprintf("read back %d records in %v (%d GetRecords calls)", s.records, s.elapsed.Round(time.Millisecond), s.calls))
	if samples := errs.samples(); len(samples) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("read-back errors: %v", samples))
	}
	if err != nil {
		return "FAIL: read back incomplete: " + truncate(err.Error(), 200) + "; " + v.Verdict()
	}
	return v.Verdict()
}

// runGetRecords fills a stream untimed, then times draining it.
func runGetRecords(ctx context.Context, env Env) Result {
	r := Result{Scenario: "getrecords", Target: env.Target}
	stream := streamName("getrecords")
	if err := createStream(ctx, env.Client, stream, putShards); err != nil {
		r.Failed = err.Error()
		return r
	}
	plan := putPlan{workers: putWorkers, batch: putBatch, batches: fillRecords / putBatch, deadline: time.Now().Add(fillTimeout)}
	put := putLoad(ctx, env.Client, stream, plan)
	r.Notes = append(r.Notes, fmt.Sprintf("fill: %d records acked in %v (%.0f records/s), %d call errors, %d entry errors",
		put.acked, put.elapsed.Round(time.Millisecond), float64(put.acked)/put.elapsed.Seconds(), put.callErrors, put.recordErrors))
	if samples := put.errs.samples(); len(samples) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("fill errors: %v", samples))
	}
	env.Log("getrecords %s: filled %d records in %v", env.Target, put.acked, put.elapsed.Round(time.Millisecond))

	var errs errorLog
	sink := func(string, []types.Record) {}
	var v *Verifier
	if env.ReadBack {
		v = NewVerifier(put.ledgers)
		sink = v.Observe
	}
	before := markCPU(env.PID())
	s, err := drain(ctx, env.Client, stream, &errs, sink)
	r.Notes = append(r.Notes, cpuNote("the drain", before, markCPU(env.PID()), s.calls, "call"))
	r.Records, r.Bytes, r.Calls, r.Elapsed, r.Latency = s.records, s.bytes, s.calls, s.elapsed, s.latency
	r.ErrorSamples = errs.samples()
	r.CallErrors = errs.total()
	switch {
	case err != nil:
		r.Integrity = "FAIL: drain incomplete: " + truncate(err.Error(), 200)
		if v != nil {
			r.Integrity += "; " + v.Verdict()
		}
	case v != nil:
		r.Integrity = v.Verdict()
	default:
		r.Integrity = "n/a (stores nothing)"
	}
	return r
}
