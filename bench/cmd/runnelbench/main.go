package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/runnel-io/runnel/bench/harness"
	"github.com/runnel-io/runnel/bench/report"
	"github.com/runnel-io/runnel/bench/scenario"
)

// scenarioGrace bounds a scenario beyond its timed phase (fill, read-back).
const scenarioGrace = 15 * time.Minute

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	runnel     string
	duration   time.Duration
	scenarios  []scenario.Scenario
	targets    []string
	kinesalite bool
	out        string
	cpuProfile string
	sizes      scenario.Sizes
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	all := scenario.All()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	fs := flag.NewFlagSet("runnelbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.runnel, "runnel", "", "`path` of a built runnel binary (default: go build ./cmd/runnel into a temporary directory)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "timed phase of each timed scenario")
	scenarios := fs.String("scenarios", strings.Join(names, ","), "comma-separated `list` of scenarios to run")
	targets := fs.String("targets", strings.Join([]string{harness.Baseline, harness.Kinesalite, harness.Runnel}, ","), "comma-separated `list` of targets")
	fs.BoolVar(&o.kinesalite, "kinesalite", true, "benchmark kinesalite too (installs kinesalite@3 into bench/node_modules on first use)")
	fs.StringVar(&o.out, "out", "", "append the markdown results section to this `file`")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load generator (not the targets) to `file`")
	o.sizes = scenario.DefaultSizes()
	fs.IntVar(&o.sizes.LatencyRate, "latency-rate", o.sizes.LatencyRate, "records/s written in the latency scenario")
	fs.IntVar(&o.sizes.EFORecordsPerCall, "efo-records-per-call", o.sizes.EFORecordsPerCall, "efolatency: records per PutRecords call (1 for single-record calls)")
	fs.DurationVar(&o.sizes.PollPause, "poll-pause", o.sizes.PollPause, "latency scenario: a consumer's pause after an empty GetRecords")
	fs.IntVar(&o.sizes.ManyStreams, "many-streams", o.sizes.ManyStreams, "streams (of 4 shards) created in the manyshards scenario")
	fs.IntVar(&o.sizes.RestartRecords, "restart-records", o.sizes.RestartRecords, "records filled before the restart scenario restarts runnel")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.duration <= 0 || o.duration > time.Hour {
		return o, fmt.Errorf("-duration %v: want more than 0 and at most 1h", o.duration)
	}
	if o.sizes.LatencyRate < 1 || o.sizes.EFORecordsPerCall < 1 || o.sizes.EFORecordsPerCall > 500 || o.sizes.ManyStreams < 1 || o.sizes.RestartRecords < 1 || o.sizes.PollPause < 0 || o.sizes.PollPause > time.Second {
		return o, errors.New("-latency-rate, -many-streams and -restart-records must be at least 1, -efo-records-per-call between 1 and 500, -poll-pause between 0 and 1s")
	}
	for _, name := range splitList(*scenarios) {
		i := slices.IndexFunc(all, func(s scenario.Scenario) bool { return s.Name == name })
		if i < 0 {
			return o, fmt.Errorf("-scenarios: unknown scenario %q (have %s)", name, strings.Join(names, ", "))
		}
		o.scenarios = append(o.scenarios, all[i])
	}
	for _, name := range splitList(*targets) {
		if name != harness.Baseline && name != harness.Kinesalite && name != harness.Runnel {
			return o, fmt.Errorf("-targets: unknown target %q", name)
		}
		if name != harness.Kinesalite || o.kinesalite {
			o.targets = append(o.targets, name)
		}
	}
	if len(o.scenarios) == 0 || len(o.targets) == 0 {
		return o, errors.New("nothing to run: empty -scenarios or -targets")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// loadGenGCPercent is the load generator's GOGC unless the environment sets
// one: the SDK clients allocate heavily, and a less eager collector leaves
// more of the shared cores to the targets (whose environment is untouched).
const loadGenGCPercent = 400

func run(args []string, stdout, stderr io.Writer) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(loadGenGCPercent)
	}
	if len(args) > 0 && args[0] == scenario.FanoutSubscribersCommand {
		newClient := func(endpoint string, conns int) *kinesis.Client { return harness.NewClient(endpoint, conns).Client }
		if err := scenario.RunFanoutSubscribers(context.Background(), newClient, args[1:], os.Stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "runnelbench %s: %v\n", scenario.FanoutSubscribersCommand, err)
			return 1
		}
		return 0
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "runnelbench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "runnelbench: "+format+"\n", args...)
	}

	root, err := harness.RepoRoot(ctx, ".")
	if err != nil {
		logf("%v", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "runnelbench-")
	if err != nil {
		logf("temporary directory: %v", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			logf("%v", err)
			return 1
		}
		defer stopProfile()
	}

	machine := harness.DescribeMachine(ctx, root, tmp)
	fmt.Fprintf(stdout, "machine: %s\n\n", machine)
	rep := report.Run{Started: time.Now(), Machine: machine.String(), Duration: o.duration.String()}
	targets := prepareTargets(ctx, o, root, tmp, &rep, logf)

	for _, sc := range o.scenarios {
		res := report.ScenarioResults{Scenario: sc}
		for _, t := range targets {
			if ctx.Err() != nil {
				break
			}
			if !sc.AppliesTo(t.name) {
				continue
			}
			logf("%s against %s …", sc.Name, t.name)
			r := runOne(ctx, o, sc, t, tmp, logf)
			logf("%s against %s: %.0f records/s, p99 %v, errors %d/%d, integrity %s%s",
				sc.Name, t.name, r.RecordsPerSecond(), r.Latency.P99, r.CallErrors, r.RecordErrors, r.Integrity, failedSuffix(r))
			res.Results = append(res.Results, r)
		}
		rep.Scenarios = append(rep.Scenarios, res)
	}
	if ctx.Err() != nil {
		rep.Notes = append(rep.Notes, "interrupted: results are partial")
	}

	if err := report.Write(stdout, rep); err != nil {
		logf("write results: %v", err)
		return 1
	}
	if o.out != "" {
		if err := appendSection(o.out, rep); err != nil {
			logf("%v", err)
			return 1
		}
		logf("appended results to %s", o.out)
	}
	if ctx.Err() != nil {
		return 1
	}
	return 0
}

// startCPUProfile profiles this process into path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func failedSuffix(r scenario.Result) string {
	if r.Failed == "" {
		return ""
	}
	return "; FAILED: " + strings.SplitN(r.Failed, "\n", 2)[0]
}

// appendSection appends the section to path, after a blank line if the file
// already has content.
func appendSection(path string, rep report.Run) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		_, _ = io.WriteString(f, "\n")
	}
	if err := report.Write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("append to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// target is one server under test.
type target struct {
	name        string
	readBack    bool // it stores records
	restartable bool // it keeps its records across a restart on dir
	start       func(ctx context.Context, dir string) (*harness.Process, error)
}

// prepareTargets builds or installs what each requested target needs;
// a target that cannot be prepared is skipped with a note.
func prepareTargets(ctx context.Context, o options, root, tmp string, rep *report.Run, logf func(string, ...any)) []target {
	var targets []target
	skip := func(name string, err error) {
		line := fmt.Sprintf("%s: skipped: %s", name, strings.SplitN(err.Error(), "\n", 2)[0])
		rep.Targets = append(rep.Targets, line)
		logf("%v", err)
	}
	for _, name := range o.targets {
		switch name {
		case harness.Baseline:
			bin, err := harness.Build(ctx, root, "./bench/cmd/baseline", filepath.Join(tmp, "baseline"))
			if err != nil {
				skip(name, err)
				continue
			}
			rep.Targets = append(rep.Targets, "baseline: bench/cmd/baseline (reads and JSON-decodes each request, answers a canned success, stores nothing)")
			targets = append(targets, target{name: name, start: func(ctx context.Context, dir string) (*harness.Process, error) {
				return harness.StartBaseline(ctx, bin, dir)
			}})
		case harness.Kinesalite:
			logf("preparing kinesalite (npm install kinesalite@3 into bench/node_modules on first use) …")
			pkg, err := harness.EnsureKinesalite(ctx, filepath.Join(root, "bench"))
			if err != nil {
				skip(name, err)
				continue
			}
			rep.Targets = append(rep.Targets, "kinesalite: "+harness.KinesaliteVersion(ctx, pkg)+", in memory, createStreamMs 0, deleteStreamMs 0")
			targets = append(targets, target{name: name, readBack: true, start: func(ctx context.Context, dir string) (*harness.Process, error) {
				return harness.StartKinesalite(ctx, pkg, dir)
			}})
		case harness.Runnel:
			bin, source, err := runnelBinary(ctx, o.runnel, root, tmp, logf)
			if err != nil {
				skip(name, err)
				continue
			}
			rep.Targets = append(rep.Targets, "runnel: "+source+", durable (fdatasync before ack), default flags except --listen 127.0.0.1:0 --data-dir <tmp> --create-stream-delay 0")
			targets = append(targets, target{name: name, readBack: true, restartable: true, start: func(ctx context.Context, dir string) (*harness.Process, error) {
				return harness.StartRunnel(ctx, bin, filepath.Join(dir, "data"))
			}})
		}
	}
	return targets
}

// runnelBinary returns the binary given with -runnel, or builds one.
func runnelBinary(ctx context.Context, given, root, tmp string, logf func(string, ...any)) (bin, source string, err error) {
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return "", "", fmt.Errorf("-runnel %s: %w", given, err)
		}
		if info, err := os.Stat(abs); err != nil || info.IsDir() {
			return "", "", fmt.Errorf("-runnel %s: not a file (%v)", given, err)
		}
		return abs, "binary " + abs, nil
	}
	logf("building ./cmd/runnel …")
	bin, err = harness.Build(ctx, root, "./cmd/runnel", filepath.Join(tmp, "runnel"))
	if err != nil {
		return "", "", err
	}
	return bin, "built from ./cmd/runnel", nil
}

// runOne runs sc against a fresh process of t.
func runOne(ctx context.Context, o options, sc scenario.Scenario, t target, tmp string, logf func(string, ...any)) scenario.Result {
	failed := func(err error) scenario.Result {
		return scenario.Result{Scenario: sc.Name, Target: t.name, Failed: err.Error()}
	}
	dir := filepath.Join(tmp, sc.Name+"-"+t.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failed(err)
	}
	defer func() {
		// Leave the disk settled for the next scenario: the deleted
		// files' blocks (discarded at the journal commit on a filesystem
		// mounted with discard) and every dirty page written out now,
		// not during the next scenario's fdatasyncs.
		_ = os.RemoveAll(dir)
		syscall.Sync()
	}()
	proc, err := t.start(ctx, dir)
	if err != nil {
		return failed(err)
	}
	logf("%s ready at %s (pid %d)", t.name, proc.Addr, proc.PID())
	client := harness.NewClient(proc.Endpoint(), sc.Concurrency)
	clients := []*harness.Client{client}
	env := scenario.Env{
		Target:   t.name,
		Endpoint: proc.Endpoint(),
		Client:   client.Client,
		Duration: o.duration,
		ReadBack: t.readBack,
		Log:      logf,
		PID:      func() int { return proc.PID() },
		Sizes:    o.sizes,
	}
	if t.restartable {
		env.Restart = func(ctx context.Context) (*kinesis.Client, time.Time, error) {
			if err := proc.Stop(); err != nil {
				return nil, time.Time{}, fmt.Errorf("stop %s: %w", t.name, err)
			}
			next, err := t.start(ctx, dir)
			if err != nil {
				return nil, time.Time{}, err
			}
			proc = next
			logf("%s restarted at %s (pid %d)", t.name, proc.Addr, proc.PID())
			c := harness.NewClient(proc.Endpoint(), sc.Concurrency)
			clients = append(clients, c)
			return c.Client, proc.Started, nil
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, o.duration+scenarioGrace)
	r := sc.Run(runCtx, env)
	cancel()
	for _, c := range clients {
		c.Close()
	}
	if err := proc.Stop(); err != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("stopping %s: %v", t.name, err))
	}
	if r.Failed != "" {
		out := proc.Output()
		if len(out) > 2000 {
			out = "…" + out[len(out)-2000:]
		}
		logf("%s output:\n%s", t.name, out)
	}
	return r
}
