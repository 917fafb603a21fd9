package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

// catalogVersion is the schema version of the catalog document.
const catalogVersion = 1

// catalogDoc is the persisted catalog, documented in docs/format/catalog.md.
type catalogDoc struct {
	Version int         `json:"version"`
	Streams []streamDoc `json:"streams"`
	Account *accountDoc `json:"account,omitempty"`
}

type streamDoc struct {
	Name           string            `json:"name"`
	ID             string            `json:"id"`
	CreatedMs      int64             `json:"createdMs"`
	Mode           Mode              `json:"mode"`
	ReadyMs        int64             `json:"readyMs"`
	DeletingMs     int64             `json:"deletingMs,omitempty"`
	GoneMs         int64             `json:"goneMs,omitempty"`
	UpdatingMs     int64             `json:"updatingUntilMs,omitempty"`
	RetentionHours int               `json:"retentionHours"`
	Tags           map[string]string `json:"tags,omitempty"`
	Metrics        []string          `json:"shardLevelMetrics,omitempty"`
	Policy         string            `json:"policy,omitempty"`
	ConsumerPolicy map[string]string `json:"consumerPolicies,omitempty"`
	MaxRecordKiB   int               `json:"maxRecordSizeKiB,omitempty"`
	WarmTarget     int               `json:"warmThroughputMiBps,omitempty"`
	WarmPrevious   int               `json:"warmThroughputPreviousMiBps,omitempty"`
	Encryption     *encryptionDoc    `json:"encryption,omitempty"`
	Shards         []shardDoc        `json:"shards"`
	Consumers      []consumerDoc     `json:"consumers,omitempty"`
}

type shardDoc struct {
	Index      uint32           `json:"index"`
	Parent     int64            `json:"parent"`
	Adjacent   int64            `json:"adjacent"`
	StartHash  string           `json:"startHash"`
	EndHash    string           `json:"endHash"`
	CreatedSec int64            `json:"createdSec"`
	CreatedMs  int64            `json:"createdMs"`
	ClosedMs   int64            `json:"closedMs,omitempty"`
	EndIndex   uint64           `json:"endIndex,omitempty"`
	Encryption []encBoundaryDoc `json:"encryption,omitempty"`
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// catalogDocLocked snapshots the catalog. The caller holds e.mu.
func (e *Engine) catalogDocLocked() catalogDoc {
	doc := catalogDoc{Version: catalogVersion, Streams: make([]streamDoc, 0, len(e.streams)), Account: e.account.doc()}
	for _, s := range e.streams {
		doc.Streams = append(doc.Streams, s.doc())
	}
	return doc
}

func (s *stream) doc() streamDoc {
	d := streamDoc{
		Name: s.name, ID: s.id, CreatedMs: s.created.UnixMilli(), Mode: s.mode,
		ReadyMs: s.readyAt.UnixMilli(), DeletingMs: msOrZero(s.deletingAt), GoneMs: msOrZero(s.goneAt),
		UpdatingMs: msOrZero(s.updatingUntil), RetentionHours: s.retentionHours,
		Tags: s.tags, Shards: make([]shardDoc, len(s.shards)), Consumers: s.consumerDocs(),
		Metrics: s.metrics, Policy: s.policy, ConsumerPolicy: s.consumerPolicy, MaxRecordKiB: s.maxRecordKiB,
		WarmTarget: s.warm.target, WarmPrevious: s.warm.previous,
	}
	for i, sh := range s.shards {
		d.Shards[i] = shardDoc{
			Index: sh.index, Parent: sh.parent, Adjacent: sh.adjacent,
			StartHash: sh.hashRange.Start.String(), EndHash: sh.hashRange.End.String(),
			CreatedSec: sh.createdSec, CreatedMs: sh.createdAt.UnixMilli(), ClosedMs: msOrZero(sh.closedAt),
			EndIndex: sh.endIndex,
		}
	}
	s.encryptionToDoc(&d)
	return d
}

// save persists a catalog snapshot. The caller holds e.control, so snapshots
// are saved in the order they were taken.
func (e *Engine) save(doc catalogDoc) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode catalog: %w", err)
	}
	if err := e.catalog.Save(data); err != nil {
		return fmt.Errorf("save catalog: %w", err)
	}
	return nil
}

// load reads the catalog and opens the shard logs it names.
func (e *Engine) load() error {
	data, err := e.catalog.Load()
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	if data == nil {
		return nil
	}
	var doc catalogDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("decode catalog: %w", err)
	}
	if doc.Version != catalogVersion {
		return fmt.Errorf("catalog version %d: this build reads version %d", doc.Version, catalogVersion)
	}
	e.account = accountFromDoc(doc.Account)
	for _, d := range doc.Streams {
		s, err := e.streamFromDoc(d)
		if err != nil {
			return fmt.Errorf("catalog stream %q: %w", d.Name, err)
		}
		e.streams[s.name] = s
	}
	return nil
}

func (e *Engine) streamFromDoc(d streamDoc) (*stream, error) {
	s := &stream{
		name: d.Name, id: d.ID, created: time.UnixMilli(d.CreatedMs), mode: d.Mode,
		readyAt: time.UnixMilli(d.ReadyMs), deletingAt: timeOrZero(d.DeletingMs), goneAt: timeOrZero(d.GoneMs),
		updatingUntil: timeOrZero(d.UpdatingMs), retentionHours: d.RetentionHours, tags: d.Tags,
		consumers: consumersFromDoc(d.Consumers),
		metrics:   d.Metrics, policy: d.Policy, consumerPolicy: d.ConsumerPolicy, maxRecordKiB: d.MaxRecordKiB,
		warm: warmThroughput{target: d.WarmTarget, previous: d.WarmPrevious},
	}
	for i, sd := range d.Shards {
		if sd.Index != uint32(i) {
			return nil, fmt.Errorf("shard %d listed at position %d", sd.Index, i)
		}
		start, err := hashkey.Parse(sd.StartHash)
		if err != nil {
			return nil, fmt.Errorf("shard %d start hash: %w", sd.Index, err)
		}
		end, err := hashkey.Parse(sd.EndHash)
		if err != nil {
			return nil, fmt.Errorf("shard %d end hash: %w", sd.Index, err)
		}
		sh := &shard{
			index: sd.Index, parent: sd.Parent, adjacent: sd.Adjacent,
			hashRange:  hashkey.Range{Start: start, End: end},
			createdSec: sd.CreatedSec, createdAt: time.UnixMilli(sd.CreatedMs), closedAt: timeOrZero(sd.ClosedMs),
			endIndex: sd.EndIndex,
		}
		sh.log, err = e.log.OpenShard(s.id, sh.index)
		if err != nil {
			return nil, fmt.Errorf("open shard %d: %w", sd.Index, err)
		}
		s.shards = append(s.shards, sh)
	}
	if err := e.encryptionFromDoc(s, d); err != nil {
		closeLogs(s)
		return nil, fmt.Errorf("encryption: %w", err)
	}
	s.rebuildRouting()
	return s, nil
}
