package resp

import (
	"bytes"
	"errors"
	"strconv"

	"redraft/kv"
)

// value is a reply tree. The edge builds its structured replies (COMMAND,
// HELLO) from values and decodes the Redis reference data embedded in
// commands.resp into them; write renders a value in the client's protocol
// the way Redis renders the same reply.
type value struct {
	kind  byte    // '+' simple, '-' error, ':' integer, '$' bulk, '*' array, '%' map, '~' set, '_' null
	str   string  // simple, error and bulk text
	num   int64   // integer
	elems []value // array and set elements; map keys and values interleaved
}

func simpleV(s string) value    { return value{kind: '+', str: s} }
func bulkV(s string) value      { return value{kind: '$', str: s} }
func intV(n int64) value        { return value{kind: ':', num: n} }
func arrayV(e ...value) value   { return value{kind: '*', elems: e} }
func setV(e ...value) value     { return value{kind: '~', elems: e} }
func mapV(kvs ...value) value   { return value{kind: '%', elems: kvs} }
func nullV() value              { return value{kind: '_'} }
func (v *value) add(e ...value) { v.elems = append(v.elems, e...) }

// get returns the value of key in a map value (nil when absent).
func (v value) get(key string) *value {
	if v.kind != '%' {
		return nil
	}
	for i := 0; i+1 < len(v.elems); i += 2 {
		if v.elems[i].str == key {
			return &v.elems[i+1]
		}
	}
	return nil
}

// write renders v; RESP3-only types degrade as kv.Writer degrades them.
func (v value) write(w *kv.Writer) {
	switch v.kind {
	case '+':
		w.Simple(v.str)
	case '-':
		w.Error(v.str)
	case ':':
		w.Int(v.num)
	case '$':
		w.BulkString(v.str)
	case '_':
		w.Null()
	case '*':
		w.Array(len(v.elems))
	case '~':
		w.Set(len(v.elems))
	case '%':
		w.Map(len(v.elems) / 2)
	default:
		panic("resp: unknown value kind " + string(v.kind))
	}
	for _, e := range v.elems {
		e.write(w)
	}
}

// errBadReply reports a malformed or truncated reply.
var errBadReply = errors.New("resp: malformed reply")

// maxReplyDepth bounds the nesting parseValue and replyLen follow, so a
// hostile input cannot exhaust the stack.
const maxReplyDepth = 64

// parseValue decodes the first RESP2/RESP3 reply in b (the kinds value can
// hold, plus doubles, booleans and verbatim strings, which become bulks,
// integers and bulks).
func parseValue(b []byte) (value, []byte, error) { return parseValueDepth(b, 0) }

// parseCapture parses a capture of redis-server's replies to COMMAND INFO
// and COMMAND DOCS of the same commands (commands.resp, kvcommands.resp,
// localedge.resp, slowlog.resp), panicking with file's name when it is
// malformed: the files are embedded, so that is a build error.
func parseCapture(file string, b []byte) (info, docs value) {
	info, rest, err := parseValue(b)
	if err != nil {
		panic("resp: " + file + ": " + err.Error())
	}
	if docs, _, err = parseValue(rest); err != nil {
		panic("resp: " + file + ": " + err.Error())
	}
	return info, docs
}

func parseValueDepth(b []byte, depth int) (value, []byte, error) {
	if depth > maxReplyDepth {
		return value{}, nil, errBadReply
	}
	line, rest, ok := replyLine(b)
	if !ok || len(line) == 0 {
		return value{}, nil, errBadReply
	}
	body := line[1:]
	switch line[0] {
	case '+', '-':
		return value{kind: line[0], str: string(body)}, rest, nil
	case ',':
		return bulkV(string(body)), rest, nil
	case ':':
		n, ok := kv.ParseInt(body)
		if !ok {
			return value{}, nil, errBadReply
		}
		return intV(n), rest, nil
	case '#':
		if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
			return value{}, nil, errBadReply
		}
		return intV(map[bool]int64{true: 1}[body[0] == 't']), rest, nil
	case '_':
		return nullV(), rest, nil
	case '$', '=':
		n, ok := kv.ParseInt(body)
		if ok && n == -1 && line[0] == '$' {
			return nullV(), rest, nil
		}
		if !ok || n < 0 || int64(len(rest)) < n+2 {
			return value{}, nil, errBadReply
		}
		s := string(rest[:n])
		if line[0] == '=' {
			if len(s) < 4 {
				return value{}, nil, errBadReply
			}
			s = s[4:]
		}
		return bulkV(s), rest[n+2:], nil
	case '*', '~', '%':
		n, ok := kv.ParseInt(body)
		if ok && n == -1 && line[0] == '*' {
			return nullV(), rest, nil
		}
		if !ok || n < 0 || n > int64(len(rest)) {
			return value{}, nil, errBadReply
		}
		count := int(n)
		if line[0] == '%' {
			count *= 2
		}
		v := value{kind: line[0], elems: make([]value, 0, min(count, 1024))}
		for i := 0; i < count; i++ {
			var e value
			var err error
			e, rest, err = parseValueDepth(rest, depth+1)
			if err != nil {
				return value{}, nil, err
			}
			v.elems = append(v.elems, e)
		}
		return v, rest, nil
	}
	return value{}, nil, errBadReply
}

// replyLine splits the first CRLF-terminated line off b.
func replyLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, nil, false
	}
	return b[:i], b[i+2:], true
}

// replyLen returns the length in bytes of the first complete reply in b,
// any RESP2 or RESP3 type. EXEC uses it to splice edge replies among the
// machine's.
func replyLen(b []byte) (int, error) { return replyLenDepth(b, 0) }

func replyLenDepth(b []byte, depth int) (int, error) {
	if depth > maxReplyDepth {
		return 0, errBadReply
	}
	line, rest, ok := replyLine(b)
	if !ok || len(line) == 0 {
		return 0, errBadReply
	}
	head := len(line) + 2
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return head, nil
	case '$', '=', '!':
		n, ok := kv.ParseInt(line[1:])
		if ok && n == -1 && line[0] == '$' {
			return head, nil
		}
		if !ok || n < 0 || int64(len(rest)) < n+2 {
			return 0, errBadReply
		}
		return head + int(n) + 2, nil
	case '*', '~', '%', '>', '|':
		n, ok := kv.ParseInt(line[1:])
		if ok && n == -1 && line[0] == '*' {
			return head, nil
		}
		if !ok || n < 0 || n > int64(len(rest)) {
			return 0, errBadReply
		}
		count := int(n)
		if line[0] == '%' || line[0] == '|' {
			count *= 2
		}
		if line[0] == '|' { // an attribute precedes the reply it annotates
			count++
		}
		total := head
		for i := 0; i < count; i++ {
			m, err := replyLenDepth(b[total:], depth+1)
			if err != nil {
				return 0, err
			}
			total += m
		}
		return total, nil
	}
	return 0, errBadReply
}

// formatInt renders n in decimal.
func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
