package engine

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Config is what the engine needs from the outside world.
type Config struct {
	Region      string
	AccountID   string
	CreateDelay time.Duration // how long a new stream stays CREATING
	DeleteDelay time.Duration // how long a deleted stream stays DELETING
	UpdateDelay time.Duration // how long an updated stream stays UPDATING
	ShardLimit  int           // account shard quota (DescribeLimits)
	// Key seals shard iterators and pagination tokens (32 bytes, AES-256).
	Key []byte
	// MasterKey wraps per-stream data keys (32 bytes, AES-256); nil means
	// a random key for this process (encryption.go).
	MasterKey []byte
	// SubscriptionDuration and SubscriptionHeartbeat bound SubscribeToShard
	// (subscribe.go); zero means the defaults (5 minutes, 5 seconds).
	SubscriptionDuration  time.Duration
	SubscriptionHeartbeat time.Duration
	// EnforceLimits turns on AWS's per-shard and control-plane rate limits
	// and on-demand self-scaling (limits.go, autoscale.go).
	EnforceLimits bool
	Scaling       ScalingConfig
	Now           func() time.Time
	Logger        *slog.Logger
	// Observer receives the data-path metrics (observe.go); nil: none.
	Observer Observer
}

// Engine is the Kinesis state machine of one account in one region.
type Engine struct {
	cfg     Config
	log     LogStore
	catalog CatalogStore
	aead    cipher.AEAD
	master  cipher.AEAD // wraps data keys (encryption.go)

	control sync.Mutex // serialises catalog changes; taken before mu

	mu      sync.RWMutex
	streams map[string]*stream // by name, including DELETING ones
	account accountSettings    // account-level settings (account.go)

	lastToken atomic.Uint64 // highest LogStore sync token handed out

	fan *fanout // SubscribeToShard: notifier, feeds, leases (fanout.go)

	limits *limiter // nil unless Config.EnforceLimits (limits.go)
}

// noteToken records a sync token an append returned.
func (e *Engine) noteToken(token uint64) {
	for {
		cur := e.lastToken.Load()
		if token <= cur || e.lastToken.CompareAndSwap(cur, token) {
			return
		}
	}
}

// DefaultShardLimit is AWS's default shard quota in us-east-1.
const DefaultShardLimit = 20000

// New loads the catalog and opens every shard log.
func New(cfg Config, logStore LogStore, catalog CatalogStore) (*Engine, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ShardLimit == 0 {
		cfg.ShardLimit = DefaultShardLimit
	}
	block, err := aes.NewCipher(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("engine key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("engine key: %w", err)
	}
	e := &Engine{cfg: cfg, log: logStore, catalog: catalog, aead: aead, streams: map[string]*stream{}, fan: newFanout()}
	if cfg.EnforceLimits {
		e.limits = newLimiter(cfg.Now())
	}
	if e.master, err = newMasterAEAD(cfg.MasterKey); err != nil {
		return nil, err
	}
	if err := e.load(); err != nil {
		e.closeShards()
		return nil, err
	}
	return e, nil
}

func (e *Engine) now() time.Time { return e.cfg.Now() }

// Close closes every shard log. The LogStore itself belongs to the caller.
func (e *Engine) Close() error {
	e.control.Lock()
	defer e.control.Unlock()
	return e.closeShards()
}

func (e *Engine) closeShards() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, s := range e.streams {
		for _, sh := range s.shards {
			if sh.log != nil {
				errs = append(errs, sh.log.Close())
				sh.log = nil
			}
		}
	}
	return errors.Join(errs...)
}

// Maintain does the engine's periodic work: it removes streams whose
// deletion has completed (their logs too) and trims expired records. With
// limits enforced it first scales ON_DEMAND streams (autoscale.go).
func (e *Engine) Maintain(ctx context.Context) error {
	scaleErr := e.autoScale(ctx) // takes e.control itself
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now()
	errs := []error{scaleErr}
	e.mu.RLock()
	var gone []string
	for name, s := range e.streams {
		if s.gone(now) {
			gone = append(gone, name)
		}
	}
	e.mu.RUnlock()
	sort.Strings(gone)
	for _, name := range gone {
		if err := e.purgeLocked(name); err != nil {
			errs = append(errs, err)
		}
	}
	e.mu.RLock()
	type trim struct {
		log    ShardLog
		before int64
	}
	var trims []trim
	for _, s := range e.streams {
		before := now.Add(-time.Duration(s.retentionHours) * time.Hour).UnixMilli()
		for _, sh := range s.shards {
			if sh.log != nil {
				trims = append(trims, trim{sh.log, before})
			}
		}
	}
	e.mu.RUnlock()
	for _, t := range trims {
		if ctx.Err() != nil {
			break
		}
		if err := t.log.Trim(t.before); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// purgeLocked removes a stream that finished deleting: catalog first (so a
// crash never leaves a catalog entry without its logs), then its logs.
// The caller holds e.control.
func (e *Engine) purgeLocked(name string) error {
	e.mu.Lock()
	s := e.streams[name]
	if s == nil {
		e.mu.Unlock()
		return nil
	}
	delete(e.streams, name)
	doc := e.catalogDocLocked()
	e.mu.Unlock()
	if err := e.save(doc); err != nil {
		e.mu.Lock()
		e.streams[name] = s
		e.mu.Unlock()
		return err
	}
	var errs []error
	for _, sh := range s.shards {
		if sh.log != nil {
			errs = append(errs, sh.log.Close())
		}
	}
	errs = append(errs, e.log.DeleteStream(s.id))
	return errors.Join(errs...)
}

// lookup returns the stream with that name unless it does not exist or has
// finished deleting. The caller holds e.mu (read or write).
func (e *Engine) lookup(name string, now time.Time) *stream {
	s := e.streams[name]
	if s == nil || s.gone(now) {
		return nil
	}
	return s
}

func newStreamID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
