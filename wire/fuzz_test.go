package wire

import (
	"bufio"
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzReadReply: whatever arrives, the reader does not panic, and what it
// accepts is a prefix of the input that reads back as itself, alone.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*2\r\n$1\r\na\r\n%1\r\n+k\r\n:2\r\n",
		"|1\r\n+a\r\n+b\r\n:1\r\n", "=8\r\ntxt:abcd\r\n", ">2\r\n+m\r\n_\r\n", "*1\r\n*1\r\n*-1\r\n",
		"$5\r\nab", "*999999999\r\n", "-ERR x\r\n+next\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		reply, err := ReadReply(bufio.NewReaderSize(bytes.NewReader(in), 16), 1<<16)
		if err != nil {
			if reply != nil {
				t.Fatalf("error %v with a reply %q", err, reply)
			}
			return
		}
		if !bytes.HasPrefix(in, reply) {
			t.Fatalf("reply %q is not a prefix of the input %q", reply, in)
		}
		r := bufio.NewReader(bytes.NewReader(reply))
		again, err := ReadReply(r, len(reply))
		if err != nil || !bytes.Equal(again, reply) || r.Buffered() != 0 {
			t.Fatalf("reading %q again gave %q %v", reply, again, err)
		}
		if parts, err := SplitReplies(reply, 1); err != nil || !bytes.Equal(parts[0], reply) {
			t.Fatalf("splitting %q: %q %v", reply, parts, err)
		}
		if _, err := ReadReply(bufio.NewReader(bytes.NewReader(reply)), len(reply)-1); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%q read with a bound one byte short: %v", reply, err)
		}
		body, err := BulkBody(reply)
		if err == nil && (reply[0] != '$' || !bytes.Contains(reply, body)) {
			t.Fatalf("BulkBody(%q) = %q", reply, body)
		}
	})
}

// FuzzCommand: a request written by WriteCommand reads back as the same
// arguments, and as one reply of exactly its bytes; arbitrary input to
// ReadCommand is an error or a request, never a panic.
func FuzzCommand(f *testing.F) {
	f.Add([]byte("redraft.forward\x00\x01\x00\x01\x02"))
	f.Add([]byte("AUTH\x00pass word\r\n"))
	f.Add([]byte("*2\r\n$4\r\nRAFT\r\n$4\r\nINFO\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ReadCommand(bufio.NewReaderSize(bytes.NewReader(in), 16), 8, 1<<16)

		args := bytes.SplitN(in, []byte{0}, 8)
		var b bytes.Buffer
		w := bufio.NewWriterSize(&b, 16)
		if err := WriteCommand(w, args...); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		got, err := ReadCommand(bufio.NewReaderSize(bytes.NewReader(b.Bytes()), 16), 8, len(in))
		if err != nil || !slices.EqualFunc(got, args, bytes.Equal) {
			t.Fatalf("wrote %q, read %q %v", args, got, err)
		}
		reply, err := ReadReply(bufio.NewReaderSize(bytes.NewReader(b.Bytes()), 16), b.Len())
		if err != nil || !bytes.Equal(reply, b.Bytes()) {
			t.Fatalf("request %q read as a reply: %q %v", b.Bytes(), reply, err)
		}
	})
}
