package difftest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Limits of the reply reader. Replies in a differential run are small; the
// limits only stop a corrupt stream from making the reader allocate without
// bound.
const (
	// maxReplyDepth bounds nesting (arrays in maps in arrays...). Redis's
	// own replies nest at most 3 or 4 levels deep.
	maxReplyDepth = 32
	// maxReplyLine bounds one header or simple-string line.
	maxReplyLine = 64 << 10
	// maxReplyBulk bounds one bulk string (the generator never writes values
	// above a few kilobytes).
	maxReplyBulk = 16 << 20
	// maxReplyElems bounds the element count of one aggregate.
	maxReplyElems = 1 << 20
)

// Reader errors.
var (
	errReplyProtocol = errors.New("difftest: malformed RESP reply")
	errReplyTooLarge = errors.New("difftest: RESP reply exceeds reader limits")
)

// value is a decoded RESP2/RESP3 reply. kind is the type byte ('+', '-', ':',
// '$', '*', '%', '~', ',', '#', '_', '(', '=', '!', '>', '|'); str holds the
// payload of scalar kinds (bulk bytes, simple text, integer digits...);
// elems holds aggregate elements (a map's keys and values alternate; an
// attribute's map comes first and the attributed reply last); null marks
// $-1 and *-1.
type value struct {
	kind  byte
	null  bool
	str   string
	elems []value
}

// readReply reads exactly one complete reply from r and returns it decoded,
// together with its raw bytes appended to dst.
func readReply(r *bufio.Reader, dst []byte) (value, []byte, error) {
	return decode(r, dst, 0)
}

// parseReply decodes the single complete reply in b (no trailing bytes).
func parseReply(b []byte) (value, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	v, raw, err := decode(r, nil, 0)
	if err != nil {
		return value{}, err
	}
	if len(raw) != len(b) {
		return value{}, errReplyProtocol
	}
	return v, nil
}

// readLine reads one CRLF-terminated line, appends it (CRLF included) to
// dst and returns the line without its terminator as a subslice of dst.
func readLine(r *bufio.Reader, dst []byte) (line, out []byte, err error) {
	start := len(dst)
	for {
		chunk, err := r.ReadSlice('\n')
		dst = append(dst, chunk...)
		if len(dst)-start > maxReplyLine {
			return nil, dst, errReplyTooLarge
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(dst) > start {
				err = io.ErrUnexpectedEOF
			}
			return nil, dst, err
		}
		break
	}
	n := len(dst)
	if n-start < 3 || dst[n-2] != '\r' {
		return nil, dst, errReplyProtocol
	}
	return dst[start : n-2], dst, nil
}

func decode(r *bufio.Reader, dst []byte, depth int) (value, []byte, error) {
	if depth > maxReplyDepth {
		return value{}, dst, errReplyTooLarge
	}
	line, dst, err := readLine(r, dst)
	if err != nil {
		return value{}, dst, err
	}
	v := value{kind: line[0]}
	body := line[1:]
	switch v.kind {
	case '+', '-', ',', '(':
		v.str = string(body)
	case ':':
		if n, err := strconv.ParseInt(string(body), 10, 64); err != nil || strconv.FormatInt(n, 10) != string(body) {
			return value{}, dst, errReplyProtocol
		}
		v.str = string(body)
	case '#':
		if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
			return value{}, dst, errReplyProtocol
		}
		v.str = string(body)
	case '_':
		if len(body) != 0 {
			return value{}, dst, errReplyProtocol
		}
		v.null = true
	case '$', '=', '!':
		n, err := atoiCanonical(body)
		if err != nil || n < -1 || (n == -1 && v.kind != '$') {
			return value{}, dst, errReplyProtocol
		}
		if n == -1 {
			v.null = true
			break
		}
		if n > maxReplyBulk {
			return value{}, dst, errReplyTooLarge
		}
		start := len(dst)
		dst = append(dst, make([]byte, n+2)...)
		if _, err := io.ReadFull(r, dst[start:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return value{}, dst, err
		}
		if dst[len(dst)-2] != '\r' || dst[len(dst)-1] != '\n' {
			return value{}, dst, errReplyProtocol
		}
		v.str = string(dst[start : start+n])
	case '*', '~', '>', '%', '|':
		n, err := atoiCanonical(body)
		if err != nil || n < -1 || (n == -1 && v.kind != '*') {
			return value{}, dst, errReplyProtocol
		}
		if n == -1 {
			v.null = true
			break
		}
		if n > maxReplyElems {
			return value{}, dst, errReplyTooLarge
		}
		count := n
		if v.kind == '%' || v.kind == '|' {
			count = 2 * n
		}
		if v.kind == '|' {
			count++ // the attributed reply follows the attribute map
		}
		v.elems = make([]value, 0, min(count, 1024))
		for range count {
			var e value
			e, dst, err = decode(r, dst, depth+1)
			if err != nil {
				return value{}, dst, err
			}
			v.elems = append(v.elems, e)
		}
	default:
		return value{}, dst, errReplyProtocol
	}
	return v, dst, nil
}

// atoiCanonical parses a length as Redis writes it: decimal, no sign but
// '-' for -1, no leading zeros. Anything else is a protocol error, so a
// reply the reader accepts has one encoding.
func atoiCanonical(b []byte) (int, error) {
	n, err := strconv.Atoi(string(b))
	if err != nil || strconv.Itoa(n) != string(b) {
		return 0, errReplyProtocol
	}
	return n, nil
}

// appendEncode renders v back to RESP; for any v produced by decode it
// returns exactly the bytes decode consumed. The comparison rules use it as
// the canonical form of one element.
func (v value) appendEncode(dst []byte) []byte {
	dst = append(dst, v.kind)
	switch v.kind {
	case '_':
	case '$', '=', '!':
		if v.null {
			dst = append(dst, "-1"...)
			break
		}
		dst = strconv.AppendInt(dst, int64(len(v.str)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, v.str...)
	case '*', '~', '>', '%', '|':
		if v.null {
			dst = append(dst, "-1"...)
			break
		}
		n := len(v.elems)
		if v.kind == '|' {
			n--
		}
		if v.kind == '%' || v.kind == '|' {
			n /= 2
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, '\r', '\n')
		for _, e := range v.elems {
			dst = e.appendEncode(dst)
		}
		return dst
	default:
		dst = append(dst, v.str...)
	}
	return append(dst, '\r', '\n')
}

// String returns the RESP encoding of v.
func (v value) String() string { return string(v.appendEncode(nil)) }

// isError reports whether v is an error reply ('-' or RESP3 '!').
func (v value) isError() bool { return v.kind == '-' || v.kind == '!' }

// isAggregate reports whether v is a non-null array, set, map or push.
func (v value) isAggregate() bool {
	switch v.kind {
	case '*', '~', '%', '>':
		return !v.null
	}
	return false
}

// int returns the value of an integer reply.
func (v value) int() (int64, bool) {
	if v.kind != ':' {
		return 0, false
	}
	n, err := strconv.ParseInt(v.str, 10, 64)
	return n, err == nil
}
