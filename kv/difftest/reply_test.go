package difftest

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind byte
		n    int // elements
	}{
		{"+OK\r\n", '+', 0},
		{"-ERR x\r\n", '-', 0},
		{":-12\r\n", ':', 0},
		{"$-1\r\n", '$', 0},
		{"$0\r\n\r\n", '$', 0},
		{"$4\r\na\r\nb\r\n", '$', 0},
		{"*-1\r\n", '*', 0},
		{"*0\r\n", '*', 0},
		{"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n:1\r\n", '*', 2},
		{"%1\r\n+k\r\n*1\r\n,1.5\r\n", '%', 2},
		{"~2\r\n$1\r\na\r\n$1\r\nb\r\n", '~', 2},
		{"_\r\n", '_', 0},
		{"#t\r\n", '#', 0},
		{",inf\r\n", ',', 0},
		{"(123456789012345678901234567890\r\n", '(', 0},
		{"=8\r\ntxt:abcd\r\n", '=', 0},
		{"!3\r\nERR\r\n", '!', 0},
		{"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n", '|', 3},
		{">2\r\n+message\r\n+x\r\n", '>', 2},
	} {
		// Two replies back to back: the reader must stop after the first.
		r := bufio.NewReaderSize(strings.NewReader(tc.in+tc.in), 16)
		for range 2 {
			v, raw, err := readReply(r, nil)
			if err != nil {
				t.Fatalf("%q: %v", tc.in, err)
			}
			if got, want := string(raw), tc.in; got != want {
				t.Errorf("raw: got %q, want %q", got, want)
			}
			if v.kind != tc.kind || len(v.elems) != tc.n {
				t.Errorf("%q: got kind %c with %d elements, want %c with %d", tc.in, v.kind, len(v.elems), tc.kind, tc.n)
			}
			if got := v.String(); got != tc.in {
				t.Errorf("re-encoded: got %q, want %q", got, tc.in)
			}
		}
	}
}

func TestReadReplyErrors(t *testing.T) {
	for _, in := range []string{
		"", "+OK", "+OK\n", "?\r\n", "$5\r\nabc\r\n", "$3\r\nabcde\r\n", "*2\r\n:1\r\n",
		":abc\r\n", "$-2\r\n", "%-1\r\n", "#x\r\n", "_x\r\n", "$99999999999\r\n",
		strings.Repeat("*1\r\n", maxReplyDepth+2) + ":1\r\n",
	} {
		if _, err := parseReply([]byte(in)); err == nil {
			t.Errorf("%q: got no error", in)
		}
	}
	if _, err := parseReply([]byte("+OK\r\n+OK\r\n")); err == nil {
		t.Errorf("trailing reply: got no error")
	}
}

// FuzzReadReply: the reader never panics, and whatever it accepts
// re-encodes to exactly the bytes it consumed.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "*2\r\n$1\r\na\r\n%1\r\n:1\r\n_\r\n", "|1\r\n+a\r\n+b\r\n#t\r\n", "$-1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, raw, err := readReply(bufio.NewReader(bytes.NewReader(b)), nil)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, raw) {
			t.Fatalf("raw %q is not a prefix of the input %q", raw, b)
		}
		if got := v.String(); got != string(raw) {
			t.Fatalf("re-encoded %q, consumed %q", got, raw)
		}
	})
}
