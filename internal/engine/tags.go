package engine

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Tag is a key/value pair.
type Tag struct {
	Key   string
	Value string
}

// validTagText reports whether s uses only the characters AWS allows in
// tags: Unicode letters, digits, white space and _ . / = + - % @ (and : in
// keys to remove).
func validTagText(s string, extra string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("_./=+-%@"+extra, r) {
			continue
		}
		return false
	}
	return true
}

// AddTagsToStream adds or overwrites tags.
func (e *Engine) AddTagsToStream(ctx context.Context, ref StreamRef, tags map[string]string) error {
	for k, v := range tags {
		if !validTagText(k, "") || !validTagText(v, "") {
			return errorf(KindInvalidArgument, "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - %% @.")
		}
	}
	return e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st == StatusDeleting || st == StatusCreating {
			return nil, e.streamNotActive(s.name, st)
		}
		merged := mergeTags(s.tags, tags)
		if len(merged) > maxTagsPerStream {
			return nil, errorf(KindInvalidArgument, "Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags associated with it.", s.name, e.cfg.AccountID, maxTagsPerStream)
		}
		old := s.tags
		s.tags = merged
		return func() { s.tags = old }, nil
	})
}

// RemoveTagsFromStream removes tags by key; absent keys are ignored.
func (e *Engine) RemoveTagsFromStream(ctx context.Context, ref StreamRef, keys []string) error {
	if err := checkTagKeysToRemove(keys); err != nil {
		return err
	}
	return e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st == StatusDeleting || st == StatusCreating {
			return nil, e.streamNotActive(s.name, st)
		}
		kept := copyTags(s.tags)
		for _, k := range keys {
			delete(kept, k)
		}
		old := s.tags
		s.tags = kept
		return func() { s.tags = old }, nil
	})
}

// ListTags returns a stream's tags sorted by key, those after
// exclusiveStartKey, at most limit (0 = all), and whether more remain.
func (e *Engine) ListTags(ctx context.Context, ref StreamRef, exclusiveStartKey string, limit int) ([]Tag, bool, error) {
	name, err := e.resolve(ref)
	if err != nil {
		return nil, false, err
	}
	now := e.now()
	e.mu.RLock()
	s := e.lookup(name, now)
	if s == nil {
		e.mu.RUnlock()
		return nil, false, e.streamNotFound(name)
	}
	tags := make([]Tag, 0, len(s.tags))
	for k, v := range s.tags {
		if k > exclusiveStartKey {
			tags = append(tags, Tag{k, v})
		}
	}
	e.mu.RUnlock()
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	if limit > 0 && len(tags) > limit {
		return tags[:limit], true, nil
	}
	return tags, false, nil
}

// ResourceStream resolves a ResourceARN (a stream ARN for now) to a stream
// reference; TagResource and friends then use the stream operations.
func (e *Engine) ResourceStream(resourceARN string) (StreamRef, error) {
	if _, _, _, ok := parseStreamARN(resourceARN); !ok {
		return StreamRef{}, errorf(KindInvalidArgument, "ResourceARN %s is not a valid stream or consumer ARN.", resourceARN)
	}
	return StreamRef{ARN: resourceARN}, nil
}

// mergeTags returns a copy of old with add applied.
func mergeTags(old, add map[string]string) map[string]string {
	merged := copyTags(old)
	for k, v := range add {
		merged[k] = v
	}
	return merged
}

// checkTagKeysToRemove refuses keys with characters AWS does not allow in
// the keys of a tag removal.
func checkTagKeysToRemove(keys []string) error {
	for _, k := range keys {
		if !validTagText(k, ":") {
			return errorf(KindInvalidArgument, "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - %% @ :.")
		}
	}
	return nil
}
