package server

import (
	"net"
	"sync"

	"github.com/runnel-io/runnel/internal/api"
)

// applyLimits bounds what clients can take from the server: connections
// (limitListener), requests in flight and body read time (api.Guard, which
// also turns a handler panic into a 500 for that request), and header and
// idle time (http.Server). There is no WriteTimeout: a SubscribeToShard
// response legitimately streams for five minutes.
func (s *Server) applyLimits(h *api.Handler) {
	s.listener = newLimitListener(s.listener, s.cfg.MaxConnections)
	s.http.Handler = h.Guard(api.GuardOptions{MaxInFlight: s.cfg.MaxInFlight, BodyReadTimeout: s.cfg.BodyReadTimeout})
	s.http.ReadHeaderTimeout = s.cfg.ReadHeaderTimeout
	s.http.IdleTimeout = s.cfg.IdleTimeout
}

// limitListener accepts at most cap(slots) connections at a time: Accept
// waits (the kernel queues new connections) until one of them closes.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func newLimitListener(l net.Listener, maxConns int) *limitListener {
	return &limitListener{Listener: l, slots: make(chan struct{}, maxConns), closed: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// limitConn gives its slot back when first closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
