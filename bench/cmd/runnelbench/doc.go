// Command runnelbench benchmarks runnel against kinesalite and a do-nothing
// baseline server, end to end over HTTP with the AWS SDK for Go v2.
//
// Run it from the repository root:
//
//	go run ./bench/cmd/runnelbench -duration 10s -out bench/RESULTS.md
//
// It builds ./cmd/runnel and ./bench/cmd/baseline into a temporary
// directory (or uses -runnel PATH), installs kinesalite@3 into
// bench/node_modules on first use (skipped with a note if node or npm is
// missing or the install fails), and then, for each scenario and each target,
// starts a fresh target process on 127.0.0.1, runs the scenario, and stops
// the process by its PID. Runnel runs durable with its default flags except
// --listen 127.0.0.1:0, --data-dir (a temporary directory) and
// --create-stream-delay 0.
//
// Output: the machine description, progress on stderr, then a markdown
// section (machine, targets, one table per scenario) on stdout; with -out the
// same section is appended to that file.
//
// "runnelbench fanout-subscribers SPEC" is not for people: it is the fan-out
// scenario's subscriber process, which runnelbench starts itself.
//
// The load generator sets its own GOGC to 400 unless GOGC is set; the
// targets' environment is left alone.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package.
package main
