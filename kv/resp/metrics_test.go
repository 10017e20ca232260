package resp

import (
	"math"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// redraft_command_duration_seconds is built from the latencystats
// histograms of each class's commands: counts, cumulative buckets and an
// approximate sum; commands of other classes stay apart.
func TestClassHistograms(t *testing.T) {
	s := New(localExec(), Config{})
	defer s.Close()
	get, mget, set := s.cmdStats.get("get"), s.cmdStats.get("mget"), s.cmdStats.get("set")
	for i := 0; i < 3; i++ {
		get.lat.record(5) // 5 us
	}
	mget.lat.record(100) // 100 us
	set.lat.record(2_000_000)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "redraft_command_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			class := m.GetLabel()[0].GetValue()
			found[class] = true
			h := m.GetHistogram()
			cum := map[float64]uint64{}
			for _, b := range h.GetBucket() {
				cum[b.GetUpperBound()] = b.GetCumulativeCount()
			}
			switch class {
			case "read":
				if h.GetSampleCount() != 4 || cum[10e-6] != 3 || cum[25e-6] != 3 || cum[62.5e-6] != 3 || cum[156.25e-6] != 4 {
					t.Errorf("read: count %d, buckets %v", h.GetSampleCount(), cum)
				}
				if want := 3*5e-6 + 100e-6; math.Abs(h.GetSampleSum()-want) > want/50 {
					t.Errorf("read: sum %v, want about %v", h.GetSampleSum(), want)
				}
			case "write":
				// 2 s is recorded as 1 s, past the last bucket: only in the count.
				last := commandLatencyBuckets[len(commandLatencyBuckets)-1]
				if h.GetSampleCount() != 1 || cum[last] != 0 {
					t.Errorf("write: count %d, buckets %v", h.GetSampleCount(), cum)
				}
			default:
				t.Errorf("unexpected class %q", class)
			}
		}
	}
	if !found["read"] || !found["write"] {
		t.Errorf("classes found: %v", found)
	}
}
