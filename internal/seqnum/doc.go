// Package seqnum encodes and decodes Kinesis sequence numbers in the layout
// AWS uses: a 188-bit integer (47 hex digits) printed as 56 decimal digits.
//
// From the most significant end the fields are:
//
//	bits     width  field
//	184-187    4    the constant 2
//	148-183   36    shard create time, Unix seconds
//	144-147    4    low nibble of the shard index
//	 80-143   64    SeqIndex, the record's ordinal within its shard
//	 72-79     8    Byte1, normally 0
//	 36-71    36    record time, Unix seconds
//	  4-35    32    shard index
//	  0-3      4    the layout version, 2
//
// Invariants:
//   - Every encoded number has exactly 56 decimal digits and no leading zero,
//     so two encoded numbers compare as big integers by comparing their
//     strings (see Compare); within one shard (fixed create time and shard
//     index) a larger SeqIndex always gives a larger number.
//   - Parse accepts exactly the strings AppendDecimal produces: a string that
//     parses re-encodes to itself.
//   - Encoding appends to a caller's buffer and does not allocate; it uses
//     192-bit arithmetic on three uint64 words (math/bits), not math/big.
//   - Nothing panics on input; malformed strings yield a *ParseError that
//     wraps ErrInvalid.
//
// The package holds no mutable state and imports no other internal package.
package seqnum
