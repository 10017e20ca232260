package objstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"redraft/replication/snapshot/objstore"
)

func TestSimCrashRestart(t *testing.T) {
	ctx := t.Context()
	s := newSim(t, 1, objstore.SimOptions{})
	for i := range 5 {
		if err := s.Put(ctx, fmt.Sprint("o", i), strings.NewReader(strings.Repeat("x", i))); err != nil {
			t.Fatal(err)
		}
	}
	before := s.Objects()
	rc, err := s.Get(ctx, "o3")
	if err != nil {
		t.Fatal(err)
	}
	s.Crash()
	if _, err := io.ReadAll(rc); !errors.Is(err, objstore.ErrCrashed) {
		t.Errorf("read of a reader opened before the crash = %v, want ErrCrashed", err)
	}
	if err := s.Put(ctx, "new", strings.NewReader("x")); !errors.Is(err, objstore.ErrCrashed) {
		t.Errorf("Put while crashed = %v, want ErrCrashed", err)
	}
	if _, err := s.Get(ctx, "o1"); !errors.Is(err, objstore.ErrCrashed) {
		t.Errorf("Get while crashed = %v, want ErrCrashed", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, objstore.ErrCrashed) {
		t.Errorf("List while crashed = %v, want ErrCrashed", err)
	}
	if err := s.Delete(ctx, "o1"); !errors.Is(err, objstore.ErrCrashed) {
		t.Errorf("Delete while crashed = %v, want ErrCrashed", err)
	}
	s.Restart()
	if got := s.Objects(); !maps.EqualFunc(got, before, bytes.Equal) {
		t.Errorf("after Restart the store holds %d objects, want exactly the %d durable ones", len(got), len(before))
	}
	if infos, err := s.List(ctx, ""); err != nil || len(infos) != len(before) {
		t.Errorf("List after Restart = (%v, %v), want %d objects", infos, err, len(before))
	}
	if got := s.Stats().Crashes; got != 1 {
		t.Errorf("Crashes = %d, want 1", got)
	}
}

// blockingReader hands out half of data, then waits for release before
// handing out the rest.
type blockingReader struct {
	data    []byte
	off     int
	reached chan struct{}
	release chan struct{}
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if r.off == len(r.data)/2 && r.reached != nil {
		close(r.reached)
		r.reached = nil
		<-r.release
	}
	if r.off == len(r.data) {
		return 0, io.EOF
	}
	end := len(r.data)
	if r.off < len(r.data)/2 {
		end = len(r.data) / 2
	}
	n := copy(p, r.data[r.off:end])
	r.off += n
	return n, nil
}

// TestSimCrashInFlightPut crashes the store while a Put is reading its
// source: the Put fails with ErrCrashed and leaves nothing, or with
// TornPuts at most the prefix it had received.
func TestSimCrashInFlightPut(t *testing.T) {
	for _, torn := range []bool{false, true} {
		t.Run(fmt.Sprint("torn=", torn), func(t *testing.T) {
			s := newSim(t, 5, objstore.SimOptions{Faults: objstore.SimFaults{TornPuts: torn}})
			data := bytes.Repeat([]byte("abcdefgh"), 20000)
			reached, release := make(chan struct{}), make(chan struct{})
			r := &blockingReader{data: data, reached: reached, release: release}
			errc := make(chan error, 1)
			go func() { errc <- s.Put(t.Context(), "seg", r) }()
			<-reached
			s.Crash()
			close(release)
			if err := <-errc; !errors.Is(err, objstore.ErrCrashed) {
				t.Fatalf("Put cut by a crash = %v, want ErrCrashed", err)
			}
			s.Restart()
			got, ok := s.Objects()["seg"]
			switch {
			case !torn && ok:
				t.Errorf("Put cut by a crash left %d bytes, want nothing", len(got))
			case torn && (!ok || len(got) > len(data)/2 || !bytes.HasPrefix(data, got)):
				t.Errorf("torn Put left (%d bytes, present %v), want a prefix of the %d bytes received", len(got), ok, len(data)/2)
			}
		})
	}
}

// TestSimCrashAfter crashes in the middle of each step of a fixed
// sequence, for several seeds, and checks that the durable state is the
// steps before it plus the cut step landed or not (torn, with TornPuts).
func TestSimCrashAfter(t *testing.T) {
	type step struct {
		op, name, data string
	}
	steps := []step{
		{"put", "a", "aaaa"}, {"put", "b", "bbbbbbbb"}, {"get", "a", ""}, {"list", "", ""},
		{"delete", "a", ""}, {"put", "c", "cccccccccccc"}, {"put", "b", "BB"},
	}
	apply := func(m map[string]string, st step) {
		switch st.op {
		case "put":
			m[st.name] = st.data
		case "delete":
			delete(m, st.name)
		}
	}
	landed, cut := 0, 0
	for _, torn := range []bool{false, true} {
		for n := 1; n <= len(steps); n++ {
			for seed := uint64(1); seed <= 8; seed++ {
				t.Run(fmt.Sprintf("torn=%v/n=%d/seed=%d", torn, n, seed), func(t *testing.T) {
					ctx := t.Context()
					s := newSim(t, seed, objstore.SimOptions{Faults: objstore.SimFaults{TornPuts: torn}})
					s.CrashAfter(n)
					before := map[string]string{}
					for i, st := range steps {
						var err error
						switch st.op {
						case "put":
							err = s.Put(ctx, st.name, strings.NewReader(st.data))
						case "get":
							_, err = readAll(ctx, s, st.name)
						case "list":
							_, err = s.List(ctx, st.name)
						case "delete":
							err = s.Delete(ctx, st.name)
						}
						if i+1 < n {
							if err != nil {
								t.Fatalf("step %d %v = %v, want nil before the crash; %s", i+1, st, err, replay(t))
							}
							apply(before, st)
							continue
						}
						if !errors.Is(err, objstore.ErrCrashed) {
							t.Fatalf("step %d %v = %v, want ErrCrashed; %s", i+1, st, err, replay(t))
						}
					}
					s.Restart()
					got := map[string]string{}
					for k, v := range s.Objects() {
						got[k] = string(v)
					}
					after := maps.Clone(before)
					apply(after, steps[n-1])
					cutStep := steps[n-1]
					switch {
					case maps.Equal(got, after) && !maps.Equal(before, after):
						landed++
					case maps.Equal(got, before):
						cut++
					case torn && cutStep.op == "put" && tornOf(got, before, cutStep.name, cutStep.data):
						cut++
					default:
						t.Fatalf("after a crash at step %d %v: state %v, want %v (cut) or %v (landed); trace:\n%s\n%s",
							n, cutStep, got, before, after, strings.Join(s.Trace(), "\n"), replay(t))
					}
				})
			}
		}
	}
	if landed == 0 || cut == 0 {
		t.Errorf("over all seeds: %d crashed calls landed, %d were cut; want both outcomes", landed, cut)
	}
}

// tornOf reports whether got is before plus a strict prefix of data under
// name.
func tornOf(got, before map[string]string, name, data string) bool {
	v, ok := got[name]
	if !ok || len(v) >= len(data) || !strings.HasPrefix(data, v) {
		return false
	}
	rest := maps.Clone(got)
	delete(rest, name)
	old := maps.Clone(before)
	delete(old, name)
	return maps.Equal(rest, old)
}

// simWorkload runs a seeded random sequence of calls, crashes and restarts
// on a Sim with every fault on, and returns everything observable: the
// results of the calls, the trace and the final state.
func simWorkload(t *testing.T, seed uint64) (results, trace []string, objects map[string][]byte, stats objstore.SimStats) {
	ctx := t.Context()
	s := newSim(t, seed, objstore.SimOptions{Faults: objstore.SimFaults{
		PutFail: 0.1, PutLostAck: 0.1, TornPuts: true, GetFail: 0.1, ReadFail: 0.1,
		ListFail: 0.1, DeleteFail: 0.1, DeleteLostAck: 0.1, BitFlip: 0.1,
	}})
	w := rand.New(rand.NewPCG(seed, 1)) // the workload's own choices
	res := func(format string, args ...any) { results = append(results, fmt.Sprintf(format, args...)) }
	for range 300 {
		name := fmt.Sprintf("o%d", w.IntN(8))
		var err error
		switch k := w.IntN(10); {
		case k < 4:
			data := make([]byte, w.IntN(3000))
			for i := range data {
				data[i] = byte(w.Uint32())
			}
			err = s.Put(ctx, name, bytes.NewReader(data))
			res("put %s: %v", name, err)
		case k < 7:
			var b []byte
			b, err = readAll(ctx, s, name)
			res("get %s: %x %v", name, b, err)
		case k < 8:
			var infos []objstore.Info
			infos, err = s.List(ctx, "o")
			res("list: %v %v", infos, err)
		case k < 9:
			err = s.Delete(ctx, name)
			res("delete %s: %v", name, err)
		default:
			s.CrashAfter(1 + w.IntN(10))
		}
		// A crashed store restarts soon; a running one reboots now and then.
		if errors.Is(err, objstore.ErrCrashed) && w.IntN(2) == 0 || w.IntN(50) == 0 {
			s.Restart()
		}
	}
	s.Restart()
	return results, s.Trace(), s.Objects(), s.Stats()
}

func TestSimDeterministic(t *testing.T) {
	var total objstore.SimStats
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r1, tr1, o1, st := simWorkload(t, seed)
			r2, tr2, o2, _ := simWorkload(t, seed)
			if i := firstDiff(r1, r2); i >= 0 {
				t.Fatalf("same seed, call %d differs: %q vs %q; %s", i, r1[i], r2[i], replay(t))
			}
			if i := firstDiff(tr1, tr2); i >= 0 {
				t.Fatalf("same seed, trace line %d differs: %q vs %q; %s", i, tr1[i], tr2[i], replay(t))
			}
			if !maps.EqualFunc(o1, o2, bytes.Equal) {
				t.Fatalf("same seed, different final state; %s", replay(t))
			}
			_, tr3, _, _ := simWorkload(t, seed+1000)
			if firstDiff(tr1, tr3) < 0 {
				t.Errorf("seeds %d and %d gave the same trace, want different faults", seed, seed+1000)
			}
			total.PutFails += st.PutFails
			total.PutLostAcks += st.PutLostAcks
			total.TornPuts += st.TornPuts
			total.GetFails += st.GetFails
			total.ReadFails += st.ReadFails
			total.ListFails += st.ListFails
			total.DeleteFails += st.DeleteFails
			total.DeleteLostAck += st.DeleteLostAck
			total.BitFlips += st.BitFlips
			total.Crashes += st.Crashes
		})
	}
	for name, n := range map[string]int{
		"PutFails": total.PutFails, "PutLostAcks": total.PutLostAcks, "TornPuts": total.TornPuts,
		"GetFails": total.GetFails, "ReadFails": total.ReadFails, "ListFails": total.ListFails,
		"DeleteFails": total.DeleteFails, "DeleteLostAck": total.DeleteLostAck,
		"BitFlips": total.BitFlips, "Crashes": total.Crashes,
	} {
		if n == 0 {
			t.Errorf("over all seeds %s = 0, want the workload to hit every fault", name)
		}
	}
	t.Logf("faults over all seeds: %+v", total)
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}
