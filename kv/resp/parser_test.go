package resp

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// parseAll feeds data to a parser in chunks of chunk bytes (0: all at once)
// and returns the commands and the error it produces, compacting the buffer
// between chunks as a connection does.
func parseAll(data []byte, chunk int, unauth bool) ([][]string, error) {
	p := newReqParser(64)
	p.unauth = unauth
	p.maxBulk = 1 << 20
	var out [][]string
	if chunk <= 0 {
		chunk = len(data) + 1
	}
	for len(data) > 0 {
		n := min(chunk, len(data))
		p.feed(data[:n])
		data = data[n:]
		for {
			args, err := p.next()
			if err != nil {
				return out, err
			}
			if args == nil {
				break
			}
			cmd := make([]string, len(args))
			for i, a := range args {
				cmd[i] = string(a)
			}
			out = append(out, cmd)
		}
		p.resetArgs()
		if err := p.compact(1 << 30); err != nil {
			return out, err
		}
	}
	return out, nil
}

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want [][]string
		err  error
	}{
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", [][]string{{"GET", "k"}}, nil},
		{"*1\r\n$0\r\n\r\n", [][]string{{""}}, nil},
		{"GET k\r\nSET  a\t b\n", [][]string{{"GET", "k"}, {"SET", "a", "b"}}, nil},
		{"\r\n\n  \r\n*0\r\n*-1\r\nX\r\n", [][]string{{"X"}}, nil},
		{"a\"b c\"d e\r\n", nil, errUnbalancedQuotes},
		{"a\"b c\" e\r\n", [][]string{{"ab c", "e"}}, nil},
		{"'a\\'b' \"\\x41\\x4g\\q\\n\"\r\n", [][]string{{"a'b", "Ax4gq\n"}}, nil},
		{"\"\" ''\r\n", [][]string{{"", ""}}, nil},
		{"a\x00b\r\n", nil, nil}, // NUL: Redis waits for a newline strchr can see
		{"a\vb\r\n", [][]string{{"a\vb"}}, nil},
		{"\va\r\n", [][]string{{"a"}}, nil},
		{"*1\r\n$2\r\nab", nil, nil},
		{"*1\r\n$2\r\nabXY*1\r\n$1\r\nc\r\n", [][]string{{"ab"}, {"c"}}, nil},
		{"*+1\r\n", nil, errInvalidMultibulk},
		{"*01\r\n", nil, errInvalidMultibulk},
		{"*1\r\n$01\r\n", nil, errInvalidBulkLength},
		{"*1\r\n$1048577\r\n", nil, errInvalidBulkLength},
		{"*1\r\n$1048576\r\n", nil, nil},
		{"*1\r\n:1\r\n", nil, errExpectedDollar(':')},
		{"*1\r\n\xff\r\n", nil, errExpectedDollar(0xff)},
		{"*1\r", nil, nil},
		{"*1\r\n$1\r", nil, nil},
	}
	for _, c := range cases {
		for _, chunk := range []int{0, 1, 3} {
			got, err := parseAll([]byte(c.in), chunk, false)
			if !reflect.DeepEqual(got, c.want) || err != c.err {
				t.Errorf("%q (chunk %d): got %q, %v; want %q, %v", c.in, chunk, got, err, c.want, c.err)
			}
		}
	}
}

func TestParseUnauthenticated(t *testing.T) {
	if _, err := parseAll([]byte("*11\r\n"), 0, true); err != errUnauthMultibulk {
		t.Errorf("got %v", err)
	}
	if got, err := parseAll([]byte("*10\r\n"), 0, true); err != nil || got != nil {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := parseAll([]byte("*1\r\n$16385\r\n"), 0, true); err != errUnauthBulk {
		t.Errorf("got %v", err)
	}
}

func TestParseRoundTrip(t *testing.T) {
	var in strings.Builder
	var want [][]string
	for i := 0; i < 300; i++ {
		args := []string{"SET", fmt.Sprint("key", i), strings.Repeat("v\r\n", i*7)}
		in.WriteString(respCmd(args...))
		want = append(want, args)
	}
	for _, chunk := range []int{0, 1, 7, 100, 4096} {
		got, err := parseAll([]byte(in.String()), chunk, false)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("chunk %d: %d commands, %v", chunk, len(got), err)
		}
	}
}

func TestCompactGrowsAndShrinks(t *testing.T) {
	p := newReqParser(readBufferSize)
	p.maxBulk = 1 << 30
	big := respCmd("SET", "k", strings.Repeat("x", 1<<20))
	for i := 0; i < len(big); {
		n := copy(p.free(), big[i:])
		p.end += n
		i += n
		if args, err := p.next(); err != nil || (args != nil && i < len(big)) {
			t.Fatalf("at %d: %v %v", i, args, err)
		}
		p.resetArgs()
		if err := p.compact(1 << 30); err != nil {
			t.Fatal(err)
		}
		if len(p.buf) > 2<<20 {
			t.Fatalf("buffer grew to %d for a 1 MB bulk", len(p.buf))
		}
	}
	if err := p.compact(1 << 30); err != nil || len(p.buf) != readBufferSize {
		t.Fatalf("buffer not shrunk: %d, %v", len(p.buf), err)
	}
	// A bulk announced but not sent does not allocate its size.
	p.feed([]byte("*1\r\n$1000000000\r\n"))
	if args, err := p.next(); args != nil || err != nil {
		t.Fatal(args, err)
	}
	if err := p.compact(1 << 30); err != nil || len(p.buf) > readBufferSize {
		t.Fatalf("buffer %d for an announced bulk", len(p.buf))
	}
	if err := p.compact(10); !errors.Is(err, errQueryBufferLimit) {
		t.Fatalf("got %v", err)
	}
}

// FuzzParse checks that parsing never panics and that the commands and
// error do not depend on how the input is split into reads.
func FuzzParse(f *testing.F) {
	for _, tc := range transcripts {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in), uint8(1), false)
		}
	}
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\nGET \"a\\x41\" 'b'\r\n"), uint8(3), true)
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, unauth bool) {
		if len(data) > 32<<10 {
			return // the "too big" limits legitimately depend on read sizes
		}
		whole, werr := parseAll(data, 0, unauth)
		split, serr := parseAll(data, int(chunk%32)+1, unauth)
		if !reflect.DeepEqual(whole, split) || werr != serr {
			t.Fatalf("whole: %q %v\nsplit: %q %v", whole, werr, split, serr)
		}
		for _, cmd := range whole {
			if len(cmd) == 0 {
				t.Fatal("empty command returned")
			}
		}
	})
}

// FuzzReply checks that replyLen and parseValue agree and never panic.
func FuzzReply(f *testing.F) {
	if n, err := replyLen(commandsRESP); err == nil {
		first, _ := replyLen(commandsRESP[len("*14\r\n"):n])
		f.Add(commandsRESP[len("*14\r\n"):][:first]) // COMMAND INFO auth
	}
	f.Add([]byte("*2\r\n$1\r\na\r\n_\r\n"))
	f.Add([]byte("|1\r\n+a\r\n+b\r\n:1\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := replyLen(data)
		if err == nil && (n <= 0 || n > len(data)) {
			t.Fatalf("replyLen %d of %d bytes", n, len(data))
		}
		v, rest, perr := parseValue(data)
		if perr == nil {
			if err != nil || len(data)-len(rest) != n {
				t.Fatalf("parseValue consumed %d, replyLen %d (%v)", len(data)-len(rest), n, err)
			}
			_ = v
		}
	})
}
