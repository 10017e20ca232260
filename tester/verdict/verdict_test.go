package verdict

import (
	"testing"

	"redraft/maelstrom/checker"
)

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, True},
		{[]string{True, True}, True},
		{[]string{True, Unknown}, Unknown},
		{[]string{Unknown, True}, Unknown},
		{[]string{Unknown, False}, False},
		{[]string{False, Unknown}, False},
		{[]string{True, False, True}, False},
	} {
		if got := Merge(tc.in...); got != tc.want {
			t.Errorf("Merge(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConversions(t *testing.T) {
	for _, tc := range []struct {
		v    string
		json any
		exit int
		word string
	}{
		{True, true, 0, "valid"},
		{False, false, 1, "INVALID"},
		{Unknown, "unknown", 2, "unknown"},
		{"", "unknown", 2, "unknown"},
	} {
		if got := Word(tc.v, false); got != tc.word {
			t.Errorf("Word(%q) = %q, want %q", tc.v, got, tc.word)
		}
		if got := Word(tc.v, true); got != "CRASHED" {
			t.Errorf("Word(%q, crashed) = %q", tc.v, got)
		}
		if got := JSON(tc.v); got != tc.json {
			t.Errorf("JSON(%q) = %v, want %v", tc.v, got, tc.json)
		}
		if got := ExitCode(tc.v); got != tc.exit {
			t.Errorf("ExitCode(%q) = %d, want %d", tc.v, got, tc.exit)
		}
	}
	if Of(true) != True || Of(false) != False {
		t.Error("Of")
	}
	for v, want := range map[checker.Verdict]string{checker.Valid: True, checker.Invalid: False, checker.Unknown: Unknown} {
		if got := FromChecker(v); got != want {
			t.Errorf("FromChecker(%q) = %q, want %q", v, got, want)
		}
	}
}
