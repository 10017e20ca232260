package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func bs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i := range s {
		out[i] = []byte(s[i])
	}
	return out
}

// TestWriteCommand: a request is a RESP array of bulk strings, spelled out
// here by hand.
func TestWriteCommand(t *testing.T) {
	for _, tc := range []struct {
		args [][]byte
		want string
	}{
		{bs(ForwardCommand, "\x01\x00\r\n"), "*2\r\n$15\r\nredraft.forward\r\n$4\r\n\x01\x00\r\n\r\n"},
		{bs("AUTH", "s3cret pass"), "*2\r\n$4\r\nAUTH\r\n$11\r\ns3cret pass\r\n"},
		{bs("RAFT", "INFO"), "*2\r\n$4\r\nRAFT\r\n$4\r\nINFO\r\n"},
		{bs("SET", "", strings.Repeat("v", 12)), "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$12\r\nvvvvvvvvvvvv\r\n"},
		{nil, "*0\r\n"},
	} {
		var b bytes.Buffer
		w := bufio.NewWriterSize(&b, 16) // smaller than most requests: writes pass through
		if err := WriteCommand(w, tc.args...); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if b.String() != tc.want {
			t.Errorf("%q: wrote %q, want %q", tc.args, b.String(), tc.want)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteCommandReportsWriteErrors(t *testing.T) {
	w := bufio.NewWriterSize(failingWriter{}, 16)
	if err := WriteCommand(w, bs(ForwardCommand, strings.Repeat("x", 100))...); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("got %v, want the writer's error", err)
	}
}

func TestReadCommand(t *testing.T) {
	const argsMax, bytesMax = 4, 100
	for _, tc := range []struct {
		name, in string
		want     [][]byte
		err      error
	}{
		{"forward", "*2\r\n$15\r\nredraft.forward\r\n$3\r\n\x00\r\n\r\n", bs("redraft.forward", "\x00\r\n"), nil},
		{"empty argument", "*2\r\n$4\r\nAUTH\r\n$0\r\n\r\n", bs("AUTH", ""), nil},
		{"most arguments", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", bs("a", "b", "c", "d"), nil},
		{"most bytes", "*1\r\n$100\r\n" + strings.Repeat("z", 100) + "\r\n", bs(strings.Repeat("z", 100)), nil},
		{"nothing", "", nil, io.EOF},
		{"cut in the count", "*2", nil, io.ErrUnexpectedEOF},
		{"cut before an argument", "*2\r\n$1\r\na\r\n", nil, io.ErrUnexpectedEOF},
		{"cut in an argument", "*1\r\n$5\r\nab", nil, io.ErrUnexpectedEOF},
		{"no arguments", "*0\r\n", nil, ErrMalformed},
		{"null array", "*-1\r\n", nil, ErrMalformed},
		{"too many arguments", "*5\r\n", nil, ErrMalformed},
		{"huge count", "*999999999999999999\r\n", nil, ErrMalformed},
		{"null argument", "*1\r\n$-1\r\n", nil, ErrMalformed},
		{"negative length", "*1\r\n$-3\r\n", nil, ErrMalformed},
		{"length not a number", "*1\r\n$x\r\n", nil, ErrMalformed},
		{"argument too long", "*1\r\n$2\r\nabcd", nil, ErrMalformed},
		{"argument not a bulk", "*1\r\n+OK\r\n", nil, ErrMalformed},
		{"reply, not a request", "+OK\r\n", nil, ErrMalformed},
		{"inline command", "PING\r\n", nil, ErrMalformed},
		{"header over its bound", "*" + strings.Repeat("0", 70) + "1\r\n", nil, ErrMalformed},
		{"header without CR", "*1\n", nil, ErrMalformed},
		{"over the byte bound", "*1\r\n$101\r\n", nil, ErrTooLarge},
		{"over the byte bound together", "*2\r\n$60\r\n" + strings.Repeat("z", 60) + "\r\n$41\r\n", nil, ErrTooLarge},
	} {
		got, err := ReadCommand(bufio.NewReader(strings.NewReader(tc.in)), argsMax, bytesMax)
		if !errors.Is(err, tc.err) || !slices.EqualFunc(got, tc.want, bytes.Equal) {
			t.Errorf("%s: got %q %v, want %q %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// TestReadCommandLeavesTheNextRequest: pipelined requests are read one at
// a time.
func TestReadCommandLeavesTheNextRequest(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	WriteCommand(w, bs("RAFT", "INFO")...)
	WriteCommand(w, bs(ForwardCommand, "batch")...)
	w.Flush()
	r := bufio.NewReader(&b)
	for _, want := range [][][]byte{bs("RAFT", "INFO"), bs(ForwardCommand, "batch")} {
		got, err := ReadCommand(r, 8, RequestBytesMax)
		if err != nil || !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("got %q %v, want %q", got, err, want)
		}
	}
	if _, err := ReadCommand(r, 8, RequestBytesMax); err != io.EOF {
		t.Errorf("after the last request: %v, want io.EOF", err)
	}
}
