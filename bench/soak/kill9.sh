#!/usr/bin/env bash
# kill9.sh runs the e2e kill -9 test (e2e/kill9_test.go) with many cycles:
# 8 concurrent producers, SIGKILL at a random moment, restart on the same
# data directory, and a final check that every acknowledged record reads
# back exactly once, intact, in order per shard.
#
# Usage: bench/soak/kill9.sh [cycles]   (default 25; E2E_KILL_CYCLES wins)
set -euo pipefail
cd "$(dirname "$0")/../.."
cycles="${E2E_KILL_CYCLES:-${1:-25}}"
# The test's own budget is 50 s + 10 s per cycle beyond 3; give go test more.
timeout=$(( 120 + cycles * 15 ))s
echo "kill9 soak: ${cycles} cycles (go test timeout ${timeout})"
E2E_KILL_CYCLES="$cycles" go test ./e2e/ -run '^TestKill9$' -count=1 -v -timeout "$timeout" 2>&1 |
	grep -E '^(=== RUN|--- |PASS|FAIL|ok )|kill9_test.go' 
