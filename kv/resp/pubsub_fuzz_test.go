package resp

import "testing"

// FuzzParseOutputLimits: CONFIG SET client-output-buffer-limit never
// panics, and whatever it accepts reads back through CONFIG GET's format
// to the same limits.
func FuzzParseOutputLimits(f *testing.F) {
	for _, seed := range []string{
		"pubsub 32mb 8mb 60", "normal 0 0 0 slave 256mb 64mb 60 pubsub 1gb 1kb 1",
		"replica 1 2 3", "pubsub 1 2", "bogus 1 2 3", "pubsub -1 2 3", "pubsub 1kb 2xb 3", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s := &Server{}
		s.outLimits.Store(&defaultOutputLimits)
		apply, errText := parseOutputLimits(s, v)
		if errText != "" {
			if apply != nil {
				t.Fatalf("%q: error %q with an apply function", v, errText)
			}
			return
		}
		apply()
		first := *s.outLimits.Load()
		text := formatOutputLimits(&first)
		again, errText := parseOutputLimits(s, text)
		if errText != "" {
			t.Fatalf("%q: its own rendering %q is refused: %s", v, text, errText)
		}
		again()
		if *s.outLimits.Load() != first {
			t.Fatalf("%q: %q reads back as %v, want %v", v, text, *s.outLimits.Load(), first)
		}
	})
}
