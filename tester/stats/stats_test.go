package stats

import "testing"

func TestAdd(t *testing.T) {
	var c Counts
	for _, typ := range []string{"ok", "fail", "info", "ok", ""} {
		c.Add(typ)
	}
	if want := (Counts{Count: 5, Ok: 2, Fail: 1, Info: 2}); c != want {
		t.Fatalf("Counts = %+v, want %+v", c, want)
	}
}
