package api

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// epochTime is a Kinesis timestamp: on the wire, epoch seconds as a JSON
// number with a millisecond fraction.
type epochTime struct{ time.Time }

func (t epochTime) MarshalJSON() ([]byte, error) {
	return appendEpochMs(nil, t.UnixMilli()), nil
}

func (t *epochTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		if tt, err := time.Parse(time.RFC3339Nano, str); err == nil {
			t.Time = tt
			return nil
		}
		s = str
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return serializationError("Invalid timestamp " + s)
	}
	sec := int64(f)
	t.Time = time.UnixMilli(sec*1000 + int64((f-float64(sec))*1000+0.5))
	return nil
}

func (t *epochTime) ptr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// streamRef is the StreamName/StreamARN pair every stream-scoped input has.
type streamRef struct {
	StreamName string `json:"StreamName"`
	StreamARN  string `json:"StreamARN"`
}

func (r streamRef) ref() engine.StreamRef {
	return engine.StreamRef{Name: r.StreamName, ARN: r.StreamARN}
}

type streamModeDetails struct {
	StreamMode string `json:"StreamMode"`
}

type hashKeyRange struct {
	StartingHashKey string `json:"StartingHashKey"`
	EndingHashKey   string `json:"EndingHashKey"`
}

type sequenceNumberRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

type shardJSON struct {
	ShardID               string              `json:"ShardId"`
	ParentShardID         string              `json:"ParentShardId,omitempty"`
	AdjacentParentShardID string              `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          hashKeyRange        `json:"HashKeyRange"`
	SequenceNumberRange   sequenceNumberRange `json:"SequenceNumberRange"`
}

func toShardJSON(in engine.ShardInfo) shardJSON {
	return shardJSON{
		ShardID: in.ShardID, ParentShardID: in.ParentShardID, AdjacentParentShardID: in.AdjacentParentShardID,
		HashKeyRange:        hashKeyRange{in.StartingHashKey, in.EndingHashKey},
		SequenceNumberRange: sequenceNumberRange{in.StartingSequenceNumber, in.EndingSequenceNumber},
	}
}

func toShardsJSON(in []engine.ShardInfo) []shardJSON {
	out := make([]shardJSON, len(in))
	for i, s := range in {
		out[i] = toShardJSON(s)
	}
	return out
}

type enhancedMetrics struct {
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type tagJSON struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func toTagsJSON(tags []engine.Tag) []tagJSON {
	out := make([]tagJSON, len(tags))
	for i, t := range tags {
		out[i] = tagJSON{t.Key, t.Value}
	}
	return out
}
