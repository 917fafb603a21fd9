package seqnum

// Digits is the number of decimal digits of every encoded sequence number.
const Digits = 56

// MaxTime is the largest time, in Unix seconds, a 36-bit time field holds
// (year 4147).
const MaxTime = 1<<36 - 1

// Field positions (bit offset from the least significant end, width in bits).
const (
	versionOff, versionWidth         = 0, 4
	shardIndexOff, shardIndexWidth   = 4, 32
	recordTimeOff, timeWidth         = 36, 36
	byte1Off, byte1Width             = 72, 8
	seqIndexOff, seqIndexWidth       = 80, 64
	shardNibbleOff, shardNibbleWidth = 144, 4
	createTimeOff                    = 148
	leadOff, leadWidth               = 184, 8 // the lead nibble plus the 4 unused top bits

	versionValue = 2
	leadValue    = 2
	timeMask     = MaxTime
)

// u192 is an unsigned 192-bit integer, least significant word first.
type u192 [3]uint64

// set ORs v (which must fit in width bits) into the field at off.
func (w *u192) set(off, width uint, v uint64) {
	i, s := off/64, off%64
	w[i] |= v << s
	if s+width > 64 {
		w[i+1] |= v >> (64 - s)
	}
}

// get returns the width-bit field at off.
func (w *u192) get(off, width uint) uint64 {
	i, s := off/64, off%64
	v := w[i] >> s
	if s+width > 64 {
		v |= w[i+1] << (64 - s)
	}
	if width < 64 {
		v &= 1<<width - 1
	}
	return v
}
