// Package report renders benchmark results as a markdown section: a header
// naming the machine, toolchain, commit and targets, then one table per
// scenario with a row per target, each target's throughput as a multiple of
// the baseline's, and runnel's as a multiple of kinesalite's.
//
// It only formats: it does no I/O beyond the io.Writer it is given.
//
// Must not import: any github.com/runnel-io/runnel/internal/... package.
package report
