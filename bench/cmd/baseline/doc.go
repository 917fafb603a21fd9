// Command baseline serves the do-nothing Kinesis endpoint of package
// bench/baseline, so that runnelbench can measure the cost of the client,
// the loopback network and JSON decoding alone.
//
//	baseline [-listen 127.0.0.1:0]
//
// Once it serves it logs one line on stderr,
//
//	time=... level=INFO msg="baseline ready" addr=127.0.0.1:PORT
//
// and it stops gracefully on SIGINT or SIGTERM.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package.
package main
