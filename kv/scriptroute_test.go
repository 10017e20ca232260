package kv

import (
	"strings"
	"testing"

	"redraft/kv/script"
)

// TestIsWriteEvalSha: EVALSHA of a cached no-writes script is a read, of
// a write script, a flagless (compatibility) script or an unknown sha a
// write; the machine runs a no-writes EVALSHA without counting a write.
func TestIsWriteEvalSha(t *testing.T) {
	x := newTM(t)
	ro := "#!lua flags=no-writes\nreturn 1"
	rw := "#!lua\nreturn redis.call('INCR', KEYS[1])"
	compat := "return 2"
	for _, b := range []string{ro, rw, compat} {
		x.do("SCRIPT", "LOAD", b)
	}
	sha := func(b string) string { return script.Sha1Hex([]byte(b)) }
	for _, tt := range []struct {
		args  []string
		write bool
	}{
		{[]string{"EVALSHA", sha(ro), "0"}, false},
		{[]string{"evalsha", strings.ToUpper(sha(ro)), "0"}, false},
		{[]string{"EVALSHA", sha(rw), "1", "k"}, true},
		{[]string{"EVALSHA", sha(compat), "0"}, true},
		{[]string{"EVALSHA", strings.Repeat("a", 40), "0"}, true},
		{[]string{"EVALSHA", "short", "0"}, true},
		{[]string{"EVAL", ro, "0"}, false},
		{[]string{"EVALSHA_RO", sha(ro), "0"}, false},
		{[]string{"FCALL", "f", "0"}, true},
		{[]string{"GET", "k"}, false},
		{[]string{"NOSUCH"}, true},
	} {
		args := make([][]byte, len(tt.args))
		for i, a := range tt.args {
			args[i] = []byte(a)
		}
		if got := x.m.IsWrite(args); got != tt.write {
			t.Errorf("IsWrite(%q) = %v, want %v", tt.args, got, tt.write)
		}
	}
	v := x.m.Version()
	if got := x.do("EVALSHA", sha(ro), "0"); got != ":1\r\n" {
		t.Fatalf("EVALSHA: %q", got)
	}
	if x.m.Version() != v {
		t.Fatal("a no-writes EVALSHA counted as a write")
	}
	x.do("SCRIPT", "FLUSH")
	if got := x.do("EVALSHA", sha(ro), "0"); !strings.HasPrefix(got, "-NOSCRIPT") {
		t.Fatalf("EVALSHA after SCRIPT FLUSH: %q", got)
	}
}
