package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/runnel-io/runnel/internal/api"
	"github.com/runnel-io/runnel/internal/config"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
)

// maintainEvery is how often deleted streams are purged and expired
// segments trimmed.
const maintainEvery = time.Second

// Server is a running Runnel: engine, stores and HTTP listener.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	lock     *os.File
	logs     engine.LogStore
	engines  map[string]*engine.Engine // by account id (accounts.go)
	engine   *engine.Engine            // the default account's
	listener net.Listener
	http     *http.Server
	// tlsTempDir holds an in-memory server's self-signed certificate (tls.go).
	tlsTempDir string
	// obs is /metrics, /healthz, /readyz and pprof (observability.go).
	obs *observability

	stopMaintain context.CancelFunc
	maintainDone chan struct{}
	shutdownOnce sync.Once
	shutdownErr  error
}

// New opens the data (or memory) stores, builds the engine and binds the
// listen address. It does not serve until Serve is called.
func New(cfg config.Config, log *slog.Logger) (_ *Server, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			s.closeStores()
		}
	}()
	if s.obs, err = newObservability(cfg.DataDir, cfg.InMemory); err != nil { // observability.go
		return nil, err
	}
	var key []byte
	if cfg.InMemory {
		s.logs = logstore.NewMemory()
		key = make([]byte, keyBytes)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
	} else {
		if s.lock, err = lockDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
		if err := checkCatalogPresent(cfg.DataDir); err != nil { // catalogguard.go
			return nil, err
		}
		if key, err = loadOrCreateKey(filepath.Join(cfg.DataDir, "server.key")); err != nil {
			return nil, err
		}
		if s.logs, err = logstore.Open(filepath.Join(cfg.DataDir, "log"), logstore.Options{Logger: log, Observer: s.obs.storage}); err != nil {
			return nil, err
		}
	}
	masterKey, err := loadMasterKey(cfg, log) // masterkey.go
	if err != nil {
		return nil, err
	}
	var creds []api.Credential
	accounts := []string{cfg.AccountID}
	if cfg.CredentialsFile != "" {
		if creds, err = loadCredentials(cfg.CredentialsFile); err != nil {
			return nil, err
		}
		for _, c := range creds {
			accounts = append(accounts, c.AccountID)
		}
	}
	if err := s.openAccounts(accounts, key, masterKey); err != nil { // accounts.go
		return nil, err
	}
	s.listener, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	backends := make(map[string]api.Backend, len(s.engines))
	for id, e := range s.engines {
		backends[id] = e
	}
	handler := api.NewHandler(s.engine, log)
	handler.ServeAccounts(cfg.AccountID, backends)
	if creds != nil {
		handler.RequireSignatures(api.NewAuthenticator(creds, cfg.Region, time.Now))
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	s.applyLimits(handler) // limits.go
	// Event streams end cleanly instead of holding Shutdown up.
	for _, e := range s.engines {
		s.http.RegisterOnShutdown(e.EndSubscriptions)
	}
	if err := s.setupProtocols(); err != nil { // tls.go
		_ = s.listener.Close()
		return nil, err
	}
	if err := s.setupObservability(handler); err != nil { // observability.go
		_ = s.listener.Close()
		return nil, err
	}
	return s, nil
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// Serve answers requests until Shutdown. It logs the ready line first.
func (s *Server) Serve() error {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopMaintain = cancel
	s.maintainDone = make(chan struct{})
	go s.maintain(ctx)
	dataDir := s.cfg.DataDir
	if s.cfg.InMemory {
		dataDir = "(in memory)"
	}
	s.startObservability() // observability.go
	s.log.Info("runnel ready", "addr", s.Addr().String(), "scheme", s.scheme(), "data_dir", dataDir, "region", s.cfg.Region, "account_id", s.cfg.AccountID)
	err := s.serveHTTP()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Server) maintain(ctx context.Context) {
	defer close(s.maintainDone)
	t := time.NewTicker(maintainEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.eachEngine(func(e *engine.Engine) error { return e.Maintain(ctx) }); err != nil {
				s.log.Error("maintenance failed", "err", err)
			}
		}
	}
}

// Shutdown stops accepting connections, waits for in-flight requests (until
// ctx ends), then makes everything durable and releases the data dir.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		obsErr := s.stopObservability() // observability.go: /readyz fails from now on
		httpErr := errors.Join(s.http.Shutdown(ctx), obsErr)
		if s.stopMaintain != nil {
			s.stopMaintain()
			<-s.maintainDone
		}
		s.shutdownErr = errors.Join(httpErr, s.closeStores())
	})
	return s.shutdownErr
}

func (s *Server) closeStores() error {
	var errs []error
	errs = append(errs, s.eachEngine((*engine.Engine).Close))
	if s.logs != nil {
		errs = append(errs, s.logs.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	errs = append(errs, s.removeTLSTempDir())
	return errors.Join(errs...)
}
