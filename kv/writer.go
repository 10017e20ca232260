package kv

import (
	"math"
	"strconv"

	"redraft/wire"
)

// Writer appends replies in the RESP dialect of one client (2 or 3) to a
// byte buffer. Commands carry their client's protocol version (Cmd.Proto),
// so every replica renders the same bytes and the proposer can hand them to
// the client unchanged.
//
// RESP3-only types degrade to their RESP2 forms exactly as Redis does:
// maps become flat arrays, sets arrays, doubles bulk strings, booleans
// integers, nulls $-1 or *-1.
type Writer struct {
	buf   []byte
	Proto int // 2 or 3
}

// NewWriter returns a writer for protocol proto (2 or 3) that appends to buf.
func NewWriter(buf []byte, proto int) *Writer {
	if proto != 3 {
		proto = 2
	}
	return &Writer{buf: buf, Proto: proto}
}

// Bytes returns the replies written so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of bytes written so far.
func (w *Writer) Len() int { return len(w.buf) }

// Reset empties the buffer, keeping its capacity.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Truncate drops everything after the first n bytes.
func (w *Writer) Truncate(n int) { w.buf = w.buf[:n] }

// SetBuffer replaces the underlying buffer.
func (w *Writer) SetBuffer(b []byte) { w.buf = b }

// Raw appends pre-encoded RESP bytes.
func (w *Writer) Raw(b []byte) { appendPayload(w, b) }

// grow makes room for n more bytes; a big buffer grows and moves in
// pieces (wire.GrowLarge): a 100 MiB payload copied with one append held a
// GC's stop-the-world start for 524-633 ms on a loaded node.
func (w *Writer) grow(n int) { w.buf = wire.GrowLarge(w.buf, n) }

// room makes sure n more bytes fit without append growing the buffer:
// every method reserves what it writes, so a big reply's buffer (millions
// of elements) only ever grows through grow, in pieces, whichever element
// reaches its end.
func (w *Writer) room(n int) {
	if cap(w.buf)-len(w.buf) < n {
		w.grow(n)
	}
}

// appendPayload appends b (a []byte or a string) in pieces of at most
// wire.CopyPiece bytes.
func appendPayload[T []byte | string](w *Writer, b T) {
	if len(b) > wire.CopyPiece {
		w.grow(len(b) + 2) // and the CRLF after it
	}
	w.buf = wire.AppendLarge(w.buf, b)
}

// OK writes +OK.
func (w *Writer) OK() {
	w.room(5)
	w.buf = append(w.buf, "+OK\r\n"...)
}

// Simple writes a simple string (+s).
func (w *Writer) Simple(s string) {
	w.room(len(s) + 3)
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// Error writes an error reply; msg is the full text without '-', for example
// "ERR syntax error" or ErrWrongType.
func (w *Writer) Error(msg string) {
	w.room(len(msg) + 3)
	w.buf = append(w.buf, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.buf = append(w.buf, c)
	}
	w.buf = append(w.buf, '\r', '\n')
}

// Int writes an integer reply.
func (w *Writer) Int(n int64) {
	w.room(24)
	w.buf = append(w.buf, ':')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.grow(len(b) + 32)
	w.buf = append(w.buf, '$')
	w.buf = strconv.AppendInt(w.buf, int64(len(b)), 10)
	w.buf = append(w.buf, '\r', '\n')
	appendPayload(w, b)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkString writes a bulk string from a Go string.
func (w *Writer) BulkString(s string) {
	w.grow(len(s) + 32)
	w.buf = append(w.buf, '$')
	w.buf = strconv.AppendInt(w.buf, int64(len(s)), 10)
	w.buf = append(w.buf, '\r', '\n')
	appendPayload(w, s)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkInt writes an integer as a bulk string (as GET of a counter does).
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null writes a null bulk string: $-1 in RESP2, _ in RESP3.
func (w *Writer) Null() {
	w.room(5)
	if w.Proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes a null array: *-1 in RESP2, _ in RESP3.
func (w *Writer) NullArray() {
	w.room(5)
	if w.Proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

func (w *Writer) header(c byte, n int) {
	w.room(24)
	w.buf = append(w.buf, c)
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Array writes an array header for n elements.
func (w *Writer) Array(n int) { w.header('*', n) }

// Map writes a map header for n key/value pairs (RESP2: an array of 2n).
func (w *Writer) Map(n int) {
	if w.Proto == 3 {
		w.header('%', n)
		return
	}
	w.header('*', 2*n)
}

// Set writes a set header for n elements (RESP2: an array).
func (w *Writer) Set(n int) {
	if w.Proto == 3 {
		w.header('~', n)
		return
	}
	w.header('*', n)
}

// Double writes a floating point reply: RESP3 ",<d>", RESP2 a bulk string.
// The RESP2 text is Redis 7.0's "%.17g" rendering (see FormatDouble).
func (w *Writer) Double(f float64) {
	w.room(48)
	if w.Proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = appendDouble3(w.buf, f)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	var tmp [32]byte
	w.Bulk(AppendDouble(tmp[:0], f))
}

// Bool writes a boolean: RESP3 #t/#f, RESP2 :1/:0.
func (w *Writer) Bool(b bool) {
	w.room(4)
	if w.Proto == 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.buf = append(w.buf, ":1\r\n"...)
	} else {
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// Verbatim writes a verbatim string (RESP3 "=", format "txt"); RESP2 a bulk string.
func (w *Writer) Verbatim(s string) {
	w.room(len(s) + 32)
	if w.Proto == 3 {
		w.header('=', len(s)+4)
		w.buf = append(w.buf, "txt:"...)
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

// AppendDouble renders f as Redis 7.0 does in RESP2 replies (ZSCORE and
// friends): "%.17g", with inf and -inf spelled that way.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return appendG17(dst, f)
}

func appendDouble3(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return appendG17(dst, f)
}

// appendG17 mimics C's printf("%.17g").
func appendG17(dst []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e17 {
		// %.17g prints integral values below 1e17 without exponent or point.
		return strconv.AppendFloat(dst, f, 'f', 0, 64)
	}
	s := strconv.FormatFloat(f, 'g', 17, 64)
	// Go and C agree on digits; C strips trailing zeros in %g, Go's 'g' with
	// explicit precision keeps them; strip them here (mantissa only).
	mant, exp := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' {
			mant, exp = s[:i], s[i:]
			break
		}
	}
	if containsDot(mant) {
		j := len(mant)
		for j > 0 && mant[j-1] == '0' {
			j--
		}
		if j > 0 && mant[j-1] == '.' {
			j--
		}
		mant = mant[:j]
	}
	if exp != "" {
		// C prints at least two exponent digits: e+17, e-05.
		sign := exp[1]
		digits := exp[2:]
		if len(digits) < 2 {
			digits = "0" + digits
		}
		exp = "e" + string(sign) + digits
	}
	dst = append(dst, mant...)
	return append(dst, exp...)
}

func containsDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}
