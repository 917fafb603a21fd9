package engine

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// ConsumerStatus is an enhanced fan-out consumer's ConsumerStatus.
type ConsumerStatus string

// The consumer statuses.
const (
	ConsumerCreating ConsumerStatus = "CREATING"
	ConsumerActive   ConsumerStatus = "ACTIVE"
	ConsumerDeleting ConsumerStatus = "DELETING"
)

// Consumer registry limits (RegisterStreamConsumer documentation).
const (
	maxConsumersPerStream = 20
	maxCreatingConsumers  = 5 // per account, at the same time
	defaultListConsumers  = 100
	maxListConsumers      = 100
)

// consumer is one registered enhanced fan-out consumer of one stream
// incarnation. Guarded by Engine.mu, like the stream that holds it.
type consumer struct {
	name         string
	createdSec   int64 // ConsumerCreationTimestamp and the ARN suffix; unique per name in a stream
	registeredMs int64 // registration order; strictly increasing within a stream
	readyAt      time.Time
	deletingAt   time.Time // zero unless deregistered
	goneAt       time.Time
	tags         map[string]string
}

func (c *consumer) status(now time.Time) ConsumerStatus {
	switch {
	case !c.deletingAt.IsZero():
		return ConsumerDeleting
	case now.Before(c.readyAt):
		return ConsumerCreating
	}
	return ConsumerActive
}

// gone reports whether a deregistered consumer has finished deleting.
func (c *consumer) gone(now time.Time) bool {
	return !c.deletingAt.IsZero() && !now.Before(c.goneAt)
}

// consumerDoc is a consumer in the catalog (docs/format/catalog.md).
type consumerDoc struct {
	Name         string            `json:"name"`
	CreatedSec   int64             `json:"createdSec"`
	RegisteredMs int64             `json:"registeredMs"`
	ReadyMs      int64             `json:"readyMs"`
	DeletingMs   int64             `json:"deletingMs,omitempty"`
	GoneMs       int64             `json:"goneMs,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
}

func (s *stream) consumerDocs() []consumerDoc {
	if len(s.consumers) == 0 {
		return nil
	}
	out := make([]consumerDoc, len(s.consumers))
	for i, c := range s.consumers {
		out[i] = consumerDoc{
			Name: c.name, CreatedSec: c.createdSec, RegisteredMs: c.registeredMs, ReadyMs: c.readyAt.UnixMilli(),
			DeletingMs: msOrZero(c.deletingAt), GoneMs: msOrZero(c.goneAt), Tags: c.tags,
		}
	}
	return out
}

func consumersFromDoc(docs []consumerDoc) []*consumer {
	out := make([]*consumer, 0, len(docs))
	for _, d := range docs {
		out = append(out, &consumer{
			name: d.Name, createdSec: d.CreatedSec, registeredMs: d.RegisteredMs, readyAt: time.UnixMilli(d.ReadyMs),
			deletingAt: timeOrZero(d.DeletingMs), goneAt: timeOrZero(d.GoneMs), tags: d.Tags,
		})
	}
	return out
}

// ConsumerDescription is a consumer as the consumer operations report it
// (StreamARN is what ConsumerDescription adds to Consumer).
type ConsumerDescription struct {
	Name      string
	ARN       string
	Status    ConsumerStatus
	Created   time.Time // whole seconds
	StreamARN string
}

func (e *Engine) consumerARN(streamName string, c *consumer) string {
	return e.arn(streamName) + "/consumer/" + c.name + ":" + strconv.FormatInt(c.createdSec, 10)
}

func (e *Engine) describeConsumer(streamName string, c *consumer, now time.Time) ConsumerDescription {
	return ConsumerDescription{
		Name: c.name, ARN: e.consumerARN(streamName, c), Status: c.status(now),
		Created: time.Unix(c.createdSec, 0), StreamARN: e.arn(streamName),
	}
}

// parseConsumerARN splits
// arn:aws:kinesis:REGION:ACCOUNT:stream/STREAM/consumer/NAME:SECONDS.
func parseConsumerARN(arn string) (region, account, streamName, name string, sec int64, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "kinesis" {
		return "", "", "", "", 0, false
	}
	rest, found := strings.CutPrefix(parts[5], "stream/")
	if !found {
		return "", "", "", "", 0, false
	}
	streamName, rest, found = strings.Cut(rest, "/consumer/")
	if !found || streamName == "" || strings.Contains(streamName, "/") {
		return "", "", "", "", 0, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || strings.Contains(rest[:i], "/") {
		return "", "", "", "", 0, false
	}
	sec, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil || sec < 0 {
		return "", "", "", "", 0, false
	}
	return parts[3], parts[4], streamName, rest[:i], sec, true
}

// ConsumerRef names a consumer the way DescribeStreamConsumer and
// DeregisterStreamConsumer may: by ConsumerARN, or by StreamARN plus
// ConsumerName, or by all three if they agree.
type ConsumerRef struct {
	ARN       string
	StreamARN string
	Name      string
}

// consumerKey is a resolved ConsumerRef: the stream name, the consumer
// name, and the creation second if an ARN pinned it (-1 otherwise).
type consumerKey struct {
	stream string
	name   string
	sec    int64
	label  string // how the client named it, for messages
}

func (e *Engine) resolveConsumer(ref ConsumerRef) (consumerKey, error) {
	if ref.ARN == "" {
		if ref.StreamARN == "" || ref.Name == "" {
			return consumerKey{}, errorf(KindInvalidArgument, "Either ConsumerARN or both StreamARN and ConsumerName must be provided.")
		}
		name, err := e.resolve(StreamRef{ARN: ref.StreamARN})
		if err != nil {
			return consumerKey{}, err
		}
		return consumerKey{stream: name, name: ref.Name, sec: -1, label: ref.Name}, nil
	}
	region, account, streamName, name, sec, ok := parseConsumerARN(ref.ARN)
	if !ok {
		return consumerKey{}, errorf(KindInvalidArgument, "ConsumerARN %s is invalid.", ref.ARN)
	}
	if ref.Name != "" && ref.Name != name {
		return consumerKey{}, errorf(KindInvalidArgument, "ConsumerARN %s and ConsumerName %s refer to different consumers.", ref.ARN, ref.Name)
	}
	if ref.StreamARN != "" {
		sName, err := e.resolve(StreamRef{ARN: ref.StreamARN})
		if err != nil {
			return consumerKey{}, err
		}
		if sName != streamName {
			return consumerKey{}, errorf(KindInvalidArgument, "ConsumerARN %s does not belong to stream %s.", ref.ARN, ref.StreamARN)
		}
	}
	if region != e.cfg.Region || account != e.cfg.AccountID {
		return consumerKey{}, errorf(KindNotFound, "Consumer %s, account %s not found.", ref.ARN, account)
	}
	return consumerKey{stream: streamName, name: name, sec: sec, label: ref.ARN}, nil
}

func (e *Engine) consumerNotFound(k consumerKey) *Error {
	return errorf(KindNotFound, "Consumer %s, account %s not found.", k.label, e.cfg.AccountID)
}

// findConsumer returns the stream's registered (not yet gone) consumer k
// names. The caller holds e.mu.
func (s *stream) findConsumer(k consumerKey, now time.Time) *consumer {
	for _, c := range s.consumers {
		if c.name == k.name && !c.gone(now) && (k.sec < 0 || c.createdSec == k.sec) {
			return c
		}
	}
	return nil
}

// registeredConsumers counts consumers that are CREATING or ACTIVE.
func (s *stream) registeredConsumers() int {
	n := 0
	for _, c := range s.consumers {
		if c.deletingAt.IsZero() {
			n++
		}
	}
	return n
}

// consumerCount is DescribeStreamSummary's ConsumerCount: every consumer
// not yet gone, DELETING ones included.
func (s *stream) consumerCount(now time.Time) int {
	n := 0
	for _, c := range s.consumers {
		if !c.gone(now) {
			n++
		}
	}
	return n
}

// creatingConsumersLocked counts CREATING consumers in the account.
func (e *Engine) creatingConsumersLocked(now time.Time) int {
	n := 0
	for _, s := range e.streams {
		if s.gone(now) {
			continue
		}
		for _, c := range s.consumers {
			if c.status(now) == ConsumerCreating {
				n++
			}
		}
	}
	return n
}

// RegisterStreamConsumer registers a consumer in CREATING state; it becomes
// ACTIVE after the create delay. The answer always says CREATING, as AWS's.
func (e *Engine) RegisterStreamConsumer(ctx context.Context, streamARN, name string, tags map[string]string) (ConsumerDescription, error) {
	if streamARN == "" {
		return ConsumerDescription{}, errorf(KindInvalidArgument, "StreamARN must be provided.")
	}
	if err := checkResourceTags(tags, ""); err != nil {
		return ConsumerDescription{}, err
	}
	if len(tags) > maxTagsPerStream {
		return ConsumerDescription{}, errorf(KindInvalidArgument, "Failed to register consumer %s because a given resource cannot have more than %d tags associated with it.", name, maxTagsPerStream)
	}
	var out ConsumerDescription
	err := e.mutateStream(StreamRef{ARN: streamARN}, func(s *stream, now time.Time) (func(), error) {
		now = now.Truncate(time.Millisecond)
		if st := s.status(now); st == StatusCreating || st == StatusDeleting {
			return nil, e.streamNotActive(s.name, st)
		}
		// Forget consumers that finished deleting, except one registered
		// this very second: it still reserves its ARN.
		old := s.consumers
		kept := make([]*consumer, 0, len(old)+1)
		createdSec := now.Unix()
		for _, c := range old {
			if c.gone(now) {
				if c.name == name {
					createdSec = max(createdSec, c.createdSec+1)
				}
				if c.createdSec < now.Unix() {
					continue
				}
			}
			kept = append(kept, c)
		}
		for _, c := range kept {
			if c.name == name && !c.gone(now) {
				return nil, errorf(KindInUse, "Consumer %s under stream %s and account %s already exists.", name, s.name, e.cfg.AccountID)
			}
		}
		if s.registeredConsumers() >= maxConsumersPerStream {
			return nil, errorf(KindLimitExceeded, "Stream %s under account %s has reached the limit of %d registered consumers.", s.name, e.cfg.AccountID, maxConsumersPerStream)
		}
		if e.creatingConsumersLocked(now) >= maxCreatingConsumers {
			return nil, errorf(KindLimitExceeded, "Account %s already has %d consumers in CREATING status; wait until one becomes ACTIVE.", e.cfg.AccountID, maxCreatingConsumers)
		}
		registeredMs := now.UnixMilli()
		if n := len(kept); n > 0 && kept[n-1].registeredMs >= registeredMs {
			registeredMs = kept[n-1].registeredMs + 1
		}
		c := &consumer{
			name: name, createdSec: createdSec, registeredMs: registeredMs,
			readyAt: now.Add(e.cfg.CreateDelay), tags: copyTags(tags),
		}
		s.consumers = append(kept, c)
		out = e.describeConsumer(s.name, c, now)
		out.Status = ConsumerCreating
		return func() { s.consumers = old }, nil
	})
	return out, err
}

// DeregisterStreamConsumer moves a consumer to DELETING; it disappears
// after the delete delay. Deregistering a DELETING consumer changes nothing.
func (e *Engine) DeregisterStreamConsumer(ctx context.Context, ref ConsumerRef) error {
	k, err := e.resolveConsumer(ref)
	if err != nil {
		return err
	}
	return e.mutateStream(StreamRef{Name: k.stream}, func(s *stream, now time.Time) (func(), error) {
		c := s.findConsumer(k, now)
		if c == nil {
			return nil, e.consumerNotFound(k)
		}
		if !c.deletingAt.IsZero() {
			return func() {}, nil
		}
		c.deletingAt, c.goneAt = now, now.Add(e.cfg.DeleteDelay)
		return func() { c.deletingAt, c.goneAt = time.Time{}, time.Time{} }, nil
	})
}

// DescribeStreamConsumer describes one consumer.
func (e *Engine) DescribeStreamConsumer(ctx context.Context, ref ConsumerRef) (ConsumerDescription, error) {
	k, err := e.resolveConsumer(ref)
	if err != nil {
		return ConsumerDescription{}, err
	}
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(k.stream, now)
	if s == nil {
		return ConsumerDescription{}, e.streamNotFound(k.stream)
	}
	c := s.findConsumer(k, now)
	if c == nil {
		return ConsumerDescription{}, e.consumerNotFound(k)
	}
	return e.describeConsumer(s.name, c, now), nil
}

// ListStreamConsumersInput is ListStreamConsumers' request.
type ListStreamConsumersInput struct {
	StreamARN               string
	NextToken               string
	MaxResults              int
	StreamCreationTimestamp *time.Time
}

// ListStreamConsumersOutput is ListStreamConsumers' answer.
type ListStreamConsumersOutput struct {
	Consumers []ConsumerDescription
	NextToken string
}

// ListStreamConsumers lists a stream's consumers in registration order, a
// page at a time.
func (e *Engine) ListStreamConsumers(ctx context.Context, in ListStreamConsumersInput) (ListStreamConsumersOutput, error) {
	if in.StreamARN == "" {
		return ListStreamConsumersOutput{}, errorf(KindInvalidArgument, "StreamARN must be provided.")
	}
	name, err := e.resolve(StreamRef{ARN: in.StreamARN})
	if err != nil {
		return ListStreamConsumersOutput{}, err
	}
	now := e.now()
	var (
		createdMs int64 = -1
		afterMs   int64 = -1 // list consumers registered after this
	)
	if in.NextToken != "" {
		if in.StreamCreationTimestamp != nil {
			return ListStreamConsumersOutput{}, errorf(KindInvalidArgument, "NextToken and StreamCreationTimestamp cannot be provided together.")
		}
		t, err := e.openToken(in.NextToken, tokenListConsumers, now)
		if err != nil {
			return ListStreamConsumersOutput{}, err
		}
		if t.Name != name {
			return ListStreamConsumersOutput{}, errorf(KindInvalidArgument, "Invalid NextToken.")
		}
		createdMs, afterMs = t.CreatedMs, int64(t.Position)
	}
	limit := in.MaxResults
	if limit <= 0 {
		limit = defaultListConsumers
	}
	limit = min(limit, maxListConsumers)

	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(name, now)
	if s == nil || (createdMs >= 0 && s.created.UnixMilli() != createdMs) ||
		(in.StreamCreationTimestamp != nil && !in.StreamCreationTimestamp.Truncate(time.Second).Equal(s.created.Truncate(time.Second))) {
		return ListStreamConsumersOutput{}, e.streamNotFound(name)
	}
	out := ListStreamConsumersOutput{Consumers: []ConsumerDescription{}}
	var last *consumer
	for _, c := range s.consumers {
		if c.registeredMs <= afterMs || c.gone(now) {
			continue
		}
		if len(out.Consumers) == limit {
			out.NextToken = e.sealToken(token{Kind: tokenListConsumers, CreatedMs: s.created.UnixMilli(), Position: uint64(last.registeredMs), Name: name}, now)
			break
		}
		out.Consumers = append(out.Consumers, e.describeConsumer(s.name, c, now))
		last = c
	}
	return out, nil
}

// consumersOnStreamDelete applies DeleteStream to the stream's consumers:
// with registered consumers it fails unless enforce is set, in which case
// they all start DELETING with the stream. The caller holds e.mu and calls
// the returned undo if the catalog save fails.
func (e *Engine) consumersOnStreamDelete(s *stream, now time.Time, enforce bool) (undo func(), err error) {
	if s.registeredConsumers() == 0 {
		return func() {}, nil
	}
	if !enforce {
		return nil, errorf(KindInUse, "DeleteStream can\u2019t delete %s:%s because there are consumers associated with this data stream. To delete %s anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.", e.cfg.AccountID, s.name, s.name)
	}
	type saved struct{ deletingAt, goneAt time.Time }
	before := make([]saved, len(s.consumers))
	for i, c := range s.consumers {
		before[i] = saved{c.deletingAt, c.goneAt}
		if c.deletingAt.IsZero() {
			c.deletingAt, c.goneAt = now, now.Add(e.cfg.DeleteDelay)
		}
	}
	return func() {
		for i, c := range s.consumers {
			c.deletingAt, c.goneAt = before[i].deletingAt, before[i].goneAt
		}
	}, nil
}

// ConsumerForSubscription checks that consumerARN names an ACTIVE consumer
// of a live stream, for SubscribeToShard, and returns the stream's and the
// consumer's names.
func (e *Engine) ConsumerForSubscription(consumerARN string) (streamName, consumerName string, err error) {
	k, err := e.resolveConsumer(ConsumerRef{ARN: consumerARN})
	if err != nil {
		return "", "", err
	}
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(k.stream, now)
	if s == nil {
		return "", "", e.streamNotFound(k.stream)
	}
	c := s.findConsumer(k, now)
	if c == nil {
		return "", "", e.consumerNotFound(k)
	}
	if c.status(now) != ConsumerActive {
		return "", "", errorf(KindInUse, "Consumer %s with creation timestamp %d under stream: %s , account %s is not in ACTIVE status.", c.name, c.createdSec, s.name, e.cfg.AccountID)
	}
	return s.name, c.name, nil
}
