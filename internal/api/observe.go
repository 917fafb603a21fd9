package api

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// RequestObserver receives how long each API request took to serve, by
// operation name. It is called once per request, on the request's
// goroutine: it must be cheap and must not block.
type RequestObserver interface {
	ObserveRequest(op string, d time.Duration)
}

// OperationNames lists the operations the handler serves with a single
// response, sorted: the values Timed reports. Event-stream operations
// (SubscribeToShard) are not among them: a subscription lasts minutes, so
// its time says nothing about the server.
func (h *Handler) OperationNames() []string {
	names := make([]string, 0, len(h.ops))
	for name := range h.ops {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Timed wraps next (the handler, or its Guard) so that every POST naming an
// operation of OperationNames reports its time to o, from the moment the
// server routed the request until next returned. Other requests (unknown
// operations, event streams, other methods) are served untimed, so the
// operation names o sees are bounded.
func (h *Handler) Timed(next http.Handler, o RequestObserver) http.Handler {
	now := time.Now
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
		if !ok || r.Method != http.MethodPost || h.ops[op] == nil {
			next.ServeHTTP(w, r)
			return
		}
		start := now()
		next.ServeHTTP(w, r)
		o.ObserveRequest(op, now().Sub(start))
	})
}
