package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"
)

// Config is everything `runnel serve` can be told.
type Config struct {
	Listen            string        // host:port to serve on
	DataDir           string        // where streams and records live
	Region            string        // region in ARNs
	AccountID         string        // 12-digit account id in ARNs and messages
	CreateStreamDelay time.Duration // how long a new stream stays CREATING
	DeleteStreamDelay time.Duration // how long a deleted stream stays DELETING
	UpdateStreamDelay time.Duration // how long an updated stream stays UPDATING
	InMemory          bool          // keep nothing on disk
	CredentialsFile   string        // if set, only these SigV4 credentials are accepted
	ShardLimit        int           // account shard quota
	MasterKeyFile     string        // master key wrapping data keys; "" means <data-dir>/master.key
	TLSCertFile       string        // PEM certificate: serve HTTPS (h2 via ALPN, and HTTP/1.1)
	TLSKeyFile        string        // PEM private key of TLSCertFile
	TLSSelfSigned     bool          // generate (or reuse) a certificate for 127.0.0.1/localhost
	// SubscribeDuration and SubscribeHeartbeat bound SubscribeToShard
	// (hidden flags, for tests); zero means AWS's 5 minutes and 5 seconds.
	SubscribeDuration  time.Duration
	SubscribeHeartbeat time.Duration
	// Bounds against floods and slow clients (internal/server/limits.go).
	MaxConnections    int           // open connections; Accept waits at the bound
	MaxInFlight       int           // requests read or served at once; more get 503
	BodyReadTimeout   time.Duration // to receive a request's whole body
	ReadHeaderTimeout time.Duration // to receive a request's headers
	IdleTimeout       time.Duration // a keep-alive connection without a request

	// EnforceLimits turns on AWS's per-shard throughput limits, control-plane
	// rate limits and ON_DEMAND self-scaling, which splits a shard throttled
	// for OnDemandSplitAfter and merges neighbours idle for OnDemandMergeAfter.
	EnforceLimits      bool
	OnDemandSplitAfter time.Duration
	OnDemandMergeAfter time.Duration

	// MetricsListen serves /metrics, /healthz, /readyz (and with Pprof
	// /debug/pprof/) on a listener of their own; "" serves them on Listen.
	MetricsListen string
	Pprof         bool // expose net/http/pprof beside /metrics
}

// Default returns the defaults documented in the README.
func Default() Config {
	return Config{
		Listen:            "127.0.0.1:4567",
		DataDir:           "./runnel-data",
		Region:            "us-east-1",
		AccountID:         "000000000000",
		CreateStreamDelay: 500 * time.Millisecond,
		DeleteStreamDelay: 500 * time.Millisecond,
		UpdateStreamDelay: 500 * time.Millisecond,
		ShardLimit:        20000,
		MaxConnections:    10000,
		MaxInFlight:       1024,
		BodyReadTimeout:   time.Minute,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,

		OnDemandSplitAfter: 3 * time.Second,
		OnDemandMergeAfter: 10 * time.Minute,
	}
}

var (
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: %w", c.Listen, err))
	}
	if _, _, err := net.SplitHostPort(c.MetricsListen); c.MetricsListen != "" && err != nil {
		errs = append(errs, fmt.Errorf("metrics listen address %q: %w", c.MetricsListen, err))
	}
	if !c.InMemory && c.DataDir == "" {
		errs = append(errs, errors.New("data dir must not be empty (or use --in-memory)"))
	}
	if !regionPattern.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("region %q does not look like an AWS region (us-east-1)", c.Region))
	}
	if !accountPattern.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("account id %q must be 12 digits", c.AccountID))
	}
	for name, d := range map[string]time.Duration{"create-stream-delay": c.CreateStreamDelay, "delete-stream-delay": c.DeleteStreamDelay, "update-stream-delay": c.UpdateStreamDelay, "subscribe-duration": c.SubscribeDuration, "subscribe-heartbeat": c.SubscribeHeartbeat, "body-read-timeout": c.BodyReadTimeout, "read-header-timeout": c.ReadHeaderTimeout, "idle-timeout": c.IdleTimeout, "on-demand-split-after": c.OnDemandSplitAfter, "on-demand-merge-after": c.OnDemandMergeAfter} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", name, d))
		}
	}
	if c.MaxConnections < 1 || c.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("max-connections and max-in-flight must be at least 1, got %d and %d", c.MaxConnections, c.MaxInFlight))
	}
	if c.ShardLimit < 1 {
		errs = append(errs, fmt.Errorf("shard limit must be at least 1, got %d", c.ShardLimit))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("tls-cert and tls-key must be given together"))
	}
	if c.TLSSelfSigned && c.TLSCertFile != "" {
		errs = append(errs, errors.New("tls-self-signed cannot be combined with tls-cert/tls-key"))
	}
	return errors.Join(errs...)
}
