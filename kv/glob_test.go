package kv

import "testing"

func TestMatchGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", false}, {"*", "abc", true}, {"a*", "abc", true}, {"a*c", "abc", true},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"h[ae]llo", "hello", true},
		{"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true}, {"h\\*llo", "h*llo", true},
		{"h\\*llo", "hello", false}, {"*a*b*c*", "xaybzc", true}, {"abc", "abcd", false},
		{"", "", true}, {"", "a", false}, {"[", "a", false}, {"user:*", "user:1", true},
		{"*x", "abc", false}, {"a*", "", false},
	} {
		if got := MatchGlob([]byte(tc.p), []byte(tc.s)); got != tc.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func FuzzMatchGlob(f *testing.F) {
	f.Add([]byte("*a[b-c]?\\*"), []byte("xabz*"))
	f.Fuzz(func(t *testing.T, p, s []byte) { MatchGlob(p, s) })
}
