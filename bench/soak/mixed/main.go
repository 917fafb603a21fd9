package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/runnel-io/runnel/bench/harness"
)

type options struct {
	runnel                     string
	duration, sampleEvery      time.Duration
	tableEvery                 time.Duration
	restartEvery, reshardEvery time.Duration
	batchProducers, singles    int
	batchRate, singleRate      int
	pollers, shards            int
	keep                       bool
}

func main() {
	var o options
	flag.StringVar(&o.runnel, "runnel", "", "runnel binary (default: build ./cmd/runnel)")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long the workload runs")
	flag.DurationVar(&o.sampleEvery, "sample", 10*time.Second, "how often RSS, fds and goroutines are sampled")
	flag.DurationVar(&o.tableEvery, "table-every", 30*time.Second, "spacing of the rows in the final table")
	flag.DurationVar(&o.restartEvery, "restart-every", 2*time.Minute, "graceful restart period (0: none)")
	flag.DurationVar(&o.reshardEvery, "reshard-every", 40*time.Second, "reshard period (0: none)")
	flag.IntVar(&o.batchProducers, "batch-producers", 2, "PutRecords producers (100 records a call)")
	flag.IntVar(&o.singles, "single-producers", 2, "PutRecord producers")
	flag.IntVar(&o.batchRate, "batch-rate", 1000, "records/s per PutRecords producer")
	flag.IntVar(&o.singleRate, "single-rate", 100, "records/s per PutRecord producer")
	flag.IntVar(&o.pollers, "pollers", 2, "polling (GetRecords) consumers, each reading every shard")
	flag.IntVar(&o.shards, "shards", 4, "initial shard count")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := soak(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().UTC().Format("15:04:05")+" "+format+"\n", args...)
}

func soak(ctx context.Context, o options) error {
	tmp, err := os.MkdirTemp("", "runnel-soak-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("data directory kept: %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := o.runnel
	if bin == "" {
		root, err := harness.RepoRoot(ctx, ".")
		if err != nil {
			return err
		}
		if bin, err = harness.Build(ctx, root, "./cmd/runnel", filepath.Join(tmp, "runnel")); err != nil {
			return err
		}
	}
	machine := harness.DescribeMachine(ctx, ".", tmp)
	fmt.Printf("machine: %s\n", machine)
	fmt.Printf("soak: %v, restart every %v, reshard every %v, %d PutRecords producers × %d rec/s, %d PutRecord producers × %d rec/s, %d pollers, 1 fan-out consumer, %d shards at start\n",
		o.duration, o.restartEvery, o.reshardEvery, o.batchProducers, o.batchRate, o.singles, o.singleRate, o.pollers, o.shards)

	srv := &server{bin: bin, dataDir: filepath.Join(tmp, "data")}
	if err := srv.start(ctx); err != nil {
		return err
	}
	defer func() { _ = srv.stop() }()
	cl := newClients(srv, o.batchProducers+o.singles+o.pollers+64)
	defer cl.transport.CloseIdleConnections()

	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	_, err = cl.api.CreateStream(cctx, &kinesis.CreateStreamInput{StreamName: aws.String(streamName), ShardCount: aws.Int32(int32(o.shards))})
	cancel()
	if err != nil {
		return fmt.Errorf("CreateStream: %w", err)
	}
	if err := waitActive(ctx, cl.api); err != nil {
		return err
	}
	cctx, cancel = context.WithTimeout(ctx, callTimeout)
	sum, err := cl.api.DescribeStreamSummary(cctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(streamName)})
	cancel()
	if err != nil {
		return err
	}
	cctx, cancel = context.WithTimeout(ctx, callTimeout)
	reg, err := cl.api.RegisterStreamConsumer(cctx, &kinesis.RegisterStreamConsumerInput{StreamARN: sum.StreamDescriptionSummary.StreamARN, ConsumerName: aws.String(consumerName)})
	cancel()
	if err != nil {
		return fmt.Errorf("RegisterStreamConsumer: %w", err)
	}
	consumerARN := aws.ToString(reg.Consumer.ConsumerARN)
	if err := waitConsumerActive(ctx, cl.api, consumerARN); err != nil {
		return err
	}

	// The workload.
	var n counters
	wctx, endWorkload := context.WithCancel(ctx)
	defer endWorkload()
	var wg sync.WaitGroup
	var producers []*producer
	for i := range o.batchProducers + o.singles {
		p := &producer{id: i, batch: i < o.batchProducers}
		producers = append(producers, p)
		rate := o.singleRate
		if p.batch {
			rate = o.batchRate
		}
		wg.Go(func() { p.run(wctx, cl.api, rate, &n) })
	}
	for range o.pollers {
		wg.Go(func() { poller(wctx, cl.api, &n) })
	}
	wg.Go(func() { fanOut(wctx, cl.subscribe, cl.api, consumerARN, &n) })
	if o.reshardEvery > 0 {
		wg.Go(func() { resharder(wctx, cl.api, o.reshardEvery, &n, logf) })
	}
	restartErr := make(chan error, 1)
	if o.restartEvery > 0 {
		wg.Go(func() {
			for pause(wctx, o.restartEvery) {
				took, err := srv.restart(ctx)
				if err != nil {
					restartErr <- fmt.Errorf("graceful restart: %w", err)
					endWorkload()
					return
				}
				n.restarts.Add(1)
				logf("restart %d: SIGTERM, exit 0, started again as pid %d in %v", n.restarts.Load(), srv.pid(), took.Round(time.Millisecond))
			}
		})
	}

	// Sampling, in this goroutine.
	began := time.Now()
	var samples []sample
	take := func() {
		sm := sample{at: time.Since(began).Round(time.Second), acked: n.acked.Load(), restarts: n.restarts.Load(), reshards: n.reshards.Load()}
		for try := 0; try < 20; try++ { // a restart may be under way: try again shortly
			if srv.readProc(&sm) {
				if g, err := srv.goroutines(ctx, cl.metrics); err == nil && srv.pid() == sm.pid {
					sm.goroutines = g
					break
				}
			}
			sm.pid = 0
			if !pause(ctx, 250*time.Millisecond) {
				break
			}
		}
		if all, err := listShards(ctx, cl.api); err == nil {
			sm.openShards, sm.allShards = len(openShards(all)), len(all)
		}
		samples = append(samples, sm)
		fmt.Printf("t=%-6v pid=%-7d rss=%6.1f MiB fds=%-4d goroutines=%-5d shards=%d/%d acked=%d polled=%d efo=%d subs=%d reshards=%d restarts=%d errors(put/poll/sub/reshard)=%d/%d/%d/%d\n",
			sm.at, sm.pid, float64(sm.rssKiB)/1024, sm.fds, sm.goroutines, sm.openShards, sm.allShards, sm.acked, n.polled.Load(), n.efoRecords.Load(), n.subscriptions.Load(),
			sm.reshards, sm.restarts, n.putErrors.Load(), n.pollErrors.Load(), n.subErrors.Load(), n.reshardErrors.Load())
	}
	take()
	ticker := time.NewTicker(o.sampleEvery)
	deadline := time.NewTimer(o.duration)
loop:
	for {
		select {
		case <-ticker.C:
			take()
		case <-deadline.C:
			break loop
		case <-wctx.Done():
			break loop
		}
	}
	ticker.Stop()
	deadline.Stop()
	endWorkload()
	wg.Wait()
	select {
	case err := <-restartErr:
		return err
	default:
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	take() // after the workload stopped
	samples[len(samples)-1].idle = true
	elapsed := time.Since(began)

	logf("workload stopped after %v; draining every shard", elapsed.Round(time.Second))
	res, err := drainAndCheck(ctx, cl.api, producers)
	if err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	stopErr := srv.stop()

	fmt.Println()
	printTable(samples, o.tableEvery)
	fmt.Printf("\nworkload: %d records acknowledged (%.0f/s), %d refused per entry, %d put calls failed (%d records); pollers read %d records live (%d errors); fan-out received %d records over %d subscriptions (%d ended in error or failed); %d reshards (%d failed); %d graceful restarts; %s, Go %s on the soak side\n",
		n.acked.Load(), float64(n.acked.Load())/elapsed.Seconds(), n.refused.Load(), n.putErrors.Load(), n.failedRecords.Load(), n.polled.Load(), n.pollErrors.Load(),
		n.efoRecords.Load(), n.subscriptions.Load(), n.subErrors.Load(), n.reshards.Load(), n.reshardErrors.Load(), n.restarts.Load(), elapsed.Round(time.Second), runtime.Version())
	fmt.Println(res)
	if stopErr != nil {
		return fmt.Errorf("final graceful stop: %w", stopErr)
	}
	if !res.ok() {
		return fmt.Errorf("integrity check failed")
	}
	return nil
}

// printTable prints every sample at least every spacing apart, the last
// one, and first/last/max.
func printTable(samples []sample, spacing time.Duration) {
	fmt.Println("| t | pid | RSS MiB | open fds | goroutines | shards open / all | records acked | reshards | restarts |")
	fmt.Println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	row := func(s sample) {
		at := s.at.String()
		if s.idle {
			at += " (workload stopped)"
		}
		fmt.Printf("| %s | %d | %.1f | %d | %d | %d / %d | %d | %d | %d |\n", at, s.pid, float64(s.rssKiB)/1024, s.fds, s.goroutines, s.openShards, s.allShards, s.acked, s.reshards, s.restarts)
	}
	next := time.Duration(0)
	for i, s := range samples {
		if s.at >= next || i == len(samples)-1 {
			row(s)
			next = s.at + spacing - time.Second // tolerate a late sample
		}
	}
	var valid []sample
	for _, s := range samples {
		if s.pid != 0 {
			valid = append(valid, s)
		}
	}
	if len(valid) == 0 {
		return
	}
	first, last, mx := valid[0], valid[len(valid)-1], valid[0]
	for _, s := range valid {
		mx.rssKiB, mx.fds, mx.goroutines = max(mx.rssKiB, s.rssKiB), max(mx.fds, s.fds), max(mx.goroutines, s.goroutines)
	}
	fmt.Println()
	fmt.Println("| | RSS MiB | open fds | goroutines |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	for _, r := range []struct {
		name string
		s    sample
	}{{"first (t=" + first.at.String() + ")", first}, {"last (t=" + last.at.String() + ")", last}, {"max", mx}} {
		fmt.Printf("| %s | %.1f | %d | %d |\n", r.name, float64(r.s.rssKiB)/1024, r.s.fds, r.s.goroutines)
	}
	// Per server process, under load: its first and last sample and its max.
	fmt.Println()
	fmt.Println("| pid | samples | RSS MiB first → last (max) | open fds first → last (max) | goroutines first → last (max) |")
	fmt.Println("| ---: | ---: | --- | --- | --- |")
	for i := 0; i < len(valid); {
		j := i
		for j < len(valid) && valid[j].pid == valid[i].pid && !valid[j].idle {
			j++
		}
		if j == i { // the idle sample
			i++
			continue
		}
		run := valid[i:j]
		if run[0].at == 0 && len(run) > 1 {
			run = run[1:] // t=0 is before any load
		}
		a, b, m := run[0], run[len(run)-1], run[0]
		for _, s := range run {
			m.rssKiB, m.fds, m.goroutines = max(m.rssKiB, s.rssKiB), max(m.fds, s.fds), max(m.goroutines, s.goroutines)
		}
		fmt.Printf("| %d | %d | %.1f → %.1f (%.1f) | %d → %d (%d) | %d → %d (%d) |\n", a.pid, len(run),
			float64(a.rssKiB)/1024, float64(b.rssKiB)/1024, float64(m.rssKiB)/1024, a.fds, b.fds, m.fds, a.goroutines, b.goroutines, m.goroutines)
		i = j
	}
}
