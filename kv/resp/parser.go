package resp

import (
	"bytes"
	"errors"
	"redraft/kv/splitargs"

	"redraft/kv"
	"redraft/wire"
)

// ProtocolError is a malformed request. Its text is Redis's, without the
// "ERR " prefix the reply adds; the connection is closed after the reply.
type ProtocolError string

func (e ProtocolError) Error() string { return string(e) }

// Redis's protocol errors (networking.c), byte for byte.
const (
	errTooBigInline      ProtocolError = "Protocol error: too big inline request"
	errUnbalancedQuotes  ProtocolError = "Protocol error: unbalanced quotes in request"
	errTooBigMbulkCount  ProtocolError = "Protocol error: too big mbulk count string"
	errInvalidMultibulk  ProtocolError = "Protocol error: invalid multibulk length"
	errUnauthMultibulk   ProtocolError = "Protocol error: unauthenticated multibulk length"
	errTooBigBulkCount   ProtocolError = "Protocol error: too big bulk count string"
	errInvalidBulkLength ProtocolError = "Protocol error: invalid bulk length"
	errUnauthBulk        ProtocolError = "Protocol error: unauthenticated bulk length"
)

// errExpectedDollar formats Redis's "expected '$', got 'x'" error.
func errExpectedDollar(got byte) ProtocolError {
	return ProtocolError("Protocol error: expected '$', got '" + string([]byte{got}) + "'")
}

// errQueryBufferLimit: the client's unparsed input passed QueryBufferMax.
// Redis closes such a client without a reply; so do we.
var errQueryBufferLimit = errors.New("resp: client reached max query buffer length")

// reqParser incrementally parses client requests, RESP multibulk or inline,
// out of one connection's read buffer, exactly as Redis's
// processMultibulkBuffer and processInlineBuffer do (including what they do
// not check: the two bytes after a bulk are skipped, not verified).
//
// Returned arguments alias the read buffer (or, for unescaped inline
// arguments, small fresh slices) and stay valid until compact is called; the
// connection calls compact only after every command of the batch has run.
type reqParser struct {
	buf   []byte // buf[:end] holds received bytes
	start int    // first byte of the command being parsed
	pos   int    // parse position, >= start
	end   int

	// A multibulk in progress (left > 0): offs holds the arguments parsed so
	// far as offset pairs relative to start; blen is the length of the next
	// bulk, -1 while its header has not been parsed.
	left int
	blen int
	offs []int

	// argv is the arena returned argument lists are cut from; resetArgs
	// empties it.
	argv [][]byte

	// Limits, set by the owner before next.
	maxBulk      int64
	maxMultibulk int
	unauth       bool // the client must still authenticate (Redis's authRequired)
}

func newReqParser(size int) *reqParser {
	return &reqParser{buf: make([]byte, size), blen: -1, maxBulk: DefaultProtoMaxBulkLen, maxMultibulk: DefaultMaxMultibulkLen}
}

// next parses the next complete command. It returns (args, nil) for a
// command, (nil, nil) when the buffer holds no complete command, and a
// ProtocolError for malformed input. Empty commands (*0, *-1, blank inline
// lines) are skipped as Redis skips them.
func (p *reqParser) next() ([][]byte, error) {
	for {
		if p.left == 0 {
			if p.pos >= p.end {
				return nil, nil
			}
			if p.buf[p.pos] != '*' {
				args, ok, err := p.inline()
				if err != nil || !ok {
					return nil, err
				}
				if len(args) == 0 {
					continue
				}
				return args, nil
			}
			ok, err := p.multibulkHeader()
			if err != nil || !ok {
				return nil, err
			}
			if p.left == 0 {
				continue
			}
		}
		for p.left > 0 {
			if p.blen < 0 {
				ok, err := p.bulkHeader()
				if err != nil || !ok {
					return nil, err
				}
			}
			if p.end-p.pos < p.blen+2 {
				return nil, nil
			}
			rel := p.pos - p.start
			p.offs = append(p.offs, rel, rel+p.blen)
			p.pos += p.blen + 2
			p.blen = -1
			p.left--
		}
		n0 := len(p.argv)
		for i := 0; i < len(p.offs); i += 2 {
			a, b := p.start+p.offs[i], p.start+p.offs[i+1]
			p.argv = append(p.argv, p.buf[a:b:b])
		}
		p.offs = p.offs[:0]
		p.start = p.pos
		n1 := len(p.argv)
		return p.argv[n0:n1:n1], nil
	}
}

// multibulkHeader parses "*<count>\r\n" at pos.
func (p *reqParser) multibulkHeader() (bool, error) {
	data := p.buf[p.pos:p.end]
	nl := bytes.IndexByte(data, '\r')
	if nl < 0 {
		if len(data) > protoInlineMaxSize {
			return false, errTooBigMbulkCount
		}
		return false, nil
	}
	if nl > len(data)-2 { // the '\n' has not arrived yet
		return false, nil
	}
	n, ok := kv.ParseInt(data[1:nl])
	if !ok || n > int64(p.maxMultibulk) {
		return false, errInvalidMultibulk
	}
	if n > unauthMultibulkMax && p.unauth {
		return false, errUnauthMultibulk
	}
	p.pos += nl + 2
	if n <= 0 {
		p.start = p.pos
		return true, nil
	}
	p.left = int(n)
	p.blen = -1
	return true, nil
}

// bulkHeader parses "$<len>\r\n" at pos.
func (p *reqParser) bulkHeader() (bool, error) {
	data := p.buf[p.pos:p.end]
	nl := bytes.IndexByte(data, '\r')
	if nl < 0 {
		if len(data) > protoInlineMaxSize {
			return false, errTooBigBulkCount
		}
		return false, nil
	}
	if nl > len(data)-2 {
		return false, nil
	}
	if data[0] != '$' {
		return false, errExpectedDollar(data[0])
	}
	n, ok := kv.ParseInt(data[1:nl])
	if !ok || n < 0 || n > p.maxBulk {
		return false, errInvalidBulkLength
	}
	if n > unauthBulkMax && p.unauth {
		return false, errUnauthBulk
	}
	p.pos += nl + 2
	p.blen = int(n)
	return true, nil
}

// inline parses one inline request (a line of space separated, optionally
// quoted arguments) at pos.
func (p *reqParser) inline() ([][]byte, bool, error) {
	data := p.buf[p.pos:p.end]
	nl := bytes.IndexByte(data, '\n')
	// Redis looks for the newline with strchr, which stops at a NUL byte.
	if z := bytes.IndexByte(data, 0); z >= 0 && (nl < 0 || z < nl) {
		nl = -1
	}
	if nl < 0 {
		if len(data) > protoInlineMaxSize {
			return nil, false, errTooBigInline
		}
		return nil, false, nil
	}
	line := data[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	n0 := len(p.argv)
	argv, ok := splitargs.Split(line, p.argv)
	if !ok {
		return nil, false, errUnbalancedQuotes
	}
	p.argv = argv
	p.pos += nl + 1
	p.start = p.pos
	n1 := len(p.argv)
	return p.argv[n0:n1:n1], true, nil
}

// pending returns the number of received bytes not yet consumed by a
// complete command.
func (p *reqParser) pending() int { return p.end - p.start }

// argsKeep bounds the argument arena and offset slice kept between batches;
// larger ones (after a command with very many arguments) are released.
const argsKeep = 4096

// resetArgs forgets the argument lists returned so far.
func (p *reqParser) resetArgs() {
	if cap(p.argv) > argsKeep {
		p.argv = nil
	}
	p.argv = p.argv[:0]
	if cap(p.offs) > 2*argsKeep && len(p.offs) == 0 {
		p.offs = nil
	}
}

// compact moves the unconsumed bytes to the front of the buffer and makes
// room for the next read: it grows the buffer when an incomplete command
// fills it and shrinks it back after a large request. It returns
// errQueryBufferLimit when the incomplete command passes max bytes.
// Arguments returned earlier become invalid.
func (p *reqParser) compact(max int64) error {
	n := p.end - p.start
	if int64(n) > max {
		return errQueryBufferLimit
	}
	// After a large request, go back to a small buffer unless the command in
	// progress still needs a large one.
	if len(p.buf) > readBufferSize && n < readBufferSize/2 && (p.left == 0 || p.blen < readBufferSize/2) {
		nb := make([]byte, readBufferSize)
		copy(nb, p.buf[p.start:p.end]) // n < readBufferSize/2
		p.setBuf(nb, n)
		clear(p.argv[:cap(p.argv)]) // drop references to the old buffer
		return nil
	}
	if p.start > 0 {
		wire.CopyLarge(p.buf, p.buf[p.start:p.end]) // a big buffer moves in pieces
		p.setBuf(p.buf, n)
	}
	if len(p.buf)-p.end >= readBufferMinFree {
		return nil
	}
	size := 2 * len(p.buf)
	if p.left > 0 && p.blen >= 0 {
		// Waiting for a bulk of known length: grow geometrically (a client
		// announcing a huge bulk gets memory only as its data arrives), but
		// no further than the command needs.
		if need := p.pos - p.start + p.blen + 2; need > len(p.buf) && need < size {
			size = need
		}
	}
	nb := make([]byte, size)
	wire.CopyLarge(nb, p.buf[:p.end])
	p.buf = nb
	return nil
}

// setBuf installs buf holding n unconsumed bytes at its front.
func (p *reqParser) setBuf(buf []byte, n int) {
	p.pos -= p.start
	p.start = 0
	p.end = n
	p.buf = buf
}

// free returns the buffer space the next read may fill.
func (p *reqParser) free() []byte { return p.buf[p.end:] }

// feed appends data to the buffer, growing it as needed (tests and fuzzing;
// the connection reads into free directly).
func (p *reqParser) feed(data []byte) {
	if len(p.buf)-p.end < len(data) {
		nb := make([]byte, p.end+len(data)+readBufferMinFree)
		copy(nb, p.buf[:p.end])
		p.buf = nb
	}
	p.end += copy(p.buf[p.end:], data)
}
