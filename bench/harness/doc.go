// Package harness starts and stops the benchmark's targets — the runnel
// binary, kinesalite under node, and the do-nothing baseline — as child
// processes on 127.0.0.1, builds the Kinesis clients that drive them, and
// describes the machine the numbers came from.
//
// Invariants:
//   - every target listens on 127.0.0.1 only, on a port it picks itself
//     (port 0); its address is read from the ready line it logs;
//   - every wait is bounded in time; every child process is ended by the
//     PID this package started it with (SIGTERM, then SIGKILL), never by
//     name;
//   - clients never retry (RetryMaxAttempts 1) and never use a proxy.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package —
// the harness talks to runnel over HTTP only.
package harness
