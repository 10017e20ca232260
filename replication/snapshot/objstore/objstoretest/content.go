package objstoretest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
)

// contentHeaderBytes is the self-describing header of generated content:
// the generator seed and the total length, so a reader can check that
// what it got is one whole version, whichever version it is.
const contentHeaderBytes = 16

// content returns n deterministic pseudo-random bytes for seed. When n is
// at least contentHeaderBytes it starts with (seed, n), so checkContent
// can validate it without knowing which version was written.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	fill(seed, b)
	if n >= contentHeaderBytes {
		binary.BigEndian.PutUint64(b[0:8], seed)
		binary.BigEndian.PutUint64(b[8:16], uint64(n))
	}
	return b
}

// fill writes the byte stream of seed into b.
func fill(seed uint64, b []byte) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		copy(b[i:], w[:])
	}
}

// checkContent reports whether b is exactly one version made by content.
func checkContent(b []byte) error {
	if len(b) < contentHeaderBytes {
		return fmt.Errorf("object of %d bytes is shorter than the %d-byte header", len(b), contentHeaderBytes)
	}
	seed := binary.BigEndian.Uint64(b[0:8])
	n := binary.BigEndian.Uint64(b[8:16])
	if n != uint64(len(b)) {
		return fmt.Errorf("object of %d bytes claims %d (seed %d): torn or mixed", len(b), n, seed)
	}
	if want := content(seed, len(b)); !bytes.Equal(b, want) {
		return fmt.Errorf("object of %d bytes (seed %d) differs from what was written", len(b), seed)
	}
	return nil
}

// streamReader yields content(seed, n) in chunks of at most chunk bytes
// without holding it in memory, and without being a *bytes.Reader (so no
// implementation can take a shortcut around streaming).
type streamReader struct {
	gen   *rand.Rand
	left  int
	chunk int
	buf   []byte // generated but not yet returned
}

func newStreamReader(seed uint64, n, chunk int) *streamReader {
	return &streamReader{gen: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), left: n, chunk: chunk}
}

func (r *streamReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.chunk, r.left)]
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], r.gen.Uint64())
			r.buf = w[:]
		}
		c := copy(p[n:], r.buf)
		r.buf = r.buf[c:]
		n += c
	}
	r.left -= n
	return n, nil
}

// failingReader yields n bytes of content, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// cancelingReader yields data; after the first chunk it calls cancel, and
// then keeps yielding the rest, so the store sees the cancellation in the
// middle of the stream.
type cancelingReader struct {
	data   []byte
	cancel func()
	chunk  int
}

func (r *cancelingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if r.cancel != nil && len(p) > 0 {
		defer func() { r.cancel(); r.cancel = nil }()
	}
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}
