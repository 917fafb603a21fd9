// Package config holds the server's configuration: the struct, its
// defaults, and its validation. It imports no other internal package; the
// command line (cmd/runnel) fills it from flags and RUNNEL_* variables.
package config
