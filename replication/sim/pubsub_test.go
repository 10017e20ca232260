package sim

import (
	"strings"
	"testing"
)

// TestCheckChannelOrder runs the pub/sub order check on small sets of
// streams, each with one defect or none.
func TestCheckChannelOrder(t *testing.T) {
	pub := map[string]string{"a": "ch0", "b": "ch0", "c": "ch0", "d": "ch0", "x": "ch1"}
	for _, tc := range []struct {
		name    string
		streams [][]string
		want    string // "" for no failure
	}{
		{"identical", [][]string{strs("a", "b", "c"), strs("a", "b", "c")}, ""},
		{"gaps", [][]string{strs("a", "c"), strs("b", "c", "d"), strs("a", "b", "d")}, ""},
		{"empty", [][]string{nil, strs("a")}, ""},
		{"swapped", [][]string{strs("a", "b"), strs("b", "a")}, "no total order"},
		{"swapped across gaps", [][]string{strs("a", "b"), strs("b", "c"), strs("c", "a")}, "no total order"},
		{"duplicate", [][]string{strs("a", "b", "a")}, "received a twice"},
		{"never published", [][]string{strs("a", "z")}, "received z, which no PUBLISH"},
		{"other channel", [][]string{strs("a", "x")}, "received x, which no PUBLISH on ch0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var streams []pubStream
			for i, s := range tc.streams {
				streams = append(streams, pubStream{name: string(rune('p' + i)), msgs: s})
			}
			fails := checkChannelOrder("ch0", streams, pub)
			switch {
			case tc.want == "" && len(fails) > 0:
				t.Errorf("unexpected failures: %v", fails)
			case tc.want != "" && !strings.Contains(strings.Join(fails, "\n"), tc.want):
				t.Errorf("failures %v do not say %q", fails, tc.want)
			}
		})
	}
}
