package script

import (
	"errors"
	"strconv"
)

// appender renders replies in RESP2 or RESP3, the way kv.Writer does: the
// machine appends these bytes to the client's reply unchanged.
type appender struct {
	b     []byte
	proto int
}

func (a *appender) line(c byte, s string) {
	a.b = append(a.b, c)
	a.b = append(a.b, s...)
	a.b = append(a.b, '\r', '\n')
}

func (a *appender) header(c byte, n int) {
	a.b = append(a.b, c)
	a.b = strconv.AppendInt(a.b, int64(n), 10)
	a.b = append(a.b, '\r', '\n')
}

func (a *appender) bulk(s string) {
	a.header('$', len(s))
	a.b = append(a.b, s...)
	a.b = append(a.b, '\r', '\n')
}

func (a *appender) integer(n int64) {
	a.b = append(a.b, ':')
	a.b = strconv.AppendInt(a.b, n, 10)
	a.b = append(a.b, '\r', '\n')
}

// errorLine writes an error; CR and LF become spaces as in Redis.
func (a *appender) errorLine(msg string) {
	a.b = append(a.b, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		a.b = append(a.b, c)
	}
	a.b = append(a.b, '\r', '\n')
}

func (a *appender) status(s string) {
	a.b = append(a.b, '+')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		a.b = append(a.b, c)
	}
	a.b = append(a.b, '\r', '\n')
}

func (a *appender) null() {
	if a.proto == 3 {
		a.b = append(a.b, "_\r\n"...)
		return
	}
	a.b = append(a.b, "$-1\r\n"...)
}

func (a *appender) boolean(v bool) {
	switch {
	case a.proto == 3 && v:
		a.b = append(a.b, "#t\r\n"...)
	case a.proto == 3:
		a.b = append(a.b, "#f\r\n"...)
	case v:
		a.b = append(a.b, ":1\r\n"...)
	default:
		a.b = append(a.b, ":0\r\n"...)
	}
}

func (a *appender) mapHeader(n int) {
	if a.proto == 3 {
		a.header('%', n)
		return
	}
	a.header('*', 2*n)
}

func (a *appender) setHeader(n int) {
	if a.proto == 3 {
		a.header('~', n)
		return
	}
	a.header('*', n)
}

func (a *appender) double(f float64) {
	s := formatG17(f)
	if a.proto == 3 {
		a.line(',', s)
		return
	}
	a.bulk(s)
}

func (a *appender) bigNumber(s string) {
	if a.proto == 3 {
		a.line('(', s)
		return
	}
	a.bulk(s)
}

func (a *appender) verbatim(format, s string) {
	if a.proto == 3 {
		a.header('=', len(s)+4)
		a.b = append(a.b, format...)
		a.b = append(a.b, ':')
		a.b = append(a.b, s...)
		a.b = append(a.b, '\r', '\n')
		return
	}
	a.bulk(s)
}

// reply is a parsed RESP reply (of a command run by redis.call).
type reply struct {
	kind  byte // one of + - : $ * % ~ _ # , ( = and 'N' for a RESP2 null
	str   string
	num   int64
	elems []reply
}

var errBadReply = errors.New("script: malformed command reply")

// parseReply parses one reply from the front of b.
func parseReply(b []byte) (reply, []byte, error) {
	if len(b) < 3 {
		return reply{}, nil, errBadReply
	}
	kind := b[0]
	end := -1
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			end = i
			break
		}
	}
	if end < 0 {
		return reply{}, nil, errBadReply
	}
	line := string(b[1:end])
	rest := b[end+2:]
	switch kind {
	case '+', '-', ',', '(':
		return reply{kind: kind, str: line}, rest, nil
	case '_':
		return reply{kind: kind}, rest, nil
	case '#':
		return reply{kind: kind, num: boolNum(line == "t")}, rest, nil
	case ':':
		n, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			return reply{}, nil, errBadReply
		}
		return reply{kind: kind, num: n}, rest, nil
	case '$', '=':
		n, err := strconv.Atoi(line)
		if err != nil {
			return reply{}, nil, errBadReply
		}
		if n < 0 {
			return reply{kind: 'N'}, rest, nil
		}
		if len(rest) < n+2 {
			return reply{}, nil, errBadReply
		}
		return reply{kind: kind, str: string(rest[:n])}, rest[n+2:], nil
	case '*', '%', '~':
		n, err := strconv.Atoi(line)
		if err != nil {
			return reply{}, nil, errBadReply
		}
		if n < 0 {
			return reply{kind: 'N'}, rest, nil
		}
		count := n
		if kind == '%' {
			count = 2 * n
		}
		if count > len(rest) {
			return reply{}, nil, errBadReply
		}
		r := reply{kind: kind, elems: make([]reply, 0, count)}
		for i := 0; i < count; i++ {
			var e reply
			e, rest, err = parseReply(rest)
			if err != nil {
				return reply{}, nil, err
			}
			r.elems = append(r.elems, e)
		}
		return r, rest, nil
	}
	return reply{}, nil, errBadReply
}

func boolNum(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
