package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/runnel-io/runnel/internal/record"
)

// SubscribeToShard defaults and bounds.
const (
	// DefaultSubscriptionDuration is how long a subscription lasts before
	// it ends cleanly and the client subscribes again (AWS: 5 minutes).
	DefaultSubscriptionDuration = 5 * time.Minute
	// DefaultSubscriptionHeartbeat is how long a subscription stays quiet
	// before it sends an event without records, to move the
	// ContinuationSequenceNumber on.
	DefaultSubscriptionHeartbeat = 5 * time.Second
	// subscriptionTakeover is how old a subscription must be before a new
	// one for the same consumer and shard replaces it.
	subscriptionTakeover = 5 * time.Second
	maxEventRecords      = 10000
	maxEventBytes        = 2 << 20
)

// StartingPosition is SubscribeToShard's StartingPosition.
type StartingPosition struct {
	Type           IteratorType
	SequenceNumber string
	Timestamp      *time.Time
}

// SubscribeInput is SubscribeToShard's request.
type SubscribeInput struct {
	ConsumerARN      string
	ShardID          string
	StartingPosition StartingPosition
}

// SubscribeEvent is one SubscribeToShardEvent.
type SubscribeEvent struct {
	Records         []record.Record // shared with other subscribers: read only
	SequenceNumbers []string
	Encrypted       []bool // per record: stored encrypted (KMS); nil if none was
	// ContinuationSequenceNumber is the sequence number to resubscribe
	// after (AFTER_SEQUENCE_NUMBER). It is empty (null on the wire) in the
	// last event of a closed shard, the one that carries ChildShards.
	ContinuationSequenceNumber string
	MillisBehindLatest         int64
	ChildShards                []ChildShard
	// Shared, when set, is shared by every subscriber handed the same
	// whole batch by the shard's feed: their events differ at most in
	// MillisBehindLatest, so an encoder can encode such an event once for
	// all of them (see EventMemo).
	Shared *EventMemo
}

// Subscription is one SubscribeToShard: Next yields its events until the
// subscription ends. Only one goroutine may call Next; Close may be called
// from any and more than once.
type Subscription struct {
	e         *Engine
	lease     leaseKey
	stream    string // name
	key       shardKey
	createdAt time.Time // when it was granted, for the takeover rule

	pos      uint64 // index of the next record to send
	cont     string // ContinuationSequenceNumber so far
	feed     *feed
	member   *feedSub
	live     bool // attached to the feed
	finished bool // the closed shard's last event was returned

	heartbeat time.Duration
	beat      *time.Timer
	expiry    *time.Timer
	takenOver chan struct{}
	takeOnce  sync.Once
	closeOnce sync.Once
	rate      rate // 2 MiB/s when limits are enforced (subscribe_rate.go)
}

// SubscribeToShard starts a subscription of an ACTIVE consumer to a shard,
// from in.StartingPosition (resolved as GetShardIterator resolves an
// iterator type).
func (e *Engine) SubscribeToShard(ctx context.Context, in SubscribeInput) (*Subscription, error) {
	streamName, _, err := e.ConsumerForSubscription(in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	now := e.now()
	e.mu.RLock()
	s := e.lookup(streamName, now)
	if s == nil {
		e.mu.RUnlock()
		return nil, e.streamNotFound(streamName)
	}
	idx, ok := parseShardID(in.ShardID)
	if !ok || int(idx) >= len(s.shards) {
		e.mu.RUnlock()
		if !ok {
			return nil, errorf(KindNotFound, "Could not find shard %s in stream %s under account %s.", in.ShardID, streamName, e.cfg.AccountID)
		}
		return nil, e.shardNotFound(shardID(idx), streamName)
	}
	sh := s.shards[idx]
	p := in.StartingPosition
	pos, err := e.startPosition(s, sh, "SubscribeToShard", p.Type, p.SequenceNumber, p.Timestamp, now) // position.go
	key := shardKey{s.id, idx}
	log, shardCopy := sh.log, *sh
	e.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	// The continuation before anything is sent: the record before pos.
	contTS := shardCopy.createdSec * 1000
	if pos > 1 {
		if prev, err := log.Read(pos-1, 1, 1, nil); err == nil && len(prev) == 1 && prev[0].Index == pos-1 {
			contTS = prev[0].Timestamp
		}
	}
	sub := &Subscription{
		e: e, lease: leaseKey{in.ConsumerARN, key}, stream: streamName, key: key, createdAt: now,
		pos: pos, cont: string(shardCopy.sequence(nil, pos-1, contTS)),
		member: newFeedSub(), takenOver: make(chan struct{}),
		heartbeat: e.cfg.SubscriptionHeartbeat,
	}
	if sub.heartbeat <= 0 {
		sub.heartbeat = DefaultSubscriptionHeartbeat
	}
	if err := e.claimLease(sub, now); err != nil {
		return nil, err
	}
	sub.feed = e.acquireFeed(key, streamName)
	duration := e.cfg.SubscriptionDuration
	if duration <= 0 {
		duration = DefaultSubscriptionDuration
	}
	sub.expiry = time.NewTimer(duration)
	sub.beat = time.NewTimer(sub.heartbeat)
	return sub, nil
}

// claimLease makes sub the consumer's subscription to its shard: a live
// subscription younger than 5 s refuses it, an older one is taken over.
func (e *Engine) claimLease(sub *Subscription, now time.Time) error {
	f := e.fan
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return errors.New("subscribe: the server is shutting down")
	}
	if old := f.leases[sub.lease]; old != nil {
		if now.Sub(old.createdAt) < subscriptionTakeover {
			return sub.inUse()
		}
		old.takeOnce.Do(func() { close(old.takenOver) })
	}
	f.leases[sub.lease] = sub
	return nil
}

// inUse is AWS's answer to a second subscription of a consumer to a shard.
func (s *Subscription) inUse() *Error {
	return errorf(KindInUse, "Another active subscription exists for this consumer: %s", s.lease.consumerARN)
}

// Close ends the subscription and releases what it holds.
func (s *Subscription) Close() {
	s.closeOnce.Do(func() {
		s.expiry.Stop()
		s.beat.Stop()
		f := s.e.fan
		f.mu.Lock()
		if f.leases[s.lease] == s {
			delete(f.leases, s.lease)
		}
		f.mu.Unlock()
		s.e.releaseFeed(s.feed, s.member)
	})
}

// Next blocks until the next event. It returns io.EOF once the
// subscription has ended cleanly (its duration passed, the closed shard's
// last event was sent, or the server is shutting down), an *Error the
// client must be told as an exception event (taken over: ResourceInUse;
// stream, shard or consumer gone), or ctx's error.
func (s *Subscription) Next(ctx context.Context) (SubscribeEvent, error) {
	for {
		if s.finished {
			return SubscribeEvent{}, io.EOF
		}
		// Ending wins over data, so that a busy shard still ends on time.
		select {
		case <-s.takenOver:
			return SubscribeEvent{}, s.inUse()
		case <-s.expiry.C:
			s.finished = true
			return SubscribeEvent{}, io.EOF
		case <-s.e.fan.stop:
			s.finished = true
			return SubscribeEvent{}, io.EOF
		case <-ctx.Done():
			return SubscribeEvent{}, ctx.Err()
		default:
		}
		if !s.live {
			ev, ok, err := s.readOwn()
			if err != nil {
				return SubscribeEvent{}, err
			}
			if ok {
				return s.sent(ctx, ev), nil
			}
			// Caught up: wait for the feed. If the feed is already past
			// pos, read the records in between first.
			s.live = s.feed.attach(s.member, s.pos)
			continue
		}
		select {
		case it := <-s.member.ch:
			return s.sent(ctx, s.fromFeed(it)), nil
		default:
		}
		if !s.feed.attached(s.member) {
			s.live = false // detached: catch up from the log
			continue
		}
		select {
		case it := <-s.member.ch:
			return s.sent(ctx, s.fromFeed(it)), nil
		case <-s.member.kick:
		case <-s.beat.C:
			if _, _, err := s.e.ConsumerForSubscription(s.lease.consumerARN); err != nil {
				return SubscribeEvent{}, err
			}
			return s.sent(ctx, SubscribeEvent{Records: []record.Record{}, ContinuationSequenceNumber: s.cont}), nil
		case <-s.takenOver:
		case <-s.expiry.C:
			s.finished = true
			return SubscribeEvent{}, io.EOF
		case <-s.e.fan.stop:
		case <-ctx.Done():
		}
	}
}

// sent restarts the heartbeat (it is due after a quiet interval) and
// reports the event to the Observer.
func (s *Subscription) sent(ctx context.Context, ev SubscribeEvent) SubscribeEvent {
	s.pace(ctx, int64(recordBytes(ev.Records))) // subscribe_rate.go
	s.beat.Reset(s.heartbeat)
	s.e.observer().SubscribeEvent(s.key.stream, s.key.shard, len(ev.Records), recordBytes(ev.Records)) // observe.go
	return ev
}

// readOwn reads the log from the subscription's position. ok is false when
// the subscription is caught up with an open shard.
func (s *Subscription) readOwn() (ev SubscribeEvent, ok bool, err error) {
	rd, err := s.e.readSubscribed(s.stream, s.key, s.pos, maxEventRecords, maxEventBytes)
	if err != nil {
		return SubscribeEvent{}, false, err
	}
	if len(rd.recs) > 0 {
		return s.event(rd.recs, rd.seqs, rd.encrypted, rd.next, rd.tip), true, nil
	}
	if rd.closed && rd.next > rd.endIndex {
		// The end of a closed shard: one last event, without a
		// continuation, names the shards to read next.
		s.finished = true
		return SubscribeEvent{Records: []record.Record{}, ChildShards: rd.children}, true, nil
	}
	s.pos = rd.next // past records the retention period dropped
	return SubscribeEvent{}, false, nil
}

func (s *Subscription) fromFeed(it feedItem) SubscribeEvent {
	s.member.queued.Add(-it.batch.bytes)
	recs, seqs, enc := it.records()
	ev := s.event(recs, seqs, enc, it.batch.read.next, it.batch.read.tip)
	if it.offset == 0 {
		ev.Shared = &it.batch.memo
	}
	return ev
}

// event makes an event of records ending before next, and moves the
// subscription past them.
func (s *Subscription) event(recs []record.Record, seqs []string, enc []bool, next, tip uint64) SubscribeEvent {
	ev := SubscribeEvent{Records: recs, SequenceNumbers: seqs, Encrypted: enc}
	s.pos = next
	s.cont = seqs[len(seqs)-1]
	ev.ContinuationSequenceNumber = s.cont
	if next < tip {
		ev.MillisBehindLatest = max(0, s.e.now().UnixMilli()-recs[len(recs)-1].Timestamp)
	}
	return ev
}

// shardRead is one read of a subscribed shard.
type shardRead struct {
	recs      []record.Record
	seqs      []string
	encrypted []bool
	next      uint64 // index after the last record read (the start if none)
	tip       uint64 // the index the shard's next record will get
	closed    bool
	endIndex  uint64       // the last index of a closed shard
	children  []ChildShard // of a closed shard
}

// subscribedShard captures what reading a subscribed shard needs, under the
// read lock; the stream must still be the incarnation subscribed to.
func (e *Engine) subscribedShard(streamName string, key shardKey) (*stream, *shard, error) {
	s := e.lookup(streamName, e.now())
	if s == nil || s.id != key.stream {
		return nil, nil, e.streamNotFound(streamName)
	}
	if int(key.shard) >= len(s.shards) || s.shards[key.shard].log == nil {
		return nil, nil, e.shardNotFound(shardID(key.shard), streamName)
	}
	return s, s.shards[key.shard], nil
}

// subscribedTip is the index the shard's next record will get.
func (e *Engine) subscribedTip(streamName string, key shardKey) (uint64, error) {
	e.mu.RLock()
	_, sh, err := e.subscribedShard(streamName, key)
	var log ShardLog
	if err == nil {
		log = sh.log
	}
	e.mu.RUnlock()
	if err != nil {
		return 0, err
	}
	_, tip := log.Bounds()
	return tip, nil
}

// readSubscribed reads a subscribed shard from index from, as GetRecords
// reads: within retention, decrypted, with sequence numbers.
func (e *Engine) readSubscribed(streamName string, key shardKey, from uint64, maxRecords, maxBytes int) (shardRead, error) {
	now := e.now()
	e.mu.RLock()
	s, sh, err := e.subscribedShard(streamName, key)
	if err != nil {
		e.mu.RUnlock()
		return shardRead{}, err
	}
	log, seqShard := sh.log, *sh
	opener := s.recordOpenerLocked(sh) // encryption.go
	start, err := retentionStart(s, sh, now)
	rd := shardRead{closed: !sh.open(), endIndex: sh.endIndex}
	if rd.closed {
		rd.children = childShards(s, sh)
	}
	e.mu.RUnlock()
	if err != nil {
		return shardRead{}, err
	}
	from = max(from, start)
	recs, err := log.Read(from, maxRecords, maxBytes, nil)
	if err != nil {
		var ee *Error
		if errors.As(err, &ee) {
			return shardRead{}, err
		}
		return shardRead{}, fmt.Errorf("read shard %d of stream %s: %w", key.shard, streamName, err)
	}
	if rd.encrypted, err = opener.open(recs); err != nil {
		return shardRead{}, fmt.Errorf("decrypt shard %d of stream %s: %w", key.shard, streamName, err)
	}
	rd.recs, rd.next = recs, from
	rd.seqs = seqShard.sequences(recs)
	if len(recs) > 0 {
		rd.next = recs[len(recs)-1].Index + 1
	}
	_, rd.tip = log.Bounds()
	return rd, nil
}
