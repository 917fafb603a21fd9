// Package validate checks decoded Kinesis JSON request bodies against the
// constraints of botocore's Kinesis model, answering in AWS's words.
//
// It owns two things: the type check that AWS reports as SerializationException
// (a member whose JSON type does not fit its shape), and the constraint check
// that AWS reports as ValidationException ("N validation errors detected: …").
// It does not decode bodies, map errors to __type/HTTP status, or apply the
// semantic rules of an operation (those belong to internal/api and the engine).
//
// The constraint tables in constraints_gen.go are generated from the model by
// ./gen and committed; TestGeneratedUpToDate regenerates them and compares.
// The same file holds the wire types (no constraints) of every output shape;
// shape.go exposes input and output shapes read-only (InputShape,
// OutputShape) to codecs that must tell blobs and timestamps apart (CBOR).
// The package compiles them once (patterns, messages) into an immutable table
// that Check only reads, so Check is safe for concurrent use.
//
// Invariants:
//   - Check never panics on any decoded JSON value (FuzzCheck).
//   - Unknown members are ignored; a JSON null is the same as an absent member.
//   - A type error anywhere wins over every constraint violation.
//
// It imports only the standard library and must not import other internal
// packages, logstore, metastore or os (beyond what tests use).
package validate

//go:generate go run ./gen -out constraints_gen.go
