package logstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// TestFaultWalk fails, in turn, each file-system operation of the crash
// scenarios' steps with the error a full or failing disk gives it (ENOSPC
// for creates and writes, EIO for the rest), with the process still
// running. Then it retries an append: a failed write, create, rename or
// directory sync is retryable (the shard keeps taking appends); a failed
// fdatasync of data already written fails the shard (ShardFailedError),
// because the kernel may have dropped the dirty pages it could not write.
// Finally power is lost and recovery must keep every acknowledged record.
func TestFaultWalk(t *testing.T) {
	walked := 0
	for _, sc := range crashScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			probe := fsutil.NewFault()
			_, ops := runCrash(t, sc, probe, 0)
			trace := probe.Trace()
			stepTrace := trace[len(trace)-ops:]
			for i, line := range stepTrace {
				kind, err := opKind(line)
				if kind < 0 {
					t.Fatalf("unknown op %q", line)
				}
				nth := 0 // which operation of its kind within the step
				for _, l := range stepTrace[:i+1] {
					if k, _ := opKind(l); k == kind {
						nth++
					}
				}
				// An fdatasync of a segment holding records is fatal for the
				// shard; that of a segment just created (after its 32-byte
				// header write) is not: the new file is removed.
				target := strings.Fields(line)[1]
				fatal := kind == fsutil.OpSync && strings.HasSuffix(target, segmentSuffix) &&
					(i == 0 || stepTrace[i-1] != "write "+target+" 32@0")
				where := fmt.Sprintf("%v on op %d/%d (%s)", err, i+1, ops, line)
				f := fsutil.NewFault()
				m := runFault(t, sc, f, kind, nth, err, fatal, where)
				checkRecovered(t, f.PowerLoss(), m, where)
				walked++
			}
		})
	}
	t.Logf("%d injected faults walked", walked)
}

// opKind parses the kind of a Fault trace line and the error a failing
// disk would give that kind.
func opKind(line string) (fsutil.Op, error) {
	name, _, _ := strings.Cut(line, " ")
	for k := fsutil.OpCreate; k <= fsutil.OpSyncDir; k++ {
		if k.String() == name {
			if k == fsutil.OpWrite || k == fsutil.OpCreate {
				return k, syscall.ENOSPC
			}
			return k, syscall.EIO
		}
	}
	return -1, nil
}

// runFault runs sc with the nth operation of kind failing during the step,
// then retries an append and returns the model.
func runFault(t *testing.T, sc crashScenario, f *fsutil.Fault, kind fsutil.Op, nth int, ferr error, fatal bool, where string) *crashModel {
	t.Helper()
	clock := &fakeClock{}
	opts := sc.opts
	opts.FS, opts.Now, opts.Logger = f, clock.now, testLogger(t, nil)
	s, err := Open(crashRoot, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	sh, err := s.Shard("c", 0)
	if err != nil {
		t.Fatalf("Shard: %v", err)
	}
	m := newCrashModel()
	sc.setup(t, s, sh, m, clock)
	f.FailAt(kind, nth, ferr)
	sc.step(s, sh, m, clock)
	if f.Count(kind) == 0 {
		t.Fatalf("%s: never reached", where)
	}
	oldest, next := sh.Bounds()
	got := readAll(t, sh, oldest)
	if uint64(len(got)) != next-oldest {
		t.Fatalf("%s: reads return %d records, bounds say %d", where, len(got), next-oldest)
	}
	recs := makeRecords(3, 9000, "retry")
	retryOK := m.appendAck(s, sh, recs)
	var sf *ShardFailedError
	probe := makeRecords(1, 9100, "probe")
	pfirst, ptoken, aerr := sh.Append(probe)
	if aerr == nil {
		m.written[pfirst] = probe[0]
	}
	shardFailed := errors.As(aerr, &sf)
	if fatal {
		if !shardFailed {
			t.Fatalf("%s: shard still takes appends after an fdatasync failure (retry ok=%v, err=%v)", where, retryOK, aerr)
		}
		return m
	}
	if !retryOK || aerr != nil {
		t.Fatalf("%s: not retryable: retry ok=%v, then %v", where, retryOK, aerr)
	}
	if err := s.Sync(context.Background(), ptoken); err != nil {
		t.Fatalf("%s: sync: %v", where, err)
	}
	return m
}
