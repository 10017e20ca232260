package window

import (
	"reflect"
	"testing"
	"time"
)

func TestTracker(t *testing.T) {
	s := time.Second
	var tr Tracker
	tr.Open("kill", "n1", 2*s)
	tr.Open("partition", "one", 1*s)
	if d, ok := tr.InForce("kill"); !ok || d != "n1" {
		t.Fatalf("InForce(kill) = %q %v", d, ok)
	}
	tr.Close("partition", 3*s)
	tr.Close("pause", 3*s)     // not open: nothing
	tr.Open("kill", "n2", 4*s) // a restart closes the old window
	tr.Open("pause", "n3", 5*s)
	tr.End(6 * s)
	tr.Open("partition", "late", 7*s)
	if _, ok := tr.InForce("partition"); ok {
		t.Fatal("an ended tracker opened a window")
	}
	var fr Tracker
	fr.Open("kill", "n1", s)
	fr.Freeze()
	fr.Open("pause", "n2", 2*s)
	fr.Close("pause", 3*s)
	if d, ok := fr.InForce("kill"); !ok || d != "n1" || len(fr.Windows()) != 0 {
		t.Fatalf("Freeze: kill in force %q %v, windows %v", d, ok, fr.Windows())
	}
	want := []Window{
		{"partition", "one", 1 * s, 3 * s},
		{"kill", "n1", 2 * s, 4 * s},
		{"kill", "n2", 4 * s, 6 * s},
		{"pause", "n3", 5 * s, 6 * s},
	}
	if got := tr.Windows(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Windows() = %+v\nwant %+v", got, want)
	}
	tl := Timeline(want[:1], map[string]string{"partition": "#ccc"})
	if len(tl) != 1 || tl[0].Tag != "nemesis partition" || tl[0].Color != "#ccc" || tl[0].Details != "one" || tl[0].End != 3*s {
		t.Fatalf("Timeline = %+v", tl)
	}
}
