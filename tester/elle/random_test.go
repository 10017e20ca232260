package elle

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"redraft/tester/verdict"
)

// serialHistory draws a history from a serial execution: transaction i
// takes effect at its point i x 10 ms, inside its [invoke, complete]
// interval, so the history is strictly serializable however the intervals
// overlap. Failed transactions take no effect; an info one takes effect or
// not and its reads are unknown. A final read of every key ends it.
func serialHistory(rng *rand.Rand, n int) []Txn {
	keys := []string{"x", "y", "z"}
	state := map[string][]int64{}
	next := int64(0)
	var txns []Txn
	for i := 0; i < n; i++ {
		point := time.Duration(i) * 10 * time.Millisecond
		t := Txn{ID: i, Process: i % 5,
			Invoke:   point - time.Duration(rng.IntN(30))*time.Millisecond,
			Complete: point + time.Duration(rng.IntN(30))*time.Millisecond}
		switch r := rng.IntN(10); {
		case r < 8:
			t.Type = Ok
		case r < 9:
			t.Type = Fail
		default:
			t.Type = Info
		}
		applied := t.Type == Ok || t.Type == Info && rng.IntN(2) == 0
		local := map[string][]int64{}
		for k, l := range state {
			local[k] = slices.Clone(l)
		}
		for m := 1 + rng.IntN(4); m > 0; m-- {
			k := keys[rng.IntN(len(keys))]
			if rng.IntN(2) == 0 {
				next++
				local[k] = append(local[k], next)
				t.Mops = append(t.Mops, ap(k, next))
			} else {
				t.Mops = append(t.Mops, rd(k, slices.Clone(local[k])...))
			}
		}
		if applied {
			state = local
		}
		txns = append(txns, t)
	}
	fin := Txn{ID: n, Type: Ok, Final: true, Invoke: time.Duration(n+10) * 10 * time.Millisecond, Complete: time.Duration(n+11) * 10 * time.Millisecond}
	for _, k := range keys {
		fin.Mops = append(fin.Mops, rd(k, state[k]...))
	}
	return append(txns, fin)
}

const randomSeeds = 100

func TestRandomSerialHistoriesAreValid(t *testing.T) {
	for seed := uint64(1); seed <= randomSeeds; seed++ {
		h := serialHistory(rand.New(rand.NewPCG(seed, 0)), 60)
		if res := Check(h); res.Valid != verdict.True {
			t.Fatalf("seed %d: valid? %s, anomalies %v\n%+v", seed, res.Valid, res.AnomalyTypes, res.Anomalies)
		}
	}
}

// injection corrupts a valid history; it reports false when the history
// offers no place for it.
type injection struct {
	name  string
	kinds []string // the checker must report one of these
	apply func(rng *rand.Rand, h []Txn) bool
}

// appendsObserved: (txn, key, value) of appends the final read shows.
func appendsObserved(h []Txn) (out [][3]int) {
	fin := &h[len(h)-1]
	for i := range h[:len(h)-1] {
		for _, m := range h[i].Mops {
			if m.F == Append && readHas(fin, m.Key, m.Value) {
				out = append(out, [3]int{i, 0, int(m.Value)})
			}
		}
	}
	return out
}

var injections = []injection{
	{"acknowledge a failed append", []string{Lost}, func(rng *rand.Rand, h []Txn) bool {
		var c []int
		for i := range h {
			if h[i].Type == Fail && slices.ContainsFunc(h[i].Mops, func(m Mop) bool { return m.F == Append }) {
				c = append(c, i)
			}
		}
		if len(c) == 0 {
			return false
		}
		h[c[rng.IntN(len(c))]].Type = Ok
		return true
	}},
	{"fail an observed append", []string{G1a}, func(rng *rand.Rand, h []Txn) bool {
		c := appendsObserved(h)
		if len(c) == 0 {
			return false
		}
		h[c[rng.IntN(len(c))][0]].Type = Fail
		return true
	}},
	{"garbage in the final read", []string{Garbage}, func(rng *rand.Rand, h []Txn) bool {
		fin := &h[len(h)-1]
		m := &fin.Mops[rng.IntN(len(fin.Mops))]
		m.List = append(m.List, 1_000_000)
		return true
	}},
	{"duplicate an element", []string{Duplicate}, func(rng *rand.Rand, h []Txn) bool {
		fin := &h[len(h)-1]
		for _, j := range rng.Perm(len(fin.Mops)) {
			if l := fin.Mops[j].List; len(l) > 0 {
				fin.Mops[j].List = append(l, l[rng.IntN(len(l))])
				return true
			}
		}
		return false
	}},
	{"swap two elements of a mid-run read", []string{IncompatibleOrder}, func(rng *rand.Rand, h []Txn) bool {
		for _, i := range rng.Perm(len(h) - 1) {
			if h[i].Type != Ok {
				continue
			}
			for j, m := range h[i].Mops {
				if m.F == Read && len(m.List) >= 2 {
					l := slices.Clone(m.List)
					a := rng.IntN(len(l) - 1)
					l[a], l[a+1] = l[a+1], l[a]
					h[i].Mops[j].List = l
					return true
				}
			}
		}
		return false
	}},
	{"a stale read: drop an append that completed before the read began", []string{GSingle, G2, GSingleRealtime, G2Realtime, Internal}, func(rng *rand.Rand, h []Txn) bool {
		for _, i := range rng.Perm(len(h) - 1) {
			r := &h[i]
			if r.Type != Ok {
				continue
			}
			for j, m := range r.Mops {
				if m.F != Read {
					continue
				}
				for p, v := range m.List {
					w := writer(h, m.Key, v)
					if w >= 0 && w != i && h[w].Type == Ok && h[w].Complete < r.Invoke {
						r.Mops[j].List = slices.Clone(m.List[:p])
						return true
					}
				}
			}
		}
		return false
	}},
	{"an intermediate read: a writer appends again after what was read", []string{G1b}, func(rng *rand.Rand, h []Txn) bool {
		for _, i := range rng.Perm(len(h) - 1) {
			if h[i].Type != Ok {
				continue
			}
			for _, m := range h[i].Mops {
				if m.F != Read || len(m.List) == 0 {
					continue
				}
				last := m.List[len(m.List)-1]
				w := writer(h, m.Key, last)
				if w < 0 || w == i {
					continue
				}
				for j, wm := range h[w].Mops {
					if wm.F == Append && wm.Key == m.Key && wm.Value == last {
						h[w].Mops = slices.Insert(h[w].Mops, j+1, ap(m.Key, 2_000_000))
						return true
					}
				}
			}
		}
		return false
	}},
}

func writer(h []Txn, k string, v int64) int {
	for i := range h {
		for _, m := range h[i].Mops {
			if m.F == Append && m.Key == k && m.Value == v {
				return i
			}
		}
	}
	return -1
}

func TestRandomInjectedAnomaliesAreFlagged(t *testing.T) {
	for _, inj := range injections {
		t.Run(inj.name, func(t *testing.T) {
			applied := 0
			for seed := uint64(1); seed <= randomSeeds; seed++ {
				rng := rand.New(rand.NewPCG(seed, 1))
				h := serialHistory(rng, 60)
				if !inj.apply(rng, h) {
					continue
				}
				applied++
				res := Check(h)
				if res.Valid != verdict.False || !slices.ContainsFunc(inj.kinds, func(k string) bool { return res.Counts[k] > 0 }) {
					t.Fatalf("seed %d: valid? %s, anomalies %v, want one of %v", seed, res.Valid, res.AnomalyTypes, inj.kinds)
				}
			}
			if applied < randomSeeds/2 {
				t.Fatalf("injected in only %d of %d histories", applied, randomSeeds)
			}
		})
	}
}
