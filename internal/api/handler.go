package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/runnel-io/runnel/internal/api/validate"
	"github.com/runnel-io/runnel/internal/engine"
)

// Backend is what the wire layer needs from the engine.
type Backend interface {
	ResourcePolicy(ctx context.Context, resourceARN string) (engine.Policy, bool, error)
	CreateStream(ctx context.Context, in engine.CreateStreamInput) error
	DeleteStream(ctx context.Context, ref engine.StreamRef) error
	DescribeStream(ctx context.Context, ref engine.StreamRef, limit int, exclusiveStartShardID string) (engine.StreamDescription, error)
	DescribeStreamSummary(ctx context.Context, ref engine.StreamRef) (engine.StreamSummary, error)
	ListStreams(ctx context.Context, in engine.ListStreamsInput) (engine.ListStreamsOutput, error)
	ListShards(ctx context.Context, in engine.ListShardsInput) (engine.ListShardsOutput, error)
	DescribeLimits(ctx context.Context) engine.Limits
	PutRecord(ctx context.Context, ref engine.StreamRef, entry engine.PutEntry, sequenceNumberForOrdering string) (engine.PutResult, error)
	PutRecords(ctx context.Context, ref engine.StreamRef, entries []engine.PutEntry) ([]engine.PutResult, error)
	GetShardIterator(ctx context.Context, in engine.GetShardIteratorInput) (string, error)
	GetRecords(ctx context.Context, iterator string, limit int) (engine.GetRecordsOutput, error)
	AddTagsToStream(ctx context.Context, ref engine.StreamRef, tags map[string]string) error
	RemoveTagsFromStream(ctx context.Context, ref engine.StreamRef, keys []string) error
	ListTags(ctx context.Context, ref engine.StreamRef, exclusiveStartKey string, limit int) ([]engine.Tag, bool, error)
	ResourceStream(resourceARN string) (engine.StreamRef, error)
	DeleteStreamEnforcing(ctx context.Context, ref engine.StreamRef, enforceConsumerDeletion bool) error
	TagResource(ctx context.Context, resourceARN string, tags map[string]string) error
	UntagResource(ctx context.Context, resourceARN string, keys []string) error
	ListTagsForResource(ctx context.Context, resourceARN string) ([]engine.Tag, error)
	RegisterStreamConsumer(ctx context.Context, streamARN, name string, tags map[string]string) (engine.ConsumerDescription, error)
	DeregisterStreamConsumer(ctx context.Context, ref engine.ConsumerRef) error
	DescribeStreamConsumer(ctx context.Context, ref engine.ConsumerRef) (engine.ConsumerDescription, error)
	ListStreamConsumers(ctx context.Context, in engine.ListStreamConsumersInput) (engine.ListStreamConsumersOutput, error)
	IncreaseStreamRetentionPeriod(ctx context.Context, ref engine.StreamRef, hours int) error
	DecreaseStreamRetentionPeriod(ctx context.Context, ref engine.StreamRef, hours int) error
	SplitShard(ctx context.Context, ref engine.StreamRef, shardToSplit, newStartingHashKey string) error
	MergeShards(ctx context.Context, ref engine.StreamRef, shardToMerge, adjacentShardToMerge string) error
	UpdateShardCount(ctx context.Context, ref engine.StreamRef, target int) (engine.UpdateShardCountOutput, error)
	UpdateStreamMode(ctx context.Context, ref engine.StreamRef, mode engine.Mode) error
	UpdateStreamModeWithWarmThroughput(ctx context.Context, ref engine.StreamRef, mode engine.Mode, warmMiBps *int) error
	EnableEnhancedMonitoring(ctx context.Context, ref engine.StreamRef, metrics []string) (engine.EnhancedMonitoringOutput, error)
	DisableEnhancedMonitoring(ctx context.Context, ref engine.StreamRef, metrics []string) (engine.EnhancedMonitoringOutput, error)
	PutResourcePolicy(ctx context.Context, resourceARN, policy string) error
	GetResourcePolicy(ctx context.Context, resourceARN string) (string, error)
	DeleteResourcePolicy(ctx context.Context, resourceARN string) error
	DescribeAccountSettings(ctx context.Context) engine.Commitment
	UpdateAccountSettings(ctx context.Context, status engine.CommitmentStatus) (engine.Commitment, error)
	UpdateMaxRecordSize(ctx context.Context, ref engine.StreamRef, kib int) error
	UpdateStreamWarmThroughput(ctx context.Context, ref engine.StreamRef, mibps int) (engine.UpdateStreamWarmThroughputOutput, error)
	StartStreamEncryption(ctx context.Context, ref engine.StreamRef, encryptionType, keyID string) error
	StopStreamEncryption(ctx context.Context, ref engine.StreamRef, encryptionType, keyID string) error
	SubscribeToShard(ctx context.Context, in engine.SubscribeInput) (*engine.Subscription, error)
	AdmitControl(op, stream string) error // control-plane rate limits (throttle.go)
}

var _ Backend = (*engine.Engine)(nil)

// Handler serves the Kinesis API over HTTP.
type Handler struct {
	backend Backend
	log     *slog.Logger
	ops     map[string]operation
	streams map[string]streamOperation // event-stream responses (op_subscribe.go)
	cbor    *cborCodec
	auth    *Authenticator // nil: any well-formed signature is accepted
	bodies  bodyPool       // response buffers of the hot read path (pool.go)

	defaultAccount string             // caller when signatures are not verified
	backends       map[string]Backend // by account id (accounts.go)
}

// RequireSignatures makes the handler verify every request's SigV4
// signature with a.
func (h *Handler) RequireSignatures(a *Authenticator) { h.auth = a }

// operation decodes its typed input from body, calls the backend and returns
// the value to encode as the response (nil for an empty body).
type operation func(h *Handler, ctx context.Context, body []byte) (any, error)

// Protocol constants.
const (
	targetPrefix    = "Kinesis_20131202."
	jsonContentType = "application/x-amz-json-1.1"
	// MaxBodyBytes bounds a request body: a 10 MiB PutRecords in base64
	// plus JSON framing fits with room to spare.
	MaxBodyBytes = 16 << 20
)

// NewHandler returns the HTTP handler for the Kinesis API.
func NewHandler(backend Backend, log *slog.Logger) *Handler {
	return &Handler{backend: backend, log: log, ops: operations(), streams: streamOperations(), cbor: newCBORCodec(), bodies: newBodyPool()}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["X-Amzn-Requestid"] = []string{uuid.NewString()}
	hdr["X-Amz-Id-2"] = []string{requestID2()}
	if r.Method != http.MethodPost {
		hdr.Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n")
		return
	}
	ct := r.Header.Get("Content-Type")
	isCBOR := ct == cborContentType
	if !isCBOR && ct != jsonContentType && ct != "application/x-amz-json-1.0" && ct != "application/json" {
		// AWS answers an unknown content type this way.
		hdr.Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<UnknownOperationException/>\n")
		return
	}
	if isCBOR {
		hdr.Set("Content-Type", cborContentType) // writeError answers in the request's format
	}
	opName, found := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	op := h.ops[opName]
	if !found || (op == nil && h.streams[opName] == nil) {
		h.writeError(w, newError("UnknownOperationException", http.StatusBadRequest, ""))
		return
	}
	if err := checkAuth(r); err != nil {
		h.writeError(w, err)
		return
	}
	body, readErr := readBody(w, r)
	caller := h.defaultAccount
	if readErr == nil && h.auth != nil {
		var cred Credential
		cred, readErr = h.auth.Authenticate(r, body)
		caller = cred.AccountID
	}
	if readErr == nil && isCBOR {
		body, readErr = h.cbor.requestToJSON(opName, body)
	}
	if readErr != nil {
		h.writeError(w, readErr)
		return
	}
	ctx, routeErr := h.route(r.Context(), opName, caller, body)
	if routeErr != nil {
		h.writeError(w, routeErr)
		return
	}
	r = r.WithContext(ctx)
	if sop := h.streams[opName]; sop != nil { // writes its own response once it has started
		if err := sop(h, w, r, body); err != nil {
			h.writeError(w, toAPIError(err, h.log, opName))
		}
		return
	}
	if err := h.admit(ctx, opName, body); err != nil { // throttle.go
		h.writeError(w, toAPIError(err, h.log, opName))
		return
	}
	out, err := op(h, ctx, body)
	if err != nil {
		h.writeError(w, toAPIError(err, h.log, opName))
		return
	}
	if pb, ok := out.(pooledBody); ok {
		defer h.bodies.put(pb.b) // after the write below: nothing refers to it then
		out = json.RawMessage(*pb.b)
	}
	if isCBOR {
		h.writeCBOR(w, opName, out)
		return
	}
	hdr.Set("Content-Type", jsonContentType)
	if out == nil {
		hdr.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	data, ok := out.(json.RawMessage) // hot paths encode themselves
	if !ok {
		data, err = json.Marshal(out)
	}
	if err != nil {
		h.writeError(w, toAPIError(fmt.Errorf("encode %s response: %w", opName, err), h.log, opName))
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.ContentLength > MaxBodyBytes {
		return nil, newError("SerializationException", http.StatusRequestEntityTooLarge, "Request body is too large.")
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, maxBodyPrealloc))) // guard.go
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, newError("SerializationException", http.StatusRequestEntityTooLarge, "Request body is too large.")
		}
		return nil, serializationError("Could not read the request body.")
	}
	return buf.Bytes(), nil
}

// checkAuth accepts any SigV4-shaped request: signatures are not verified
// (yet), but an unsigned or half-signed request is refused as AWS does.
func checkAuth(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	query := r.URL.Query()
	if query.Has("X-Amz-Algorithm") {
		if auth != "" {
			return newError("InvalidSignatureException", http.StatusBadRequest, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
		}
		var msg strings.Builder
		for _, p := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
			if !query.Has(p) {
				fmt.Fprintf(&msg, "AWS query-string parameters must include '%s'. ", p)
			}
		}
		if msg.Len() > 0 {
			msg.WriteString("Re-examine the query-string parameters.")
			return newError("IncompleteSignatureException", http.StatusBadRequest, msg.String())
		}
		return nil
	}
	if auth == "" {
		return newError("MissingAuthenticationTokenException", http.StatusBadRequest, "Missing Authentication Token")
	}
	var msg strings.Builder
	for _, p := range []string{"Credential", "Signature", "SignedHeaders"} {
		if !strings.Contains(auth, p+"=") {
			fmt.Fprintf(&msg, "Authorization header requires '%s' parameter. ", p)
		}
	}
	if r.Header.Get("X-Amz-Date") == "" && r.Header.Get("Date") == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + auth)
		return newError("IncompleteSignatureException", http.StatusBadRequest, msg.String())
	}
	return nil
}

func (h *Handler) writeError(w http.ResponseWriter, e *apiError) {
	hdr := w.Header()
	if hdr.Get("Content-Type") == cborContentType {
		h.writeCBORError(w, e)
		return
	}
	hdr.Set("Content-Type", jsonContentType)
	hdr.Set("X-Amzn-Errortype", e.Type)
	body := map[string]string{"__type": e.Type}
	if e.Message != "" {
		body["message"] = e.Message
	}
	data, _ := json.Marshal(body)
	w.WriteHeader(e.Status)
	_, _ = w.Write(data)
}

// requestID2 makes an x-amz-id-2 value: like AWS's, base64 of random bytes.
// It identifies nothing, so a fast non-cryptographic source is enough.
func requestID2() string {
	var b [48]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// decode parses body as a JSON object, checks it against the model's types
// and constraints for op, and decodes it into in.
func decode(op string, body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if aerr := checkJSONBounds(body); aerr != nil { // guard.go
		return aerr
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return serializationError("Start of structure or map found where not expected.")
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return serializationError("Unexpected content after the request object.")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return serializationError("Start of structure or map found where not expected.")
	}
	if serr, violations := validate.Check(op, obj); serr != nil {
		return serializationError(serr.Message)
	} else if len(violations) > 0 {
		return validationError(validate.Message(violations))
	}
	if err := json.Unmarshal(body, in); err != nil {
		// The model check passed, so this is a value the typed decode
		// cannot hold (a fractional integer, say): answer as AWS would,
		// without Go's wording.
		return serializationError("The request could not be deserialized: a member has a value of the wrong type.")
	}
	return nil
}
