package wire

import (
	"bufio"
	"errors"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func reader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// TestReadReplyReadsExactlyOneReply: every RESP2 and RESP3 type, nested,
// comes back as it was sent, and the reply after it stays unread.
func TestReadReplyReadsExactlyOneReply(t *testing.T) {
	long := "+" + strings.Repeat("x", 10000) + "\r\n" // longer than bufio's buffer
	for _, tc := range []struct{ name, in string }{
		{"simple", "+OK\r\n"},
		{"empty simple", "+\r\n"},
		{"error", "-ERR forward: no leader\r\n"},
		{"integer", ":-12\r\n"},
		{"bulk", "$3\r\nabc\r\n"},
		{"bulk holding CRLF", "$5\r\na\r\n$1\r\n"},
		{"empty bulk", "$0\r\n\r\n"},
		{"null bulk", "$-1\r\n"},
		{"null array", "*-1\r\n"},
		{"empty array", "*0\r\n"},
		{"array", "*3\r\n$1\r\na\r\n:1\r\n$-1\r\n"},
		{"nested arrays", "*2\r\n*2\r\n+a\r\n*1\r\n:1\r\n*0\r\n"},
		{"deep nesting", strings.Repeat("*1\r\n", 200) + ":1\r\n"},
		{"long line", long},
		{"double", ",1.5\r\n"},
		{"boolean", "#t\r\n"},
		{"null", "_\r\n"},
		{"big number", "(3492890328409238509324850943850943825024385\r\n"},
		{"verbatim", "=15\r\ntxt:Some string\r\n"},
		{"blob error", "!21\r\nSYNTAX invalid syntax\r\n"},
		{"set", "~2\r\n+a\r\n:2\r\n"},
		{"map", "%2\r\n+k\r\n:1\r\n$1\r\nj\r\n*1\r\n_\r\n"},
		{"push", ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n"},
		{"attribute and its value", "|1\r\n+key-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n:5\r\n"},
		{"attribute inside an array", "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n"},
	} {
		r := reader(tc.in + "+next\r\n")
		got, err := ReadReply(r, 1<<20)
		if err != nil || string(got) != tc.in {
			t.Errorf("%s: got %q %v, want %q", tc.name, got, err, tc.in)
			continue
		}
		if rest, _ := io.ReadAll(r); string(rest) != "+next\r\n" {
			t.Errorf("%s: left %q unread, want the next reply", tc.name, rest)
		}
	}
}

// TestReadReplyRefusesBadInput: malformed, truncated and oversized input
// is an error, of the kind the caller can tell apart.
func TestReadReplyRefusesBadInput(t *testing.T) {
	const max = 1000
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"nothing", "", io.EOF},
		{"line cut", "+OK", io.ErrUnexpectedEOF},
		{"bulk cut", "$3\r\nab", io.ErrUnexpectedEOF},
		{"bulk end cut", "$3\r\nabc\r", io.ErrUnexpectedEOF},
		{"array cut", "*2\r\n+a\r\n", io.ErrUnexpectedEOF},
		{"map missing its value", "%1\r\n+k\r\n", io.ErrUnexpectedEOF},
		{"attribute without its value", "|1\r\n+k\r\n+v\r\n", io.ErrUnexpectedEOF},
		{"LF without CR", "+OK\n", ErrMalformed},
		{"bare CRLF", "\r\n", ErrMalformed},
		{"garbage type", "?x\r\n", ErrMalformed},
		{"inline command", "PING\r\n", ErrMalformed},
		{"type byte NUL", "\x00\r\n", ErrMalformed},
		{"bulk without length", "$\r\n", ErrMalformed},
		{"bulk length not a number", "$x\r\n", ErrMalformed},
		{"bulk length with plus", "$+3\r\nabc\r\n", ErrMalformed},
		{"bulk length with space", "$ 3\r\nabc\r\n", ErrMalformed},
		{"bulk body too long", "$3\r\nabcd\r\n", ErrMalformed},
		{"bulk end not CRLF", "$3\r\nabcXY", ErrMalformed},
		{"negative bulk length", "$-2\r\n", ErrMalformed},
		{"null verbatim", "=-1\r\n", ErrMalformed},
		{"null blob error", "!-1\r\n", ErrMalformed},
		{"negative array length", "*-5\r\n", ErrMalformed},
		{"null map", "%-1\r\n", ErrMalformed},
		{"null set", "~-1\r\n", ErrMalformed},
		{"array length not a number", "*abc\r\n", ErrMalformed},
		{"19-digit length", "$1234567890123456789\r\n", ErrMalformed},
		{"bad element", "*2\r\n+a\r\n?b\r\n", ErrMalformed},
		{"bulk over the bound", "$2000\r\n", ErrTooLarge},
		{"bulk just over the bound", "$993\r\n" + strings.Repeat("a", 993) + "\r\n", ErrTooLarge},
		{"line over the bound", "+" + strings.Repeat("a", 2000) + "\r\n", ErrTooLarge},
		{"array of more elements than bytes", "*400\r\n", ErrTooLarge},
		{"huge array", "*999999999999999999\r\n", ErrTooLarge},
		{"huge map", "%999999999999999999\r\n", ErrTooLarge},
		{"nested huge arrays", "*2\r\n*400\r\n", ErrTooLarge},
	} {
		got, err := ReadReply(reader(tc.in), max)
		if !errors.Is(err, tc.want) || got != nil {
			t.Errorf("%s: got %q %v, want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := ReadReply(reader("$992\r\n"+strings.Repeat("a", 992)+"\r\n"), max); err != nil {
		t.Errorf("a reply of exactly the bound: %v", err)
	}
	if !errors.Is(ErrTooLarge, ErrMalformed) {
		t.Error("ErrTooLarge is not ErrMalformed")
	}
}

// TestReadReplyAllocatesWhatArrives: a declared length alone does not
// make the reader allocate it.
func TestReadReplyAllocatesWhatArrives(t *testing.T) {
	in := "$1000000000\r\nabc"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadReply(reader(in), ReplyBytesMax)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4*readChunkMax {
		t.Errorf("allocated %d bytes for a reply that sent 3", n)
	}
}

// TestReadReplyLongBulkInChunks: a bulk string longer than the read chunk
// arrives whole.
func TestReadReplyLongBulkInChunks(t *testing.T) {
	body := strings.Repeat("0123456789", readChunkMax/4)
	in := "$" + strconv.Itoa(len(body)) + "\r\n" + body + "\r\n"
	got, err := ReadReply(reader(in), ReplyBytesMax)
	if err != nil || string(got) != in {
		t.Fatalf("got %d bytes %v, want %d", len(got), err, len(in))
	}
}

func itoa(n int) string {
	return string(appendHeader(nil, ' ', n)[1 : len(appendHeader(nil, ' ', n))-2])
}

func TestBulkBody(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"$3\r\nabc\r\n", "abc", nil},
		{"$0\r\n\r\n", "", nil},
		{"$4\r\n+OK\n\r\n", "+OK\n", nil},
		{"-ERR forward: no leader\r\n", "", ReplyError("ERR forward: no leader")},
		{"$-1\r\n", "", ErrMalformed},
		{"+OK\r\n", "", ErrMalformed},
		{":1\r\n", "", ErrMalformed},
		{"*1\r\n$1\r\na\r\n", "", ErrMalformed},
		{"$3\r\nabcX\r\n", "", ErrMalformed},
		{"$3\r\nab", "", ErrMalformed},
		{"$3\r\nabc\r\n+next\r\n", "", ErrMalformed},
		{"-ERR x\r\n+next\r\n", "", ErrMalformed},
		{"$x\r\nabc\r\n", "", ErrMalformed},
		{"", "", ErrMalformed},
		{"\n", "", ErrMalformed},
	} {
		got, err := BulkBody([]byte(tc.in))
		if !errors.Is(err, tc.err) || string(got) != tc.want {
			t.Errorf("%q: got %q %v, want %q %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	_, err := BulkBody([]byte("-ERR x\r\n"))
	if err.Error() != "error reply: ERR x" {
		t.Errorf("error reply reads %q", err)
	}
}

func TestSplitReplies(t *testing.T) {
	replies := "+OK\r\n$1\r\nv\r\n*2\r\n:1\r\n%1\r\n+k\r\n_\r\n-ERR x\r\n"
	for _, tc := range []struct {
		in   string
		n    int
		want []string
		err  error
	}{
		{replies, 4, []string{"+OK\r\n", "$1\r\nv\r\n", "*2\r\n:1\r\n%1\r\n+k\r\n_\r\n", "-ERR x\r\n"}, nil},
		{"", 0, []string{}, nil},
		{replies, 3, nil, ErrMalformed},         // a reply left over
		{replies, 5, nil, io.ErrUnexpectedEOF},  // one missing
		{"", 1, nil, io.ErrUnexpectedEOF},       // none at all
		{"+OK\r\n?x\r\n", 2, nil, ErrMalformed}, // a bad one
		{"+OK\r\n$5\r\nab", 2, nil, io.ErrUnexpectedEOF},
	} {
		got, err := SplitReplies([]byte(tc.in), tc.n)
		if !errors.Is(err, tc.err) {
			t.Errorf("%q into %d: error %v, want %v", tc.in, tc.n, err, tc.err)
			continue
		}
		var gotS []string
		if got != nil {
			gotS = []string{}
		}
		for _, g := range got {
			gotS = append(gotS, string(g))
		}
		if !slices.Equal(gotS, tc.want) {
			t.Errorf("%q into %d: got %q, want %q", tc.in, tc.n, gotS, tc.want)
		}
	}
}
