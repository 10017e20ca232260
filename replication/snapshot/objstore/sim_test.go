package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/objstore/objstoretest"
)

func newSim(t *testing.T, seed uint64, opts objstore.SimOptions) *objstore.Sim {
	t.Helper()
	s, err := objstore.NewSim(seed, opts)
	if err != nil {
		t.Fatalf("NewSim(%d, %+v) = %v", seed, opts, err)
	}
	return s
}

// replay names the command that reruns one seeded subtest.
func replay(t *testing.T) string {
	return fmt.Sprintf("replay: go test ./replication/snapshot/objstore -run '^%s$' -v", t.Name())
}

func TestSimConformance(t *testing.T) {
	t.Run("NoFaults", func(t *testing.T) {
		objstoretest.Run(t, func(t *testing.T) objstore.Store { return newSim(t, 1, objstore.SimOptions{}) })
	})
	t.Run("Latency", func(t *testing.T) {
		var slept atomic.Int64
		objstoretest.Run(t, func(t *testing.T) objstore.Store {
			return newSim(t, 2, objstore.SimOptions{
				LatencyMax: time.Millisecond,
				Sleep:      func(d time.Duration) { slept.Add(int64(d)) },
			})
		})
		if slept.Load() == 0 {
			t.Errorf("Sleep total = 0, want the injected latency")
		}
	})
}

// TestSimLatencySynctest shows the latency in virtual time: ten calls of
// up to 10 s each take no wall time under testing/synctest.
func TestSimLatencySynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, 3, objstore.SimOptions{LatencyMax: 10 * time.Second, Sleep: time.Sleep})
		start := time.Now()
		for i := range 10 {
			if err := s.Put(t.Context(), fmt.Sprint("o", i), strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got <= 0 || got > 100*time.Second {
			t.Errorf("virtual time for 10 calls = %v, want within (0, 100s]", got)
		}
	})
}

func TestSimOptionsInvalid(t *testing.T) {
	for _, opts := range []objstore.SimOptions{
		{Faults: objstore.SimFaults{PutFail: -0.1}},
		{Faults: objstore.SimFaults{BitFlip: 1.5}},
		{Faults: objstore.SimFaults{ReadFail: math.NaN()}},
		{LatencyMax: time.Second},
		{LatencyMax: -time.Second, Sleep: time.Sleep},
	} {
		if _, err := objstore.NewSim(1, opts); err == nil {
			t.Errorf("NewSim(%+v) = nil error, want one", opts)
		}
	}
	s := newSim(t, 1, objstore.SimOptions{})
	if err := s.SetFaults(objstore.SimFaults{GetFail: 2}); err == nil {
		t.Errorf("SetFaults(GetFail: 2) = nil error, want one")
	}
}

func readAll(ctx context.Context, s objstore.Store, name string) ([]byte, error) {
	rc, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// bitsDiffer counts the differing bits of two equal-length slices.
func bitsDiffer(a, b []byte) int {
	n := 0
	for i := range a {
		for x := a[i] ^ b[i]; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}

// TestSimFaults turns each fault on with probability 1 and checks what it
// does to the call and to the durable state.
func TestSimFaults(t *testing.T) {
	ctx := t.Context()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	const name = "obj"
	tests := []struct {
		name   string
		faults objstore.SimFaults
		check  func(t *testing.T, s *objstore.Sim) // s holds name = data, fault on
		stat   func(objstore.SimStats) int
	}{
		{"PutFail", objstore.SimFaults{PutFail: 1}, func(t *testing.T, s *objstore.Sim) {
			if err := s.Put(ctx, "new", bytes.NewReader(data)); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("Put = %v, want ErrInjected", err)
			}
			if _, ok := s.Objects()["new"]; ok {
				t.Errorf("failed Put stored the object")
			}
		}, func(st objstore.SimStats) int { return st.PutFails }},
		{"PutFailTorn", objstore.SimFaults{PutFail: 1, TornPuts: true}, func(t *testing.T, s *objstore.Sim) {
			if err := s.Put(ctx, "new", bytes.NewReader(data)); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("Put = %v, want ErrInjected", err)
			}
			got, ok := s.Objects()["new"]
			if !ok || len(got) >= len(data) || !bytes.HasPrefix(data, got) {
				t.Errorf("torn Put left (%d bytes, present %v), want a strict prefix of %d", len(got), ok, len(data))
			}
		}, func(st objstore.SimStats) int { return st.TornPuts }},
		{"PutLostAck", objstore.SimFaults{PutLostAck: 1}, func(t *testing.T, s *objstore.Sim) {
			if err := s.Put(ctx, "new", bytes.NewReader(data)); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("Put = %v, want ErrInjected", err)
			}
			if got, _ := s.Objects()["new"]; !bytes.Equal(got, data) {
				t.Errorf("lost-ack Put stored %d bytes, want all %d", len(got), len(data))
			}
		}, func(st objstore.SimStats) int { return st.PutLostAcks }},
		{"GetFail", objstore.SimFaults{GetFail: 1}, func(t *testing.T, s *objstore.Sim) {
			if _, err := s.Get(ctx, name); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("Get = %v, want ErrInjected", err)
			}
		}, func(st objstore.SimStats) int { return st.GetFails }},
		{"ReadFail", objstore.SimFaults{ReadFail: 1}, func(t *testing.T, s *objstore.Sim) {
			got, err := readAll(ctx, s, name)
			if !errors.Is(err, objstore.ErrInjected) || len(got) >= len(data) || !bytes.HasPrefix(data, got) {
				t.Errorf("read = (%d bytes, %v), want a strict prefix and ErrInjected", len(got), err)
			}
		}, func(st objstore.SimStats) int { return st.ReadFails }},
		{"ListFail", objstore.SimFaults{ListFail: 1}, func(t *testing.T, s *objstore.Sim) {
			if _, err := s.List(ctx, ""); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("List = %v, want ErrInjected", err)
			}
		}, func(st objstore.SimStats) int { return st.ListFails }},
		{"DeleteFail", objstore.SimFaults{DeleteFail: 1}, func(t *testing.T, s *objstore.Sim) {
			if err := s.Delete(ctx, name); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("Delete = %v, want ErrInjected", err)
			}
			if _, ok := s.Objects()[name]; !ok {
				t.Errorf("failed Delete deleted the object")
			}
		}, func(st objstore.SimStats) int { return st.DeleteFails }},
		{"DeleteLostAck", objstore.SimFaults{DeleteLostAck: 1}, func(t *testing.T, s *objstore.Sim) {
			if err := s.Delete(ctx, name); !errors.Is(err, objstore.ErrInjected) {
				t.Errorf("Delete = %v, want ErrInjected", err)
			}
			if _, ok := s.Objects()[name]; ok {
				t.Errorf("lost-ack Delete left the object")
			}
		}, func(st objstore.SimStats) int { return st.DeleteLostAck }},
		{"BitFlip", objstore.SimFaults{BitFlip: 1}, func(t *testing.T, s *objstore.Sim) {
			if err := s.Put(ctx, "new", bytes.NewReader(data)); err != nil {
				t.Errorf("Put = %v, want nil (the flip is silent)", err)
			}
			for range 2 { // at rest: every Get sees the same flipped bit
				got, err := readAll(ctx, s, "new")
				if err != nil || len(got) != len(data) || bitsDiffer(got, data) != 1 {
					t.Errorf("Get = (%d bytes, %v), want %d bytes with exactly one bit flipped", len(got), err, len(data))
				}
			}
		}, func(st objstore.SimStats) int { return st.BitFlips }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 7, objstore.SimOptions{})
			if err := s.Put(ctx, name, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if err := s.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
			if got := tt.stat(s.Stats()); got != 1 {
				t.Errorf("fault counter = %d, want 1", got)
			}
			if tr := strings.Join(s.Trace(), "\n"); !strings.Contains(tr, "fault") {
				t.Errorf("trace names no fault:\n%s", tr)
			}
		})
	}
}

func TestSimCorrupt(t *testing.T) {
	s := newSim(t, 1, objstore.SimOptions{})
	data := []byte("abcdef")
	if err := s.Put(t.Context(), "o", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := s.Corrupt("o", 3); err != nil {
		t.Fatalf("Corrupt = %v", err)
	}
	want := bytes.Clone(data)
	want[3] ^= 1
	if got, err := readAll(t.Context(), s, "o"); err != nil || !bytes.Equal(got, want) {
		t.Errorf("Get after Corrupt = (%q, %v), want %q", got, err, want)
	}
	for _, tc := range []struct {
		name string
		off  int64
		want error
	}{{"missing", 0, objstore.ErrNotFound}, {"a/b", 0, objstore.ErrBadName}} {
		if err := s.Corrupt(tc.name, tc.off); !errors.Is(err, tc.want) {
			t.Errorf("Corrupt(%q, %d) = %v, want %v", tc.name, tc.off, err, tc.want)
		}
	}
	for _, off := range []int64{-1, 6} {
		if err := s.Corrupt("o", off); err == nil {
			t.Errorf("Corrupt(o, %d) = nil, want an out-of-range error", off)
		}
	}
}
