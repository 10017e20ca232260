// Package splitargs splits a line into arguments as Redis's sdssplitargs
// does: the RESP edge's inline commands and a script's shebang line use it.
package splitargs

import "bytes"

// Split splits an inline request line into arguments exactly as Redis's
// sdssplitargs does, appending them to argv: arguments are separated by
// blanks; "double quoted" arguments understand \xHH, \n, \r, \t, \b, \a and
// \<any>; 'single quoted' ones understand \'; a closing quote must be followed
// by a blank or the end of the line; a NUL byte ends the line. It reports
// ok == false for unbalanced quotes. Unquoted arguments alias line.
func Split(line []byte, argv [][]byte) ([][]byte, bool) {
	if z := bytes.IndexByte(line, 0); z >= 0 {
		line = line[:z]
	}
	p := 0
	at := func(i int) byte { // C string semantics: NUL past the end
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	for {
		for at(p) != 0 && isCSpace(at(p)) {
			p++
		}
		if at(p) == 0 {
			return argv, true
		}
		// Fast path: an unquoted token without quote characters aliases line.
		q := p
		for q < len(line) && !isTokenEnd(line[q]) && line[q] != '"' && line[q] != '\'' {
			q++
		}
		if q == len(line) || isTokenEnd(line[q]) {
			argv = append(argv, line[p:q:q])
			p = q
			if p < len(line) {
				p++
			}
			continue
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, hexVal(at(p+2))<<4|hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := at(p); e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if n := at(p + 1); n != 0 && !isCSpace(n) {
						return argv, false
					}
					done = true
				case c == 0:
					return argv, false
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isCSpace(n) {
						return argv, false
					}
					done = true
				case c == 0:
					return argv, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		argv = append(argv, cur)
	}
}

// isCSpace is C's isspace in the "C" locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isTokenEnd reports the bytes that end an unquoted token in sdssplitargs.
func isTokenEnd(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0 }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
