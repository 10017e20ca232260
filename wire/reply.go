package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ReplyBytesMax bounds one reply a node reads from another, framing
// included. A forwarded batch's replies arrive as one bulk string that the
// follower holds in memory before answering its clients; 1 GiB is twice
// the largest value a client may write (proto-max-bulk-len, 512 MiB), so a
// batch that reads back one such value fits, and a peer cannot make a node
// hold more.
const ReplyBytesMax = 1 << 30

// readChunkMax bounds how far a bulk string's buffer grows ahead of the
// bytes that arrived: a peer that declares a length and sends nothing
// costs this much memory, not the length it declared.
const readChunkMax = 1 << 20

// minValueBytes is the shortest RESP value ("+\r\n", "_\r\n"): a reply
// still owing n values needs at least n*minValueBytes more bytes, which is
// how aggregates are held to the byte budget without a depth limit.
const minValueBytes = 3

var (
	// ErrMalformed: the bytes are not RESP, or not what was expected.
	ErrMalformed = errors.New("wire: malformed RESP")
	// ErrTooLarge: the input is, or declares, more than its byte budget.
	ErrTooLarge = fmt.Errorf("%w: larger than its bound", ErrMalformed)
)

// ReplyError is an error reply ("-ERR ...", its text without the '-' and
// CRLF) where another reply was expected.
type ReplyError string

func (e ReplyError) Error() string { return "error reply: " + string(e) }

// ReadReply reads exactly one RESP2 or RESP3 reply of at most max bytes
// from r and returns its bytes as they came, nested values included. An
// attribute ('|') is read together with the value it annotates. Nothing
// after the reply is consumed.
func ReadReply(r *bufio.Reader, max int) ([]byte, error) {
	b, err := appendReply(nil, r, max)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// appendReply is ReadReply appending to dst; on error it returns dst as it
// was.
func appendReply(dst []byte, r *bufio.Reader, max int) ([]byte, error) {
	start := len(dst)
	limit := start + max
	var pending int64 = 1 // values still to read
	for pending > 0 {
		lineStart := len(dst)
		var err error
		if dst, err = appendLine(dst, r, limit); err != nil {
			if err == io.EOF && lineStart > start {
				err = io.ErrUnexpectedEOF
			}
			return dst[:start], err
		}
		line := dst[lineStart:]
		kind := line[0]
		switch kind {
		case '+', '-', ':', ',', '#', '_', '(':
			pending--
		case '$', '=', '!': // bulk string, verbatim string, blob error
			n, ok := parseLen(line)
			if !ok || (n == -1 && kind != '$') {
				return dst[:start], malformed("bulk length", line)
			}
			pending--
			if n >= 0 {
				if int64(len(dst))+n+2 > int64(limit) {
					return dst[:start], ErrTooLarge
				}
				if dst, err = appendBody(dst, r, int(n)); err != nil {
					return dst[:start], err
				}
			}
		case '*', '~', '%', '>', '|': // array, set, map, push, attribute
			n, ok := parseLen(line)
			if !ok || (n == -1 && kind != '*') {
				return dst[:start], malformed("aggregate length", line)
			}
			if kind != '|' { // an attribute precedes the value it annotates
				pending--
			}
			if kind == '%' || kind == '|' {
				n *= 2
			}
			if n > 0 {
				pending += n
			}
			if int64(len(dst))+pending*minValueBytes > int64(limit) {
				return dst[:start], ErrTooLarge
			}
		default:
			return dst[:start], malformed("type", line)
		}
	}
	return dst, nil
}

// appendLine appends the next line, CRLF included, to dst, refusing to
// grow dst past limit.
func appendLine(dst []byte, r *bufio.Reader, limit int) ([]byte, error) {
	start := len(dst)
	for {
		frag, err := r.ReadSlice('\n')
		if len(dst)+len(frag) > limit {
			return dst, ErrTooLarge
		}
		dst = append(dst, frag...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF && len(dst) > start {
				err = io.ErrUnexpectedEOF
			}
			return dst, err
		}
	}
	if line := dst[start:]; len(line) < 3 || line[len(line)-2] != '\r' {
		return dst, malformed("line", line)
	}
	return dst, nil
}

// appendBody appends a bulk string's n bytes and its CRLF to dst, reading
// at most readChunkMax ahead of what arrived (dst's capacity grows with the
// bytes that arrived, never with the length the peer declared).
func appendBody(dst []byte, r *bufio.Reader, n int) ([]byte, error) {
	for left := n + 2; left > 0; {
		k := min(left, readChunkMax)
		at := len(dst)
		dst = GrowLarge(dst, k)[:at+k] // a forwarded 100 MiB reply grown by append held a GC start for 379 ms
		if _, err := io.ReadFull(r, dst[at:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return dst[:at], err
		}
		left -= k
	}
	if !bytes.HasSuffix(dst, crlf) {
		return dst, malformed("bulk string end", dst[len(dst)-2:])
	}
	return dst, nil
}

var crlf = []byte("\r\n")

// parseLen reads the length of a header line ("$5\r\n", "*-1\r\n"): -1 or
// a non-negative decimal of at most 18 digits (no overflow, and far past
// any budget).
func parseLen(line []byte) (int64, bool) {
	b := line[1 : len(line)-2]
	if string(b) == "-1" {
		return -1, true
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// malformed wraps ErrMalformed with what was wrong and the start of the
// offending bytes.
func malformed(what string, b []byte) error {
	if len(b) > 32 {
		b = b[:32]
	}
	return fmt.Errorf("%w: bad %s %q", ErrMalformed, what, b)
}

// BulkBody returns the body of reply, one whole bulk string reply as
// ReadReply returns it: a subslice of reply, not a copy. An error reply is
// a ReplyError; anything else (a null bulk string, another type, bytes
// that are not exactly one bulk string) is ErrMalformed.
func BulkBody(reply []byte) ([]byte, error) {
	i := bytes.IndexByte(reply, '\n')
	if i < 2 || reply[i-1] != '\r' {
		return nil, malformed("reply", reply)
	}
	line, rest := reply[:i+1], reply[i+1:]
	switch line[0] {
	case '-':
		if len(rest) != 0 {
			return nil, malformed("error reply", reply)
		}
		return nil, ReplyError(line[1 : len(line)-2])
	case '$':
		n, ok := parseLen(line)
		if !ok || n < 0 || int64(len(rest)) != n+2 || !bytes.HasSuffix(rest, crlf) {
			return nil, malformed("bulk reply", reply)
		}
		return rest[:n], nil
	}
	return nil, malformed("reply type (want a bulk string)", line)
}

// SplitReplies cuts b, the concatenated replies of n commands, into its n
// replies (subslices of b). It fails unless b holds exactly n whole
// replies.
func SplitReplies(b []byte, n int) ([][]byte, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	out := make([][]byte, n)
	var scratch []byte
	off := 0
	for i := range out {
		var err error
		// The budget is the reader's: b is in memory already, and a length
		// that runs past its end is a reply cut short.
		if scratch, err = appendReply(scratch[:0], r, ReplyBytesMax); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("reply %d of %d: %w", i+1, n, err)
		}
		out[i] = b[off : off+len(scratch)]
		off += len(scratch)
	}
	if off != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after %d replies", ErrMalformed, len(b)-off, n)
	}
	return out, nil
}
