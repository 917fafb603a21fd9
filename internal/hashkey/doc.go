// Package hashkey implements Kinesis hash-key arithmetic: unsigned 128-bit
// keys, their decimal form, the MD5 mapping from partition keys, and
// inclusive hash-key ranges with the even split AWS uses for new streams.
//
// Invariants:
//   - A Key is any value in 0..2^128-1; Parse accepts exactly the canonical
//     decimal strings of those values ("0" or no leading zero) and String
//     returns them, so parse and format are inverse.
//   - EvenSplit(n) returns n contiguous ranges covering 0..2^128-1 with no gap
//     or overlap; range i starts at floor(2^128/n)*i and the last ends at
//     2^128-1 (what DescribeStream shows for a new AWS stream).
//   - Nothing panics on input; Parse errors are *ParseError values wrapping
//     ErrSyntax or ErrOutOfRange. Arithmetic reports overflow instead of
//     wrapping silently.
//
// The package holds no mutable state and imports no other internal package.
package hashkey
