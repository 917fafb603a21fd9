package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runnel-io/runnel/internal/api"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metrics"
)

var (
	_ api.RequestObserver         = (*metrics.Requests)(nil)
	_ logstore.Observer           = (*metrics.Storage)(nil)
	_ logstore.CorruptionObserver = (*metrics.Storage)(nil)
	_ engine.Observer             = (*metrics.Account)(nil)
)

// observability is /metrics, /healthz, /readyz and, with --pprof,
// /debug/pprof/: on the API listener (GET only, routed before the Kinesis
// handler) or, with --metrics-listen, on a listener of their own.
type observability struct {
	registry *prometheus.Registry
	streams  *metrics.Streams
	storage  *metrics.Storage
	ready    *readiness
	mux      *http.ServeMux

	listener net.Listener // --metrics-listen; nil: the API listener serves mux
	http     *http.Server
	done     chan error // the metrics server's Serve result
}

// newObservability builds the registry and the collectors the stores and
// engines report to. It runs before the stores are opened.
func newObservability(dataDir string, inMemory bool) (*observability, error) {
	o := &observability{registry: prometheus.NewRegistry(), ready: newReadiness(dataDir, inMemory)}
	if err := o.registry.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("register go metrics: %w", err)
	}
	if err := o.registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("register process metrics: %w", err)
	}
	var err error
	if o.streams, err = metrics.NewStreams(o.registry); err != nil {
		return nil, err
	}
	if o.storage, err = metrics.NewStorage(o.registry); err != nil {
		return nil, err
	}
	return o, nil
}

// setupObservability wires the metrics into the handler and the stores,
// builds the endpoints and binds --metrics-listen. It runs once the
// engines, the API handler and s.http exist.
func (s *Server) setupObservability(handler *api.Handler) error {
	o := s.obs
	requests, err := metrics.NewRequests(o.registry, handler.OperationNames())
	if err != nil {
		return err
	}
	for id, e := range s.engines {
		o.streams.Account(id).Watch(e)
	}
	if !s.cfg.InMemory {
		var openFiles func() int
		if st, ok := s.logs.(interface{ OpenFiles() int }); ok {
			openFiles = st.OpenFiles
		}
		if err := o.storage.WatchDisk(o.registry, s.cfg.DataDir, filepath.Join(s.cfg.DataDir, "log"), openFiles); err != nil {
			return err
		}
	}
	if st, ok := s.logs.(interface{ WaitRecovered() }); ok {
		go func() {
			st.WaitRecovered()
			o.ready.recovered.Store(true)
		}()
	} else {
		o.ready.recovered.Store(true)
	}

	o.mux = http.NewServeMux()
	o.mux.Handle("GET /metrics", promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{
		ErrorLog:      errorLogger{s},
		ErrorHandling: promhttp.ContinueOnError,
	}))
	o.mux.HandleFunc("GET /healthz", serveHealthz)
	o.mux.Handle("GET /readyz", o.ready)
	if s.cfg.Pprof {
		o.mux.HandleFunc("/debug/pprof/", pprof.Index)
		o.mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		o.mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		o.mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		o.mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}

	timed := handler.Timed(s.http.Handler, requests)
	if s.cfg.MetricsListen == "" {
		s.http.Handler = routeObservability(o.mux, timed)
		return nil
	}
	s.http.Handler = timed
	if o.listener, err = net.Listen("tcp", s.cfg.MetricsListen); err != nil {
		return fmt.Errorf("metrics listen on %s: %w", s.cfg.MetricsListen, err)
	}
	o.http = &http.Server{
		Handler:           o.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          s.http.ErrorLog,
	}
	return nil
}

// routeObservability sends a GET (or HEAD) of one of mux's paths to mux and
// everything else to the Kinesis handler, which answers any other GET as
// AWS does.
func routeObservability(mux *http.ServeMux, kinesis http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if _, pattern := mux.Handler(r); pattern != "" {
				mux.ServeHTTP(w, r)
				return
			}
		}
		kinesis.ServeHTTP(w, r)
	})
}

// startObservability starts the metrics listener, if there is one.
func (s *Server) startObservability() {
	o := s.obs
	if o == nil || o.listener == nil {
		return
	}
	o.done = make(chan error, 1)
	s.log.Info("metrics listening", "metrics_addr", o.listener.Addr().String(), "pprof", s.cfg.Pprof)
	go func() { o.done <- o.http.Serve(o.listener) }()
}

// MetricsAddr is the address of the --metrics-listen listener (nil when
// /metrics is served on the API listener).
func (s *Server) MetricsAddr() net.Addr {
	if s.obs == nil || s.obs.listener == nil {
		return nil
	}
	return s.obs.listener.Addr()
}

// stopObservability makes /readyz answer 503 and stops the metrics
// listener.
func (s *Server) stopObservability() error {
	o := s.obs
	if o == nil {
		return nil
	}
	o.ready.stopping.Store(true)
	if o.listener == nil {
		return nil
	}
	if o.http == nil || o.done == nil { // never served
		return o.listener.Close()
	}
	err := o.http.Close()
	if serveErr := <-o.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}

// errorLogger sends promhttp's errors to the server's log.
type errorLogger struct{ s *Server }

func (l errorLogger) Println(v ...any) { l.s.log.Error("metrics", "err", fmt.Sprint(v...)) }
