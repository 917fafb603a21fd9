// Command runnel is a Kinesis Data Streams compatible server.
//
//	runnel serve [flags]
//
// See `runnel serve --help` for the flags; every flag can also be set with
// an environment variable RUNNEL_<FLAG> (upper case, dashes as underscores).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/runnel-io/runnel/internal/config"
	"github.com/runnel-io/runnel/internal/server"
)

const usage = `runnel — a durable, Kinesis Data Streams compatible server.

Usage:
  runnel serve [flags]   run the server (data in ./runnel-data by default)
  runnel --help          this text

Point any AWS SDK or the aws CLI at it with an endpoint override, e.g.
  aws kinesis list-streams --endpoint-url http://127.0.0.1:4567

Run 'runnel serve --help' for the server's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

func run(args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve":
		return serve(args[1:], stdout, stderr, env)
	}
	fmt.Fprintf(stderr, "runnel: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// serveFlags declares serve's flags on fs, bound to c, with defaults taken
// from the environment where set.
func serveFlags(fs *flag.FlagSet, c *config.Config) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "`host:port` to serve the Kinesis API on (port 0 picks a free port)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "`directory` holding streams and records (created if missing)")
	fs.StringVar(&c.Region, "region", c.Region, "AWS `region` shown in stream ARNs")
	fs.StringVar(&c.AccountID, "account-id", c.AccountID, "12-digit AWS account `id` shown in ARNs and messages")
	fs.DurationVar(&c.CreateStreamDelay, "create-stream-delay", c.CreateStreamDelay, "how long a new stream stays CREATING (Go `duration`, 0 allowed)")
	fs.DurationVar(&c.DeleteStreamDelay, "delete-stream-delay", c.DeleteStreamDelay, "how long a deleted stream stays DELETING (Go `duration`, 0 allowed)")
	fs.DurationVar(&c.UpdateStreamDelay, "update-stream-delay", c.UpdateStreamDelay, "how long an updated stream stays UPDATING (Go `duration`, 0 allowed)")
	fs.BoolVar(&c.InMemory, "in-memory", c.InMemory, "keep everything in memory, nothing on disk (for tests and throwaway use)")
	fs.StringVar(&c.CredentialsFile, "credentials", c.CredentialsFile, "`file` of accepted credentials, one \"ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID\" a line: every request must then carry a valid SigV4 signature (default: any well-formed credentials)")
	fs.IntVar(&c.ShardLimit, "shard-limit", c.ShardLimit, "account shard `quota` reported by DescribeLimits and enforced by CreateStream, SplitShard, UpdateShardCount and on-demand scaling")
	fs.BoolVar(&c.EnforceLimits, "enforce-limits", c.EnforceLimits, "enforce AWS's limits: per shard 1 MiB/s and 1,000 records/s of writes, 2 MiB/s and 5 GetRecords calls/s of reads, 5 GetShardIterator calls/s; control-plane operations' TPS; and ON_DEMAND streams scale themselves")
	fs.DurationVar(&c.OnDemandSplitAfter, "on-demand-split-after", c.OnDemandSplitAfter, "with --enforce-limits, split an ON_DEMAND stream's shard whose writes were throttled for this long, in consecutive seconds (Go `duration`)")
	fs.DurationVar(&c.OnDemandMergeAfter, "on-demand-merge-after", c.OnDemandMergeAfter, "with --enforce-limits, merge two adjacent ON_DEMAND shards whose writes stayed under half the shard limit for this long (Go `duration`)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", c.MasterKeyFile, "`file` holding the master key (32 bytes or 64 hex digits) that wraps encrypted streams' data keys (default <data-dir>/master.key, created on first start)")
	fs.StringVar(&c.TLSCertFile, "tls-cert", c.TLSCertFile, "PEM certificate `file`: serve HTTPS (HTTP/2 via ALPN and HTTP/1.1) instead of plain HTTP (h2c and HTTP/1.1); needs --tls-key")
	fs.StringVar(&c.TLSKeyFile, "tls-key", c.TLSKeyFile, "PEM private key `file` of --tls-cert")
	fs.BoolVar(&c.TLSSelfSigned, "tls-self-signed", c.TLSSelfSigned, "serve HTTPS with a certificate for 127.0.0.1/localhost generated on first start (data-dir/tls-cert.pem, reused; a temp dir with --in-memory); the log says where it is")
	fs.IntVar(&c.MaxConnections, "max-connections", c.MaxConnections, "most open client `connections`; more wait to be accepted")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", c.MaxInFlight, "most `requests` read or served at once (a subscription counts until its stream starts); more are answered 503 ServiceUnavailable")
	fs.DurationVar(&c.BodyReadTimeout, "body-read-timeout", c.BodyReadTimeout, "how long a client may take to send a request body (Go `duration`)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "how long a client may take to send request headers (Go `duration`)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection stays open (Go `duration`)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", c.MetricsListen, "`host:port` to serve /metrics (Prometheus), /healthz and /readyz on, apart from the Kinesis API (default: GET on the API listener)")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve net/http/pprof's /debug/pprof/ beside /metrics (on --metrics-listen if given)")
	// Hidden (not in --help): shorten SubscribeToShard for tests.
	fs.DurationVar(&c.SubscribeDuration, "subscribe-duration", c.SubscribeDuration, "how long a SubscribeToShard subscription lasts (default 5m)")
	fs.DurationVar(&c.SubscribeHeartbeat, "subscribe-heartbeat", c.SubscribeHeartbeat, "how long a quiet subscription waits before an event without records (default 5s)")
}

// hiddenFlag reports the flags that are for tests: accepted, but not
// listed by --help.
func hiddenFlag(name string) bool {
	return name == "subscribe-duration" || name == "subscribe-heartbeat"
}

// envName is the environment variable for a flag: --data-dir → RUNNEL_DATA_DIR.
func envName(flagName string) string {
	return "RUNNEL_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag that has an environment variable; flags given on
// the command line then override them.
func applyEnv(fs *flag.FlagSet, env func(string) (string, bool)) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := env(envName(f.Name))
		if !ok {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
		}
	})
	return errors.Join(errs...)
}

func serve(args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	cfg := config.Default()
	fs := flag.NewFlagSet("runnel serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serveFlags(fs, &cfg)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: runnel serve [flags]\n\nRuns the Kinesis-compatible server. Every flag can also be set with the\nenvironment variable shown (flags win).\n\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			if hiddenFlag(f.Name) {
				return
			}
			name, use := flag.UnquoteUsage(f)
			fmt.Fprintf(fs.Output(), "  --%s %s\n        %s (default %s; env %s)\n", f.Name, name, use, strconv.Quote(f.DefValue), envName(f.Name))
		})
	}
	if err := applyEnv(fs, env); err != nil {
		fmt.Fprintf(stderr, "runnel: %v\n", err)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "runnel serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := server.New(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve() }()
	select {
	case err := <-serveErr:
		log.Error("server stopped", "err", err)
		_ = srv.Shutdown(context.Background())
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	if err := <-serveErr; err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	log.Info("stopped; all data durable")
	return 0
}
