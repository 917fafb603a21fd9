package engine

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

var updateGolden = flag.Bool("update", false, "rewrite the expected output of testdata/reshard/*.txt")

// TestReshardScenarios runs the scripts in testdata/reshard. Each line is a
// command; the lines after it starting with "> " are its expected output.
//
//	create N              a stream with N shards split evenly
//	split ID KEY          SplitShard
//	merge ID ADJACENT_ID  MergeShards
//	scale N               UpdateShardCount UNIFORM_SCALING
//	table                 print every shard: id, range, parents, state
//	check                 verify open shards tile the hash space and every
//	                      shard has at most two parents that were closed
//	                      when it was created
func TestReshardScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/reshard/*.txt")
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/reshard")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runScenario(t, file) })
	}
}

func runScenario(t *testing.T, file string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		tab      *table
		want     []string
		got      []string
		rewrite  strings.Builder
		lineNo   int
		pending  []string // output of the last command
		cmdLine  string
		clockSec int64 = 1_800_000_000
	)
	flush := func() {
		if cmdLine == "" {
			return
		}
		if strings.Join(pending, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: after %q\n got:\n%s\nwant:\n%s", file, cmdLine, indent(pending), indent(want))
		}
		got = append(got, pending...)
		for _, l := range pending {
			rewrite.WriteString("> " + l + "\n")
		}
		pending, want = nil, nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.HasPrefix(line, "> ") || line == ">" {
			want = append(want, strings.TrimPrefix(strings.TrimPrefix(line, ">"), " "))
			continue
		}
		flush()
		rewrite.WriteString(line + "\n")
		cmdLine = strings.TrimSpace(line)
		if cmdLine == "" || strings.HasPrefix(cmdLine, "#") {
			cmdLine = ""
			continue
		}
		clockSec++
		now := time.Unix(clockSec, 0)
		if tab != nil {
			tab = newTable("s", "000000000000", now, tab.shards)
		}
		args := strings.Fields(cmdLine)
		var opErr error
		switch args[0] {
		case "create":
			n, _ := strconv.Atoi(args[1])
			tab = newTable("s", "000000000000", now, nil)
			for _, r := range hashkey.EvenSplit(n) {
				tab.add(r, -1, -1)
			}
		case "split":
			key, err := hashkey.Parse(args[2])
			if err != nil {
				t.Fatalf("%s:%d: %v", file, lineNo, err)
			}
			opErr = tab.split(args[1], key, args[2])
		case "merge":
			opErr = tab.merge(args[1], args[2])
		case "scale":
			n, _ := strconv.Atoi(args[1])
			tab.scale(n)
		case "table":
			for _, sh := range tab.shards {
				pending = append(pending, describeShard(sh))
			}
		case "check":
			pending = append(pending, checkTable(tab))
		default:
			t.Fatalf("%s:%d: unknown command %q", file, lineNo, args[0])
		}
		if opErr != nil {
			var ee *Error
			errors.As(opErr, &ee)
			pending = append(pending, "error: "+ee.Message)
		}
	}
	flush()
	if *updateGolden {
		if err := os.WriteFile(file, []byte(rewrite.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func describeShard(sh *shard) string {
	state := "open"
	if !sh.open() {
		state = "closed"
	}
	parents := ""
	if sh.parent >= 0 {
		parents = " parent=" + shardID(uint32(sh.parent))
	}
	if sh.adjacent >= 0 {
		parents += " adjacent=" + shardID(uint32(sh.adjacent))
	}
	return fmt.Sprintf("%s %s [%s, %s]%s", shardID(sh.index), state, sh.hashRange.Start, sh.hashRange.End, parents)
}

// checkTable verifies the invariants every reshard must keep.
func checkTable(tab *table) string {
	open := tab.openShards()
	next := hashkey.Key{}
	for i, sh := range open {
		if sh.hashRange.Start != next {
			return fmt.Sprintf("gap or overlap before %s", shardID(sh.index))
		}
		if i == len(open)-1 {
			if sh.hashRange.End != hashkey.Max() {
				return "open shards do not reach 2^128-1"
			}
			break
		}
		next, _ = sh.hashRange.End.Add(hashkey.Key{Lo: 1})
	}
	for _, sh := range tab.shards {
		for _, p := range []int64{sh.parent, sh.adjacent} {
			if p < 0 {
				continue
			}
			ps := tab.shards[p]
			if ps.open() || ps.closedAt.After(sh.createdAt) {
				return fmt.Sprintf("%s has parent %s that was not closed when it was created", shardID(sh.index), shardID(ps.index))
			}
		}
	}
	return fmt.Sprintf("ok: %d open shards tile the hash space", len(open))
}

func indent(lines []string) string {
	return "    " + strings.Join(lines, "\n    ")
}
