package logstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runnel-io/runnel/internal/record"
)

// frameOffsets lists the offset of every intact frame of a segment file.
func frameOffsets(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	for p := segmentHeaderLen; p < len(b); {
		_, n, err := decodeFrame(b[p:])
		if err != nil {
			t.Fatalf("fixture frame at %d: %v", p, err)
		}
		offs = append(offs, int64(p))
		p += n
	}
	return offs
}

func mutateFile(t *testing.T, path string, fn func(b []byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// reframe rewrites the frame at off with a new index and a valid checksum.
func reframe(b []byte, off int64, index uint64) {
	n := binary.LittleEndian.Uint32(b[off:])
	binary.LittleEndian.PutUint64(b[off+8:], index)
	binary.LittleEndian.PutUint32(b[off+4:], crc32.Checksum(b[off+8:off+int64(n)], castagnoli))
}

// fixture writes records 1..n of 20 data bytes each to shard c/0 and closes
// the store. It returns the shard directory.
func fixture(t *testing.T, dir string, opts Options, n int) string {
	t.Helper()
	opts.Now = (&fakeClock{}).now
	s := openStore(t, dir, opts)
	sh := openDiskShard(t, s, "c", 0)
	for i := 0; i < n; i += 5 {
		recs := make([]record.Record, min(5, n-i))
		for j := range recs {
			recs[j] = record.Record{Timestamp: int64(i + j), PartitionKey: "pk", Data: bytes.Repeat([]byte{byte(i + j)}, 20)}
		}
		appendSync(t, s, sh, recs)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return shardDir(dir, "c", 0)
}

func TestCorruptionTornTailIsCut(t *testing.T) {
	tail := func(b []byte) []byte { return b }
	tests := []struct {
		name     string
		mutate   func(b []byte, offs []int64) []byte
		wantRecs int
	}{
		{"partial frame appended", func(b []byte, _ []int64) []byte {
			extra := appendFrame(nil, &record.Record{Index: 21, PartitionKey: "pk", Data: make([]byte, 20)})
			return append(b, extra[:15]...)
		}, 20},
		{"last frame cut short", func(b []byte, _ []int64) []byte { return b[:len(b)-5] }, 19},
		{"only a length field", func(b []byte, _ []int64) []byte { return append(b, 50, 0) }, 20},
		{"bad checksum in last frame", func(b []byte, offs []int64) []byte {
			b[offs[19]+30] ^= 0xff
			return b
		}, 19},
		{"bad checksum, last frame runs past EOF", func(b []byte, offs []int64) []byte {
			binary.LittleEndian.PutUint32(b[offs[19]:], 4000)
			return b
		}, 19},
		{"zero-filled tail", func(b []byte, _ []int64) []byte { return append(b, make([]byte, 4096)...) }, 20},
		{"garbage tail", func(b []byte, _ []int64) []byte { return append(b, bytes.Repeat([]byte{0xff}, 100)...) }, 20},
		{"nothing wrong", func(b []byte, _ []int64) []byte { return tail(b) }, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			shDir := fixture(t, dir, Options{}, 20)
			seg := filepath.Join(shDir, segmentFileName(1))
			offs := frameOffsets(t, seg)
			mutateFile(t, seg, func(b []byte) []byte { return tc.mutate(b, offs) })
			damaged := fileSize(t, seg)

			logs := &logBuffer{}
			s := openStore(t, dir, Options{Logger: testLogger(t, logs)})
			sh := openDiskShard(t, s, "c", 0)
			got := readAll(t, sh, 1)
			if len(got) != tc.wantRecs {
				t.Fatalf("%d records readable, want %d", len(got), tc.wantRecs)
			}
			wantSize := int64(segmentHeaderLen)
			if tc.wantRecs < 20 {
				wantSize = offs[tc.wantRecs]
			} else {
				wantSize = offs[19] + int64(frameHeaderLen+2+20)
			}
			if size := fileSize(t, seg); size != wantSize {
				t.Fatalf("segment is %d bytes after recovery, want %d", size, wantSize)
			}
			if cut := damaged != wantSize; cut != logs.has("WARN", "torn tail", seg) {
				t.Fatalf("cut=%v but warn logged=%v:\n%s", cut, !cut, logs)
			}
			if logs.has("ERROR") {
				t.Fatalf("a torn tail was logged as an error:\n%s", logs)
			}
			if first := appendSync(t, s, sh, makeRecords(1, 100, "n")); first != uint64(tc.wantRecs+1) {
				t.Fatalf("next append got index %d, want %d", first, tc.wantRecs+1)
			}
		})
	}
}

func TestCorruptionInMiddleIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(b []byte, offs []int64)
	}{
		{"bad checksum", func(b []byte, offs []int64) { b[offs[9]+40] ^= 0x01 }},
		{"impossible length", func(b []byte, offs []int64) { binary.LittleEndian.PutUint32(b[offs[9]:], 3) }},
		{"length past EOF", func(b []byte, offs []int64) { binary.LittleEndian.PutUint32(b[offs[9]:], 5<<20) }},
		{"oversized key length", func(b []byte, offs []int64) { binary.LittleEndian.PutUint16(b[offs[9]+24:], 2000) }},
		{"zeroed frame", func(b []byte, offs []int64) { clear(b[offs[9]:offs[10]]) }},
		{"index out of sequence", func(b []byte, offs []int64) { reframe(b, offs[9], 99) }},
		{"duplicate index at tail", func(b []byte, offs []int64) { reframe(b, offs[19], 19) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			shDir := fixture(t, dir, Options{}, 20)
			seg := filepath.Join(shDir, segmentFileName(1))
			offs := frameOffsets(t, seg)
			mutateFile(t, seg, func(b []byte) []byte { tc.mutate(b, offs); return b })
			damaged := fileSize(t, seg)
			badIndex := uint64(10)
			badOff := offs[9]
			if strings.Contains(tc.name, "tail") {
				badIndex, badOff = 20, offs[19]
			}

			logs := &logBuffer{}
			s := openStore(t, dir, Options{Logger: testLogger(t, logs)})
			sh := openDiskShard(t, s, "c", 0) // still opens
			if size := fileSize(t, seg); size != damaged {
				t.Fatalf("corrupt segment changed size from %d to %d", damaged, size)
			}
			if !logs.has("ERROR", seg) {
				t.Fatalf("corruption not logged as an error:\n%s", logs)
			}
			got, err := sh.Read(1, 100, 1<<20, nil)
			if err != nil || len(got) != int(badIndex-1) {
				t.Fatalf("Read(1) = %d records, %v; want the %d before the damage", len(got), err, badIndex-1)
			}
			_, err = sh.Read(badIndex, 100, 1<<20, nil)
			var ce *CorruptionError
			if !errors.As(err, &ce) {
				t.Fatalf("Read past the damage = %v, want *CorruptionError", err)
			}
			if ce.Path != seg || ce.Offset != badOff || ce.Reason == "" {
				t.Fatalf("CorruptionError = %+v, want path %s offset %d", ce, seg, badOff)
			}
			if _, err := sh.SeekTime(int64(badIndex - 1)); !errors.As(err, &ce) { // record k has timestamp k-1
				t.Fatalf("SeekTime past the damage = %v, want *CorruptionError", err)
			}
			// Appends go on in a fresh segment after the last intact index.
			_, next := sh.Bounds()
			if next < 20 {
				t.Fatalf("next index %d reuses indexes the corrupt segment holds", next)
			}
			first := appendSync(t, s, sh, makeRecords(2, 100, "n"))
			if got := readAll(t, sh, first); len(got) != 2 {
				t.Fatalf("records appended after corruption: %d readable", len(got))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			// And again after a restart: still refused, still not truncated.
			s2 := openStore(t, dir, Options{})
			sh = openDiskShard(t, s2, "c", 0)
			if _, err := sh.Read(badIndex, 100, 1<<20, nil); !errors.As(err, &ce) {
				t.Fatalf("after restart, Read past the damage = %v", err)
			}
			if size := fileSize(t, seg); size != damaged {
				t.Fatalf("corrupt segment changed size after restart")
			}
			if got := readAll(t, sh, first); len(got) != 2 {
				t.Fatalf("after restart, records appended after corruption: %d readable", len(got))
			}
		})
	}
}

func TestCorruptionInSealedSegment(t *testing.T) {
	tests := []struct {
		name    string
		dropIdx bool
		mutate  func(b []byte, offs []int64) []byte
	}{
		{"bad checksum mid segment", false, func(b []byte, offs []int64) []byte { b[offs[2]+30] ^= 1; return b }},
		{"bad checksum mid segment, no index", true, func(b []byte, offs []int64) []byte { b[offs[2]+30] ^= 1; return b }},
		{"bad checksum in last frame", true, func(b []byte, offs []int64) []byte {
			b[offs[len(offs)-1]+30] ^= 1
			return b
		}},
		{"cut short", false, func(b []byte, _ []int64) []byte { return b[:len(b)-5] }},
		{"bad header", false, func(b []byte, _ []int64) []byte { b[0] = 'X'; return b }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			shDir := fixture(t, dir, Options{SegmentBytes: 300}, 40)
			segs := segmentFiles(t, shDir, segmentSuffix)
			if len(segs) < 4 {
				t.Fatalf("fixture has %d segments", len(segs))
			}
			victim := segs[1]
			first, _ := parseSegmentName(filepath.Base(victim))
			next, _ := parseSegmentName(filepath.Base(segs[2]))
			offs := frameOffsets(t, victim)
			mutateFile(t, victim, func(b []byte) []byte { return tc.mutate(b, offs) })
			if tc.dropIdx {
				if err := os.Remove(indexPath(victim)); err != nil {
					t.Fatal(err)
				}
			}
			damaged := fileSize(t, victim)

			s := openStore(t, dir, Options{})
			sh := openDiskShard(t, s, "c", 0)
			got, err := sh.Read(1, 100, 1<<20, nil)
			if err != nil || len(got) == 0 || got[len(got)-1].Index >= next {
				t.Fatalf("Read(1) = %d records, %v; want records before the damage and nil", len(got), err)
			}
			var ce *CorruptionError
			for idx := got[len(got)-1].Index + 1; idx < next; idx++ {
				if _, err := sh.Read(idx, 100, 1<<20, nil); !errors.As(err, &ce) || ce.Path != victim {
					t.Fatalf("Read(%d) in the damaged segment [%d, %d) = %v, want *CorruptionError", idx, first, next, err)
				}
			}
			if got := readAll(t, sh, next); len(got) != 40-int(next)+1 {
				t.Fatalf("reads after the damaged segment: %d records, want %d", len(got), 40-int(next)+1)
			}
			if size := fileSize(t, victim); size != damaged {
				t.Fatalf("sealed corrupt segment changed size from %d to %d", damaged, size)
			}
			if _, err := os.Stat(indexPath(victim)); tc.dropIdx && err == nil {
				t.Fatal("an index was written for a corrupt segment")
			}
		})
	}
}

func TestIndexRebuilt(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, idx string, other string)
		reason string
	}{
		{"missing", func(t *testing.T, idx, _ string) {
			if err := os.Remove(idx); err != nil {
				t.Fatal(err)
			}
		}, "unreadable"},
		{"garbage", func(t *testing.T, idx, _ string) {
			if err := os.WriteFile(idx, []byte("not an index at all, definitely not"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "inconsistent"},
		{"empty", func(t *testing.T, idx, _ string) {
			if err := os.WriteFile(idx, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "inconsistent"},
		{"bit flip", func(t *testing.T, idx, _ string) {
			mutateFile(t, idx, func(b []byte) []byte { b[60] ^= 4; return b })
		}, "inconsistent"},
		{"another segment's index", func(t *testing.T, idx, other string) {
			b, err := os.ReadFile(other)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(idx, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "inconsistent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			shDir := fixture(t, dir, Options{SegmentBytes: 400, IndexInterval: 100}, 40)
			idxs := segmentFiles(t, shDir, indexSuffix)
			if len(idxs) < 2 {
				t.Fatalf("fixture has %d index files", len(idxs))
			}
			original, err := os.ReadFile(idxs[0])
			if err != nil {
				t.Fatal(err)
			}
			tc.damage(t, idxs[0], idxs[1])
			logs := &logBuffer{}
			s := openStore(t, dir, Options{Logger: testLogger(t, logs), IndexInterval: 100})
			sh := openDiskShard(t, s, "c", 0)
			if !logs.has("WARN", "rebuilding", tc.reason, idxs[0]) {
				t.Fatalf("rebuild not logged:\n%s", logs)
			}
			rebuilt, err := os.ReadFile(idxs[0])
			if err != nil {
				t.Fatalf("index not rewritten: %v", err)
			}
			if !bytes.Equal(rebuilt, original) {
				t.Fatalf("rebuilt index differs from the one written at roll")
			}
			for from := uint64(1); from <= 40; from++ {
				got, err := sh.Read(from, 1, 1<<20, nil)
				if err != nil || len(got) != 1 || got[0].Index != from || got[0].Data[0] != byte(from-1) {
					t.Fatalf("Read(%d) = %v, %v", from, got, err)
				}
				if idx, err := sh.SeekTime(int64(from - 1)); err != nil || idx != from {
					t.Fatalf("SeekTime(%d) = %d, %v", from-1, idx, err)
				}
			}
		})
	}
}

func TestSegmentHeaderDamage(t *testing.T) {
	t.Run("torn header of a new segment is rewritten", func(t *testing.T) {
		dir := t.TempDir()
		shDir := fixture(t, dir, Options{SegmentBytes: 300}, 20)
		segs := segmentFiles(t, shDir, segmentSuffix)
		last := segs[len(segs)-1]
		first, _ := parseSegmentName(filepath.Base(last))
		mutateFile(t, last, func(b []byte) []byte { return b[:10] }) // crash while creating it
		logs := &logBuffer{}
		s := openStore(t, dir, Options{Logger: testLogger(t, logs)})
		sh := openDiskShard(t, s, "c", 0)
		if _, next := sh.Bounds(); next != first {
			t.Fatalf("next = %d, want %d", next, first)
		}
		if !logs.has("WARN", "header torn", last) {
			t.Fatalf("not logged:\n%s", logs)
		}
		if got := appendSync(t, s, sh, makeRecords(1, 1, "x")); got != first {
			t.Fatalf("append after header repair got %d, want %d", got, first)
		}
	})
	t.Run("bad header of the active segment fails OpenShard", func(t *testing.T) {
		dir := t.TempDir()
		shDir := fixture(t, dir, Options{}, 5)
		seg := filepath.Join(shDir, segmentFileName(1))
		mutateFile(t, seg, func(b []byte) []byte { b[9] ^= 1; return b })
		s := openStore(t, dir, Options{})
		var ce *CorruptionError
		if _, err := s.Shard("c", 0); !errors.As(err, &ce) || ce.Path != seg {
			t.Fatalf("OpenShard = %v, want *CorruptionError for %s", err, seg)
		}
	})
}
