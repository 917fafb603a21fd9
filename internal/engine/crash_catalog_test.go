package engine_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
)

// Catalog crash-point walking: the engine runs on the disk log store and
// the file catalog, both on an fsutil.Fault. For each catalog update (a
// create, tags, retention, a split, a shard-count update, a delete) a probe
// counts the update's mutating file-system operations; then power is lost
// at each of them in turn. After every power loss the catalog on disk must
// be the one before the update or one the update saved (the last one if
// the update was acknowledged), the engine must open on it, and every
// acknowledged record must read back exactly once.

const crashDir = "/data"

// savesRecorder wraps a CatalogStore and keeps every document handed to
// Save, so the test knows which documents were ever written.
type savesRecorder struct {
	engine.CatalogStore
	mu    sync.Mutex
	saves [][]byte
}

func (r *savesRecorder) Save(doc []byte) error {
	r.mu.Lock()
	r.saves = append(r.saves, bytes.Clone(doc))
	r.mu.Unlock()
	return r.CatalogStore.Save(doc)
}

type crashEngine struct {
	e       *engine.Engine
	logs    *logstore.Store
	catalog *savesRecorder
	clock   *fakeClock
}

func openCrashEngine(t *testing.T, f *fsutil.Fault, clock *fakeClock) (*crashEngine, error) {
	t.Helper()
	logs, err := logstore.Open(filepath.Join(crashDir, "log"), logstore.Options{FS: f})
	if err != nil {
		return nil, err
	}
	file, err := metastore.OpenFileFS(f, filepath.Join(crashDir, "catalog"))
	if err != nil {
		_ = logs.Close()
		return nil, err
	}
	rec := &savesRecorder{CatalogStore: file}
	e, err := engine.New(engine.Config{
		Region: "us-east-1", AccountID: "000000000000",
		CreateDelay: 500 * time.Millisecond, DeleteDelay: 500 * time.Millisecond, UpdateDelay: 500 * time.Millisecond,
		Key: bytes.Repeat([]byte{7}, 32), MasterKey: bytes.Repeat([]byte{5}, 32), Now: clock.Now,
	}, logs, rec)
	if err != nil {
		_ = logs.Close()
		return nil, err
	}
	return &crashEngine{e: e, logs: logs, catalog: rec, clock: clock}, nil
}

func (c *crashEngine) close() {
	_ = c.e.Close()
	_ = c.logs.Close()
}

// readStream returns the data of every record of every shard of stream.
func readStream(t *testing.T, e *engine.Engine, stream string) []string {
	t.Helper()
	ref := engine.StreamRef{Name: stream}
	out, err := e.ListShards(ctx, engine.ListShardsInput{Stream: ref})
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	var data []string
	for _, sh := range out.Shards {
		it, err := e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: ref, ShardID: sh.ShardID, Type: engine.TrimHorizon})
		if err != nil {
			t.Fatalf("GetShardIterator %s: %v", sh.ShardID, err)
		}
		for it != "" {
			res, err := e.GetRecords(ctx, it, 10000)
			if err != nil {
				t.Fatalf("GetRecords %s: %v", sh.ShardID, err)
			}
			for _, r := range res.Records {
				data = append(data, string(r.Data))
			}
			if len(res.Records) == 0 {
				break
			}
			it = res.NextShardIterator
		}
	}
	sort.Strings(data)
	return data
}

type catalogStep struct {
	name string
	step func(c *crashEngine) error
}

func catalogSteps() []catalogStep {
	ref := engine.StreamRef{Name: "S"}
	two := 2
	return []catalogStep{
		{"create stream", func(c *crashEngine) error {
			return c.e.CreateStream(ctx, engine.CreateStreamInput{Name: "New", ShardCount: &two})
		}},
		{"add tags", func(c *crashEngine) error {
			return c.e.AddTagsToStream(ctx, ref, map[string]string{"team": "blue"})
		}},
		{"increase retention", func(c *crashEngine) error {
			return c.e.IncreaseStreamRetentionPeriod(ctx, ref, 48)
		}},
		{"split shard", func(c *crashEngine) error {
			return c.e.SplitShard(ctx, ref, "shardId-000000000000", "85070591730234615865843651857942052864")
		}},
		{"update shard count", func(c *crashEngine) error {
			_, err := c.e.UpdateShardCount(ctx, ref, 4)
			return err
		}},
		{"delete stream", func(c *crashEngine) error {
			return c.e.DeleteStream(ctx, ref)
		}},
	}
}

// setupCatalog creates stream S with 2 shards and 20 acknowledged records.
func setupCatalog(t *testing.T, f *fsutil.Fault) (*crashEngine, []string) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	c, err := openCrashEngine(t, f, clock)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	two := 2
	if err := c.e.CreateStream(ctx, engine.CreateStreamInput{Name: "S", ShardCount: &two}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	var want []string
	var entries []engine.PutEntry
	for i := range 20 {
		d := fmt.Sprintf("record-%02d", i)
		want = append(want, d)
		entries = append(entries, engine.PutEntry{PartitionKey: fmt.Sprint("pk", i), Data: []byte(d)})
	}
	res, err := c.e.PutRecords(ctx, engine.StreamRef{Name: "S"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.ErrorCode != "" {
			t.Fatalf("setup put: %s", r.ErrorMessage)
		}
	}
	sort.Strings(want)
	return c, want
}

// TestCatalogCrashPointWalk walks the power-loss point through every
// operation of each catalog update.
func TestCatalogCrashPointWalk(t *testing.T) {
	total := 0
	for _, st := range catalogSteps() {
		t.Run(st.name, func(t *testing.T) {
			probe := fsutil.NewFault()
			c, _ := setupCatalog(t, probe)
			before := probe.Ops()
			if err := st.step(c); err != nil {
				t.Fatalf("step without faults: %v", err)
			}
			ops := probe.Ops() - before
			trace := probe.Trace()[before:]
			c.close()
			for n := 1; n <= ops+1; n++ {
				f := fsutil.NewFault()
				c, records := setupCatalog(t, f)
				pre, err := c.catalog.Load()
				if err != nil {
					t.Fatal(err)
				}
				nSaves := len(c.catalog.saves)
				f.CrashAt(n)
				stepErr := st.step(c)
				stepSaves := c.catalog.saves[nSaves:]
				disk := f.PowerLoss()
				c.close()
				where := fmt.Sprintf("power lost at op %d/%d", n, ops)
				if n <= ops {
					where += " (" + trace[n-1] + ")"
				}
				checkCatalogRecovered(t, disk, pre, stepSaves, stepErr == nil, records, st.name == "delete stream", where)
			}
			t.Logf("%s: %d crash points", st.name, ops+1)
			total += ops + 1
		})
	}
	t.Logf("%d catalog crash points walked in all", total)
}

func checkCatalogRecovered(t *testing.T, disk *fsutil.Fault, pre []byte, saves [][]byte, acked bool, records []string, deleted bool, where string) {
	t.Helper()
	file, err := metastore.OpenFileFS(disk, filepath.Join(crashDir, "catalog"))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	doc, err := file.Load()
	if err != nil {
		t.Fatalf("%s: catalog after the crash: %v", where, err)
	}
	switch {
	case acked && (len(saves) == 0 || !bytes.Equal(doc, saves[len(saves)-1])):
		t.Fatalf("%s: the update was acknowledged but the catalog on disk is not its last save", where)
	case !acked && !bytes.Equal(doc, pre) && !containsDoc(saves, doc):
		t.Fatalf("%s: the catalog on disk is neither the one before the update nor one it saved", where)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)}
	c, err := openCrashEngine(t, disk, clock)
	if err != nil {
		t.Fatalf("%s: reopen: %v", where, err)
	}
	defer c.close()
	if deleted && acked {
		return
	}
	if _, err := c.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "S"}); err != nil {
		if deleted {
			return // the delete's save survived though unacknowledged
		}
		t.Fatalf("%s: DescribeStreamSummary: %v", where, err)
	}
	if got := readStream(t, c.e, "S"); fmt.Sprint(got) != fmt.Sprint(records) {
		t.Fatalf("%s: records after recovery:\n got %v\nwant %v", where, got, records)
	}
}

func containsDoc(docs [][]byte, doc []byte) bool {
	for _, d := range docs {
		if bytes.Equal(d, doc) {
			return true
		}
	}
	return false
}
