package engine

import (
	"context"
	"time"
)

// ShardFilterType is a ListShards ShardFilter type.
type ShardFilterType string

// The shard filter types.
const (
	AfterShardID    ShardFilterType = "AFTER_SHARD_ID"
	AtTrimHorizon   ShardFilterType = "AT_TRIM_HORIZON"
	FromTrimHorizon ShardFilterType = "FROM_TRIM_HORIZON"
	AtLatest        ShardFilterType = "AT_LATEST"
	AtTimestampF    ShardFilterType = "AT_TIMESTAMP"
	FromTimestamp   ShardFilterType = "FROM_TIMESTAMP"
)

var filterCodes = []ShardFilterType{"", AfterShardID, AtTrimHorizon, FromTrimHorizon, AtLatest, AtTimestampF, FromTimestamp}

func filterCode(t ShardFilterType) byte {
	for i, f := range filterCodes {
		if f == t {
			return byte(i)
		}
	}
	return 0
}

// ShardFilter is ListShards' ShardFilter.
type ShardFilter struct {
	Type      ShardFilterType
	ShardID   string
	Timestamp *time.Time
}

// ListShardsInput is ListShards' request.
type ListShardsInput struct {
	Stream                  StreamRef
	NextToken               string
	ExclusiveStartShardID   string
	MaxResults              int
	StreamCreationTimestamp *time.Time
	Filter                  *ShardFilter
}

// ListShardsOutput is ListShards' answer.
type ListShardsOutput struct {
	Shards    []ShardInfo
	NextToken string
}

// ListShards bounds.
const (
	defaultListShards = 1000
	maxListShards     = 1000
)

// ListShards lists a stream's shards, filtered and a page at a time.
func (e *Engine) ListShards(ctx context.Context, in ListShardsInput) (ListShardsOutput, error) {
	now := e.now()
	hasStream := in.Stream.Name != "" || in.Stream.ARN != ""
	var (
		name      string
		createdMs int64 = -1
		after     int64 = -1 // list shards with index > after
		filter    ShardFilter
	)
	if in.Filter != nil {
		filter = *in.Filter
	}
	switch {
	case in.NextToken != "" && hasStream:
		return ListShardsOutput{}, errorf(KindInvalidArgument, "NextToken and StreamName cannot be provided together.")
	case in.NextToken != "":
		if in.ExclusiveStartShardID != "" || in.StreamCreationTimestamp != nil {
			return ListShardsOutput{}, errorf(KindInvalidArgument, "NextToken cannot be provided together with ExclusiveStartShardId or StreamCreationTimestamp.")
		}
		t, err := e.openToken(in.NextToken, tokenListShards, now)
		if err != nil {
			return ListShardsOutput{}, err
		}
		name, createdMs, after = t.Name, t.CreatedMs, int64(t.Shard)-1
		filter = ShardFilter{Type: filterCodes[min(int(t.Filter), len(filterCodes)-1)]}
		if t.FilterMs != 0 {
			ts := time.UnixMilli(t.FilterMs)
			filter.Timestamp = &ts
		}
	case !hasStream:
		return ListShardsOutput{}, errorf(KindInvalidArgument, "Either NextToken or StreamName should be provided.")
	default:
		n, err := e.resolve(in.Stream)
		if err != nil {
			return ListShardsOutput{}, err
		}
		name = n
		if in.ExclusiveStartShardID != "" {
			idx, ok := parseShardID(in.ExclusiveStartShardID)
			if !ok {
				return ListShardsOutput{}, errorf(KindInvalidArgument, "ExclusiveStartShardId %s is not a valid shard id.", in.ExclusiveStartShardID)
			}
			after = int64(idx)
		}
	}
	if err := e.checkShardFilter(&filter, &after); err != nil {
		return ListShardsOutput{}, err
	}
	limit := in.MaxResults
	if limit <= 0 {
		limit = defaultListShards
	}
	limit = min(limit, maxListShards)

	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(name, now)
	if s == nil || (createdMs >= 0 && s.created.UnixMilli() != createdMs) ||
		(in.StreamCreationTimestamp != nil && !in.StreamCreationTimestamp.Truncate(time.Second).Equal(s.created.Truncate(time.Second))) {
		return ListShardsOutput{}, e.streamNotFound(name)
	}
	if st := s.status(now); st == StatusCreating {
		return ListShardsOutput{}, e.streamNotActive(name, st)
	}
	horizon := now.Add(-time.Duration(s.retentionHours) * time.Hour)
	out := ListShardsOutput{Shards: []ShardInfo{}}
	for _, sh := range s.shards {
		if int64(sh.index) <= after || !sh.matches(filter, horizon) {
			continue
		}
		if len(out.Shards) == limit {
			last := out.Shards[len(out.Shards)-1]
			idx, _ := parseShardID(last.ShardID)
			t := token{Kind: tokenListShards, CreatedMs: s.created.UnixMilli(), Shard: idx + 1, Filter: filterCode(filter.Type), Name: name}
			if filter.Timestamp != nil {
				t.FilterMs = filter.Timestamp.UnixMilli()
			}
			out.NextToken = e.sealToken(t, now)
			break
		}
		out.Shards = append(out.Shards, e.shardInfoLocked(sh))
	}
	return out, nil
}

// checkShardFilter validates a filter and folds AFTER_SHARD_ID into after.
func (e *Engine) checkShardFilter(f *ShardFilter, after *int64) error {
	switch f.Type {
	case "", FromTrimHorizon, AtTrimHorizon, AtLatest:
		if f.ShardID != "" || f.Timestamp != nil {
			return errorf(KindInvalidArgument, "ShardId and Timestamp must not be provided for ShardFilter type %s.", f.Type)
		}
	case AfterShardID:
		idx, ok := parseShardID(f.ShardID)
		if !ok {
			return errorf(KindInvalidArgument, "ShardId must be provided for ShardFilter type AFTER_SHARD_ID.")
		}
		*after = max(*after, int64(idx))
	case AtTimestampF, FromTimestamp:
		if f.Timestamp == nil {
			return errorf(KindInvalidArgument, "Timestamp must be provided for ShardFilter type %s.", f.Type)
		}
	default:
		return errorf(KindInvalidArgument, "Invalid ShardFilter type %s.", f.Type)
	}
	return nil
}

// matches reports whether a shard passes a ShardFilter. A shard with no
// parent has been open since the beginning of time as far as filters go.
func (sh *shard) matches(f ShardFilter, horizon time.Time) bool {
	if sh.expired(horizon) {
		return false
	}
	openAt := func(t time.Time) bool {
		created := sh.parent < 0 && sh.adjacent < 0 || !sh.createdAt.After(t)
		return created && (sh.open() || sh.closedAt.After(t))
	}
	switch f.Type {
	case AtLatest:
		return sh.open()
	case AtTrimHorizon:
		return openAt(horizon)
	case AtTimestampF:
		return openAt(*f.Timestamp)
	case FromTimestamp:
		return sh.open() || !sh.closedAt.Before(*f.Timestamp)
	}
	return true // FROM_TRIM_HORIZON, AFTER_SHARD_ID
}
