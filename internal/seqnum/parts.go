package seqnum

import (
	"fmt"
	"math/bits"
)

// Parts are the fields of a sequence number.
type Parts struct {
	// ShardCreateTime is the shard's creation time in Unix seconds,
	// 0..MaxTime.
	ShardCreateTime int64
	// ShardIndex is the number in the shard id (shardId-000000000007 → 7).
	ShardIndex uint32
	// SeqIndex is the record's ordinal within its shard.
	SeqIndex uint64
	// Byte1 is an AWS field that is normally 0.
	Byte1 uint8
	// RecordTime is the record's arrival time in Unix seconds, 0..MaxTime.
	RecordTime int64
}

// Validate reports whether p can be encoded without losing information:
// both times must lie in 0..MaxTime.
func (p Parts) Validate() error {
	if p.ShardCreateTime < 0 || p.ShardCreateTime > MaxTime {
		return fmt.Errorf("seqnum: shard create time %d outside 0..%d", p.ShardCreateTime, int64(MaxTime))
	}
	if p.RecordTime < 0 || p.RecordTime > MaxTime {
		return fmt.Errorf("seqnum: record time %d outside 0..%d", p.RecordTime, int64(MaxTime))
	}
	return nil
}

func (p Parts) words() u192 {
	var w u192
	w.set(versionOff, versionWidth, versionValue)
	w.set(shardIndexOff, shardIndexWidth, uint64(p.ShardIndex))
	w.set(recordTimeOff, timeWidth, uint64(p.RecordTime)&timeMask)
	w.set(byte1Off, byte1Width, uint64(p.Byte1))
	w.set(seqIndexOff, seqIndexWidth, p.SeqIndex)
	w.set(shardNibbleOff, shardNibbleWidth, uint64(p.ShardIndex&0xF))
	w.set(createTimeOff, timeWidth, uint64(p.ShardCreateTime)&timeMask)
	w.set(leadOff, leadWidth, leadValue)
	return w
}

// AppendDecimal appends the 56-digit decimal sequence number to dst. Times
// outside 0..MaxTime are truncated to their low 36 bits; call Validate first
// if that matters. It allocates only if dst must grow.
func (p Parts) AppendDecimal(dst []byte) []byte {
	return p.words().appendDecimal(dst)
}

// String returns the 56-digit decimal sequence number.
func (p Parts) String() string {
	var buf [Digits]byte
	return string(p.AppendDecimal(buf[:0]))
}

// chunk is the largest power of ten below 2^64; the value is converted 19
// digits at a time.
const (
	chunk       = 10_000_000_000_000_000_000
	chunkDigits = 19
)

// appendDecimal appends w in decimal without leading zeros. It divides by
// 10^19 (three 64-bit divisions per round) and writes each 19-digit chunk
// two digits at a time from a table.
func (w u192) appendDecimal(dst []byte) []byte {
	var buf [58]byte // 2^192 has 58 decimal digits
	i := len(buf)
	for {
		// Divisions of zero words are skipped: a 56-digit number takes 5
		// instead of 9.
		var r uint64
		switch {
		case w[2] == 0 && w[1] == 0 && w[0] < chunk:
			r, w[0] = w[0], 0
		default:
			if w[2] != 0 {
				w[2], r = bits.Div64(0, w[2], chunk)
			}
			if w[1] != 0 || r != 0 {
				w[1], r = bits.Div64(r, w[1], chunk)
			}
			w[0], r = bits.Div64(r, w[0], chunk)
		}
		if w == (u192{}) {
			for r >= 100 {
				q := r / 100
				d := (r - q*100) * 2
				i -= 2
				buf[i], buf[i+1] = digitPairs[d], digitPairs[d+1]
				r = q
			}
			if r >= 10 {
				i -= 2
				buf[i], buf[i+1] = digitPairs[r*2], digitPairs[r*2+1]
			} else {
				i--
				buf[i] = byte('0' + r)
			}
			break
		}
		// A full chunk: 19 digits, leading zeros included.
		for range chunkDigits / 2 {
			q := r / 100
			d := (r - q*100) * 2
			i -= 2
			buf[i], buf[i+1] = digitPairs[d], digitPairs[d+1]
			r = q
		}
		i--
		buf[i] = byte('0' + r)
	}
	return append(dst, buf[i:]...)
}

// digitPairs holds "00" to "99": entry n is at 2n.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"
