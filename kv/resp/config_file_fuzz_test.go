package resp

import (
	"strings"
	"testing"
)

// FuzzConfigFile: ParseConfigFile never panics, every directive it
// returns has a lower-case name, and a value rendered by quoteConfigArg
// splits back to exactly that one argument (what CONFIG REWRITE relies on).
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"maxclients 10\n# comment\n\nsave 900 1 300 10\n",
		`requirepass "a b\x41\n\"c"` + "\n",
		"notify-keyspace-events 'E\\'x'\n",
		`dir "unbalanced` + "\n",
		`a "b"c` + "\n",
		"proc-title-template \"{title} {listen-addr}\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := ParseConfigFile(data)
		if err != nil {
			return
		}
		for _, l := range lines {
			if l.Name != strings.ToLower(l.Name) || l.Line < 1 {
				t.Fatalf("directive %+v", l)
			}
			for _, a := range l.Args {
				q := quoteConfigArg(a)
				back, err := SplitArgs(q)
				if err != nil || len(back) != 1 || back[0] != a {
					t.Fatalf("argument %q quoted as %q splits to %q (%v)", a, q, back, err)
				}
			}
		}
	})
}

// SplitArgs splits as Redis's sdssplitargs: quotes, escapes, and the
// errors of unbalanced quotes or a closing quote followed by a character.
func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"set a b", []string{"set", "a", "b"}, false},
		{`  "x y"  'z w' `, []string{"x y", "z w"}, false},
		{`"\x41\n\t\"\\"`, []string{"A\n\t\"\\"}, false},
		{`'it\'s'`, []string{"it's"}, false},
		{`"\xZZ"`, []string{"xZZ"}, false},
		{`""`, []string{""}, false},
		{`"abc`, nil, true},
		{`"a"b`, nil, true},
		{`'a'b`, nil, true},
	} {
		got, err := SplitArgs(tc.in)
		if (err != nil) != tc.err || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
