package engine

import (
	"context"
	"sort"
	"time"
)

// checkResourceTags checks tag keys and values for the characters AWS
// allows, with the message the stream operations use.
func checkResourceTags(tags map[string]string, extra string) error {
	for k, v := range tags {
		if !validTagText(k, extra) || !validTagText(v, extra) {
			return errorf(KindInvalidArgument, "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - %% @.")
		}
	}
	return nil
}

// TagResource adds or overwrites tags on a stream or a consumer, named by
// its ARN.
func (e *Engine) TagResource(ctx context.Context, resourceARN string, tags map[string]string) error {
	if _, _, _, ok := parseStreamARN(resourceARN); ok {
		return e.AddTagsToStream(ctx, StreamRef{ARN: resourceARN}, tags)
	}
	k, err := e.resourceConsumer(resourceARN)
	if err != nil {
		return err
	}
	if err := checkResourceTags(tags, ""); err != nil {
		return err
	}
	return e.mutateConsumer(k, func(c *consumer) (func(), error) {
		merged := mergeTags(c.tags, tags)
		if len(merged) > maxTagsPerStream {
			return nil, errorf(KindInvalidArgument, "Failed to add tags to consumer %s under account %s because a given resource cannot have more than %d tags associated with it.", c.name, e.cfg.AccountID, maxTagsPerStream)
		}
		old := c.tags
		c.tags = merged
		return func() { c.tags = old }, nil
	})
}

// UntagResource removes tags by key from a stream or a consumer; absent
// keys are ignored.
func (e *Engine) UntagResource(ctx context.Context, resourceARN string, keys []string) error {
	if _, _, _, ok := parseStreamARN(resourceARN); ok {
		return e.RemoveTagsFromStream(ctx, StreamRef{ARN: resourceARN}, keys)
	}
	k, err := e.resourceConsumer(resourceARN)
	if err != nil {
		return err
	}
	if err := checkTagKeysToRemove(keys); err != nil {
		return err
	}
	return e.mutateConsumer(k, func(c *consumer) (func(), error) {
		kept := copyTags(c.tags)
		for _, key := range keys {
			delete(kept, key)
		}
		old := c.tags
		c.tags = kept
		return func() { c.tags = old }, nil
	})
}

// ListTagsForResource returns every tag of a stream or a consumer, sorted
// by key.
func (e *Engine) ListTagsForResource(ctx context.Context, resourceARN string) ([]Tag, error) {
	if _, _, _, ok := parseStreamARN(resourceARN); ok {
		tags, _, err := e.ListTags(ctx, StreamRef{ARN: resourceARN}, "", 0)
		return tags, err
	}
	k, err := e.resourceConsumer(resourceARN)
	if err != nil {
		return nil, err
	}
	now := e.now()
	e.mu.RLock()
	s := e.lookup(k.stream, now)
	if s == nil {
		e.mu.RUnlock()
		return nil, e.streamNotFound(k.stream)
	}
	c := s.findConsumer(k, now)
	if c == nil {
		e.mu.RUnlock()
		return nil, e.consumerNotFound(k)
	}
	tags := make([]Tag, 0, len(c.tags))
	for key, v := range c.tags {
		tags = append(tags, Tag{key, v})
	}
	e.mu.RUnlock()
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags, nil
}

// resourceConsumer resolves a ResourceARN that is not a stream ARN; it
// must then be a consumer ARN.
func (e *Engine) resourceConsumer(resourceARN string) (consumerKey, error) {
	if _, _, _, _, _, ok := parseConsumerARN(resourceARN); !ok {
		return consumerKey{}, errorf(KindInvalidArgument, "ResourceARN %s is not a valid stream or consumer ARN.", resourceARN)
	}
	return e.resolveConsumer(ConsumerRef{ARN: resourceARN})
}

// mutateConsumer applies change to a registered consumer through
// mutateStream (control lock, catalog save, undo on failure).
func (e *Engine) mutateConsumer(k consumerKey, change func(c *consumer) (undo func(), err error)) error {
	return e.mutateStream(StreamRef{Name: k.stream}, func(s *stream, now time.Time) (func(), error) {
		c := s.findConsumer(k, now)
		if c == nil {
			return nil, e.consumerNotFound(k)
		}
		return change(c)
	})
}
