package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

const (
	// restartFillTimeout bounds the untimed fill of the restart scenario.
	restartFillTimeout = 20 * time.Minute
	// firstReadTimeout bounds the wait for the first successful GetRecords
	// after the restart.
	firstReadTimeout = 2 * time.Minute
	// firstReadRetry is the pause between failed first reads.
	firstReadRetry = time.Millisecond
)

// runRestart fills a stream, restarts the server on the same data and times
// how long the new process takes to serve a GetRecords.
func runRestart(ctx context.Context, env Env) Result {
	r := Result{Scenario: "restart", Target: env.Target}
	if env.Restart == nil {
		r.Failed = "the target cannot be restarted on its data"
		return r
	}
	stream := streamName("restart")
	if err := createStream(ctx, env.Client, stream, putShards); err != nil {
		r.Failed = err.Error()
		return r
	}
	records := max(env.Sizes.RestartRecords, putBatch)
	plan := putPlan{workers: putWorkers, batch: putBatch, batches: int64(records / putBatch), deadline: time.Now().Add(restartFillTimeout)}
	put := putLoad(ctx, env.Client, stream, plan)
	put.fill(&r)
	env.Log("restart %s: filled %d records in %v", env.Target, put.acked, put.elapsed.Round(time.Millisecond))
	r.Notes = append(r.Notes, fmt.Sprintf("fill: %d records acked in %v (%.0f records/s); the table's rate and latency columns are the fill's", put.acked, put.elapsed.Round(time.Millisecond), float64(put.acked)/put.elapsed.Seconds()))
	if before, err := readProc(env.PID()); err == nil {
		r.Figures = append(r.Figures, Figure{"before the restart", before.String()})
	}

	client, started, err := env.Restart(ctx)
	if err != nil {
		r.Failed = fmt.Sprintf("restart: %v", err)
		return r
	}
	ready := time.Since(started)
	shards, served, tries, err := firstRead(ctx, client, stream)
	if err != nil {
		r.Failed = fmt.Sprintf("first read after restart: %v", err)
		return r
	}
	restart := served.Sub(started)
	env.Log("restart %s: serving %v after process start", env.Target, restart.Round(time.Millisecond))
	r.Figures = append(r.Figures,
		Figure{"restart to first GetRecords", fmt.Sprintf("%v (process start → first successful GetRecords; ready line within %v; %d GetRecords tries)", restart.Round(time.Millisecond), ready.Round(time.Millisecond), tries)},
		Figure{"data", fmt.Sprintf("%d records × %d B in %d shards", put.acked, PayloadSize, len(shards))})
	if after, err := readProc(env.PID()); err == nil {
		r.Figures = append(r.Figures, Figure{"after the restart", after.String()})
	}

	restarted := env
	restarted.Client = client
	r.Integrity = readBack(ctx, restarted, stream, put.ledgers, &r)
	return r
}

// firstRead lists the shards and calls GetRecords on the first one until
// it succeeds; it returns the shard ids, when it succeeded and the tries.
func firstRead(ctx context.Context, client *kinesis.Client, stream string) ([]string, time.Time, int, error) {
	deadline := time.Now().Add(firstReadTimeout)
	var lastErr error
	for tries := 1; time.Now().Before(deadline); tries++ {
		if err := ctx.Err(); err != nil {
			return nil, time.Time{}, tries, err
		}
		shards, err := listShards(ctx, client, stream)
		if err == nil {
			var it *string
			if it, err = shardIterator(ctx, client, stream, shards[0]); err == nil {
				callCtx, cancel := context.WithTimeout(ctx, callTimeout)
				out, gerr := client.GetRecords(callCtx, &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(1)})
				cancel()
				if gerr == nil && len(out.Records) == 1 {
					return shards, time.Now(), tries, nil
				}
				err = gerr
				if err == nil {
					err = fmt.Errorf("GetRecords returned %d records from a filled shard", len(out.Records))
				}
			}
		}
		lastErr = err
		time.Sleep(firstReadRetry)
	}
	return nil, time.Time{}, 0, fmt.Errorf("no successful GetRecords within %v: %w", firstReadTimeout, lastErr)
}

func restartScenario() Scenario {
	return Scenario{
		Name:        "restart",
		Description: "-restart-records (default 10 000 000) × 100 B put (PutRecords of 500, 8 writers) into 4 shards, server stopped with SIGTERM and started again on the same data; timed from the new process's start until the first GetRecords succeeds; then every record read back",
		Concurrency: putWorkers,
		Targets:     []string{"runnel"},
		Run:         runRestart,
	}
}
