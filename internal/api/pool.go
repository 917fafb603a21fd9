package api

// Response buffer reuse bounds: a full GetRecords (10 MiB of data in base64
// and JSON) fits in the largest kept buffer, and a few are kept, one per
// concurrent reader at most.
const (
	maxPooledBody = 16 << 20
	pooledBodies  = 8
)

// bodyPool reuses the large buffers hot paths encode responses into, so
// that a GetRecords of 10,000 records does not allocate (and zero) a fresh
// multi-megabyte buffer per call. It is a bounded free list rather than a
// sync.Pool, which every garbage collection empties — and these
// allocations are what set the collections off.
type bodyPool struct{ free chan *[]byte }

func newBodyPool() bodyPool { return bodyPool{free: make(chan *[]byte, pooledBodies)} }

// get returns an empty buffer with room for at least n bytes.
func (bp *bodyPool) get(n int) *[]byte {
	select {
	case b := <-bp.free:
		if cap(*b) >= n {
			*b = (*b)[:0]
			return b
		}
		// Too small for this answer: replace it with one that fits.
	default:
	}
	b := make([]byte, 0, n)
	return &b
}

// put gives b back once nothing refers to its bytes any more.
func (bp *bodyPool) put(b *[]byte) {
	if cap(*b) > maxPooledBody {
		return
	}
	select {
	case bp.free <- b:
	default:
	}
}

// pooledBody is an operation result already encoded as JSON into a pooled
// buffer; the handler returns the buffer once the response is written.
type pooledBody struct{ b *[]byte }
