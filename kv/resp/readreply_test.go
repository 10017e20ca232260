package resp

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestReadReplyReturnsOneWholeReply(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+OK\r\n:1\r\n", "+OK\r\n"},
		{"$3\r\nabc\r\n+next\r\n", "$3\r\nabc\r\n"},
		{"$-1\r\n", "$-1\r\n"},
		{"*2\r\n$1\r\na\r\n%1\r\n+k\r\n:2\r\n+next\r\n", "*2\r\n$1\r\na\r\n%1\r\n+k\r\n:2\r\n"},
		{"_\r\n", "_\r\n"},
		// Nesting is bounded by the reply's bytes, not by a depth.
		{strings.Repeat("*1\r\n", 20) + ":1\r\n+next\r\n", strings.Repeat("*1\r\n", 20) + ":1\r\n"},
	} {
		got, err := ReadReply(bufio.NewReader(strings.NewReader(tc.in)))
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: got %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"?x\r\n", "+no crlf\n", "$x\r\n", "$-2\r\n", "$3\r\nabcXY", "*1000000000000\r\n"} {
		if _, err := ReadReply(bufio.NewReader(strings.NewReader(bad))); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%q: got %v, want ErrMalformedReply", bad, err)
		}
	}
}
