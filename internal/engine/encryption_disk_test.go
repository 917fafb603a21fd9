package engine_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
)

// filesContaining lists the files under dir whose bytes contain needle.
func filesContaining(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, needle) {
			hits = append(hits, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// TestEncryptedPlaintextIsNowhereOnDisk writes recognisable records through
// the real disk stores and greps every file of the data directory for
// them: with encryption on they must appear nowhere; with it off the same
// grep must find them (so the test can fail).
func TestEncryptedPlaintextIsNowhereOnDisk(t *testing.T) {
	for _, encrypt := range []bool{true, false} {
		t.Run(fmt.Sprintf("encrypt=%v", encrypt), func(t *testing.T) {
			dir := t.TempDir()
			clock := &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			master := bytes.Repeat([]byte{5}, 32)
			open := func() (*engine.Engine, *logstore.Store) {
				t.Helper()
				logs, err := logstore.Open(filepath.Join(dir, "log"), logstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				catalog, err := metastore.OpenFile(filepath.Join(dir, "catalog"))
				if err != nil {
					t.Fatal(err)
				}
				e, err := engine.New(engine.Config{
					Region: "us-east-1", AccountID: "000000000000", Key: bytes.Repeat([]byte{7}, 32),
					MasterKey: master, Now: clock.Now,
				}, logs, catalog)
				if err != nil {
					t.Fatal(err)
				}
				return e, logs
			}
			e, logs := open()
			two := 2
			if err := e.CreateStream(ctx, engine.CreateStreamInput{Name: "secrets", ShardCount: &two}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			ref := engine.StreamRef{Name: "secrets"}
			if encrypt {
				if err := e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, "alias/aws/kinesis"); err != nil {
					t.Fatal(err)
				}
			}
			var entries []engine.PutEntry
			for i := range 50 {
				entries = append(entries, engine.PutEntry{
					PartitionKey: fmt.Sprintf("PK-CANARY-%02d", i),
					Data:         []byte(fmt.Sprintf("DATA-CANARY-%02d the quick brown fox", i)),
				})
			}
			res, err := e.PutRecords(ctx, ref, entries)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.ErrorCode != "" || r.Encrypted != encrypt {
					t.Fatalf("put result %+v", r)
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if err := logs.Close(); err != nil {
				t.Fatal(err)
			}
			for _, needle := range []string{"DATA-CANARY-", "PK-CANARY-"} {
				hits := filesContaining(t, dir, []byte(needle))
				if encrypt && len(hits) > 0 {
					t.Errorf("plaintext %q of an encrypted stream found in %v", needle, hits)
				}
				if !encrypt && len(hits) == 0 {
					t.Errorf("plaintext %q of an unencrypted stream found nowhere: the grep cannot see the log", needle)
				}
			}
			// And it all reads back after a restart.
			e, logs = open()
			defer logs.Close()
			defer e.Close()
			got := readAll(t, e, "secrets")
			if len(got) != len(entries) {
				t.Fatalf("read back %d records, want %d", len(got), len(entries))
			}
			for _, r := range got {
				if r.encrypted != encrypt || !bytes.HasPrefix([]byte(r.data), []byte("DATA-CANARY-")) || r.data[12:14] != r.pk[10:12] {
					t.Fatalf("record read back %+v", r)
				}
			}
		})
	}
}
