package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// This file holds the wire layer's defences against hostile input: the
// structural bounds every JSON body must respect before encoding/json sees
// it (checkJSONBounds), and Guard, the middleware that bounds requests in
// flight, gives each body a read deadline and turns a handler panic into
// an InternalFailure for that one request.

// Bounds on a JSON request body, beyond MaxBodyBytes. No Kinesis input is
// deeper than 4 levels or has more than ~2,000 values (500 records of 3
// members); the bounds leave room for every constraint violation to be
// reported in AWS's words, and stop a 16 MiB body of `[[[[…` or `[0,0,0,…`
// from costing gigabytes once decoded into map[string]any.
const (
	// maxJSONDepth matches the CBOR decoder's MaxNestedLevels.
	maxJSONDepth = cborMaxNestedLevels
	// maxJSONValues bounds the number of values (scalars, objects, arrays).
	maxJSONValues = 1 << 16
	// maxJSONNumberLen bounds a number literal: an epoch timestamp with
	// nanoseconds is 20 characters.
	maxJSONNumberLen = 100
)

// Messages of the SerializationExceptions for bodies outside the bounds.
// AWS's parser is not observable here: they name the problem plainly.
const (
	msgInvalidUTF8   = "Invalid UTF-8 in the request body."
	msgTooDeep       = "The request body is nested too deeply."
	msgTooManyValues = "The request body has too many values."
	msgNumberTooLong = "A number in the request body is too long."
	msgDuplicateKey  = "Duplicate member in the request body: "
)

// checkJSONBounds refuses, as SerializationException, a body with invalid
// UTF-8 (encoding/json would silently replace it with U+FFFD), nesting
// deeper than maxJSONDepth, more than maxJSONValues values, a number
// literal longer than maxJSONNumberLen, or an object with the same member
// twice. Duplicates are refused rather than "last one wins" (Jackson's
// default, with STRICT_DUPLICATE_DETECTION off) so that JSON and CBOR (whose
// decoder enforces unique keys) agree, and so that no two readers of a
// request can see different values. A syntax error is left to
// encoding/json: checkJSONBounds then returns nil.
func checkJSONBounds(body []byte) *apiError {
	if !utf8.Valid(body) {
		return serializationError(msgInvalidUTF8)
	}
	s := boundsScanner{b: body}
	s.value(0)
	return s.err
}

// boundsScanner walks a JSON text once, linearly, without allocating for
// anything but the member names of objects. It stops at the first bound
// broken (err) or the first syntax error (bad, err nil).
type boundsScanner struct {
	b      []byte
	i      int
	values int
	err    *apiError
	bad    bool
}

func (s *boundsScanner) stopped() bool { return s.err != nil || s.bad }

func (s *boundsScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *boundsScanner) value(depth int) {
	s.values++
	if s.values > maxJSONValues {
		s.err = serializationError(msgTooManyValues)
		return
	}
	s.ws()
	if s.i >= len(s.b) {
		s.bad = true
		return
	}
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		if depth >= maxJSONDepth {
			s.err = serializationError(msgTooDeep)
			return
		}
		s.i++
		if c == '{' {
			s.object(depth + 1)
		} else {
			s.array(depth + 1)
		}
	case c == '"':
		s.str()
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) && strings.IndexByte("0123456789+-.eE", s.b[s.i]) >= 0 {
			s.i++
		}
		if s.i-start > maxJSONNumberLen {
			s.err = serializationError(msgNumberTooLong)
		}
	default: // true, false, null (or garbage, which encoding/json reports)
		for s.i < len(s.b) && s.b[s.i] >= 'a' && s.b[s.i] <= 'z' {
			s.i++
		}
	}
}

func (s *boundsScanner) array(depth int) {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return
	}
	for !s.stopped() {
		s.value(depth)
		s.ws()
		if s.stopped() || !s.sep(']') {
			return
		}
	}
}

func (s *boundsScanner) object(depth int) {
	var keys []string
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return
	}
	for !s.stopped() {
		s.ws()
		key, ok := s.str()
		if !ok {
			return
		}
		for _, k := range keys { // Kinesis objects are small; maps are bounded by maxJSONValues
			if k == key {
				s.err = serializationError(msgDuplicateKey + key)
				return
			}
		}
		keys = append(keys, key)
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			s.bad = true
			return
		}
		s.i++
		s.value(depth)
		s.ws()
		if s.stopped() || !s.sep('}') {
			return
		}
	}
}

// sep consumes ',' (more to come, true) or end (false, container closed).
func (s *boundsScanner) sep(end byte) bool {
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			return true
		case end:
			s.i++
			return false
		}
	}
	s.bad = true
	return false
}

// str consumes a string and returns its value (unescaped only when it has
// escapes, as member names rarely do).
func (s *boundsScanner) str() (string, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		s.bad = true
		return "", false
	}
	start := s.i
	escaped := false
	for i := s.i + 1; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '\\':
			escaped = true
			i++
		case c == '"':
			s.i = i + 1
			raw := s.b[start:s.i]
			if !escaped {
				return string(raw[1 : len(raw)-1]), true
			}
			var v string
			if json.Unmarshal(raw, &v) != nil {
				s.bad = true
				return "", false
			}
			return v, true
		case c < 0x20: // a raw control character, NUL included: invalid JSON
			s.bad = true
			return "", false
		}
	}
	s.bad = true
	return "", false
}

// GuardOptions bound what requests may take from the server.
type GuardOptions struct {
	// MaxInFlight bounds the requests being read or served at once; a
	// request over the bound is answered 503 ServiceUnavailable without its
	// body being read. A request stops counting once its response has
	// started (a SubscribeToShard stream holds no slot). 0 means no bound.
	MaxInFlight int
	// BodyReadTimeout bounds the time to receive a request's whole body,
	// from the moment the handler starts. 0 means no bound.
	BodyReadTimeout time.Duration
}

// Guard returns h behind the request bounds of o and a panic barrier: a
// panic in a handler is logged with its stack and answered as a 500
// InternalFailure for that request only (or, once the response has
// started, ends that response).
func (h *Handler) Guard(o GuardOptions) http.Handler { return newGuard(h, h, o) }

type guard struct {
	h           *Handler // for its logger and error encoders
	next        http.Handler
	slots       chan struct{} // nil: unbounded
	bodyTimeout time.Duration
}

func newGuard(h *Handler, next http.Handler, o GuardOptions) *guard {
	g := &guard{h: h, next: next, bodyTimeout: o.BodyReadTimeout}
	if o.MaxInFlight > 0 {
		g.slots = make(chan struct{}, o.MaxInFlight)
	}
	return g
}

// Wording of AWS's common errors (docs "Common Errors": ServiceUnavailable
// 503, InternalFailure 500).
const msgServiceUnavailable = "The request has failed due to a temporary failure of the server."

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.slots != nil {
		select {
		case g.slots <- struct{}{}:
		default:
			g.reject(w, r)
			return
		}
	}
	gw := &guardWriter{ResponseWriter: w}
	if g.slots != nil {
		gw.release = func() { <-g.slots }
	}
	defer gw.releaseSlot()
	if g.bodyTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(g.bodyTimeout)) == nil {
			// A shallow copy: net/http must still see its own body type on
			// the original request after the handler (it decides there
			// whether to drain an unread body or close the connection).
			r = r.WithContext(r.Context())
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
	}
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { //nolint:errorlint // a sentinel value, as net/http compares it
			panic(v)
		}
		g.h.log.Error("handler panic", "target", r.Header.Get("X-Amz-Target"), "panic", v, "stack", string(debug.Stack()))
		if gw.started {
			panic(http.ErrAbortHandler) // ends this response quietly; the server goes on
		}
		g.h.writeError(gw, newError("InternalFailure", http.StatusInternalServerError, internalMessage))
	}()
	g.next.ServeHTTP(gw, r)
}

// reject answers 503 ServiceUnavailable in the request's format, without
// reading the body.
func (g *guard) reject(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["X-Amzn-Requestid"] = []string{uuid.NewString()}
	hdr["X-Amz-Id-2"] = []string{requestID2()}
	if r.Header.Get("Content-Type") == cborContentType {
		hdr.Set("Content-Type", cborContentType)
	}
	if r.ProtoMajor == 1 {
		hdr.Set("Connection", "close") // the unread body makes the connection unusable
	}
	g.h.writeError(w, newError("ServiceUnavailable", http.StatusServiceUnavailable, msgServiceUnavailable))
}

// guardWriter notes when the response starts, to free the in-flight slot
// then and to know whether a 500 can still be written.
type guardWriter struct {
	http.ResponseWriter
	started bool
	once    sync.Once
	release func()
}

func (w *guardWriter) releaseSlot() {
	if w.release != nil {
		w.once.Do(w.release)
	}
}

func (w *guardWriter) WriteHeader(code int) {
	if code >= 200 { // 1xx responses are interim
		w.started = true
		w.releaseSlot()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *guardWriter) Write(p []byte) (int, error) {
	w.started = true
	w.releaseSlot()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (Flush, read
// deadlines) through the wrapper.
func (w *guardWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// deadlineBody clears the body read deadline once the body has been read
// to its end, so that a long response (SubscribeToShard) is not cut by it:
// net/http watches the idle connection for the client going away, and a
// deadline firing there would cancel the request. After any other error
// (the deadline itself) it stays, so that net/http's own attempt to drain
// the rest of a stalled body fails at once and the connection is closed.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// maxBodyPrealloc bounds what readBody reserves on the word of
// Content-Length alone: a client that declares 16 MiB and sends nothing
// must not cost 16 MiB. Beyond it the buffer grows as bytes arrive.
const maxBodyPrealloc = 1 << 20
