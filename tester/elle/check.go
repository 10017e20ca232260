package elle

import (
	"fmt"
	"slices"
	"sort"

	"redraft/tester/verdict"
)

// Anomaly kinds.
const (
	G0                = "G0"
	G1c               = "G1c"
	GSingle           = "G-single"
	G2                = "G2"
	G0Realtime        = "G0-realtime"
	G1cRealtime       = "G1c-realtime"
	GSingleRealtime   = "G-single-realtime"
	G2Realtime        = "G2-realtime"
	G1a               = "G1a"                // aborted read
	G1b               = "G1b"                // intermediate read
	Internal          = "internal"           // a read disagrees with the txn's own earlier ops
	IncompatibleOrder = "incompatible-order" // two reads of a key are not prefixes of one another
	Duplicate         = "duplicate-elements" // a value twice in one list
	Garbage           = "garbage"            // a value nobody appended
	Lost              = "lost-append"        // acknowledged, missing from a final read
)

// examplesMax bounds the anomalies of one kind a Result explains; the
// count covers all of them.
const examplesMax = 20

// Anomaly is one anomaly with the transactions that form it.
type Anomaly struct {
	Type string `json:"type"`
	Key  string `json:"key,omitempty"`
	// Txns: the transactions involved, by ID; for a cycle, in cycle order.
	Txns []int `json:"txns"`
	// Steps: for a cycle, one line per edge ("T1 -ww-> T2: why").
	Steps []string `json:"steps,omitempty"`
	// Explanation: the anomaly in words, with each transaction spelled
	// out.
	Explanation string `json:"explanation"`
}

// Result is the checker's verdict.
type Result struct {
	Valid string `json:"valid?"`
	// AnomalyTypes: the kinds found, sorted.
	AnomalyTypes []string `json:"anomaly-types"`
	// Counts: anomalies found per kind (all of them).
	Counts map[string]int `json:"anomaly-counts"`
	// Anomalies: up to examplesMax per kind, explained.
	Anomalies map[string][]Anomaly `json:"anomalies"`
	// Notes: why the verdict is unknown, or problems with the history
	// itself (a value appended twice to a key breaks the method).
	Notes []string `json:"notes,omitempty"`

	TxnCount   int `json:"txn-count"`
	OkCount    int `json:"ok-count"`
	GraphNodes int `json:"graph-nodes"`
	GraphEdges int `json:"graph-edges"`
	Keys       int `json:"key-count"`
	FinalReads int `json:"final-read-count"`
	// Unknown appends (info) that some read observed, and that none did.
	InfoObserved    int `json:"info-appends-observed"`
	InfoNotObserved int `json:"info-appends-unobserved"`
}

func (r *Result) add(a Anomaly) {
	r.Counts[a.Type]++
	if len(r.Anomalies[a.Type]) < examplesMax {
		r.Anomalies[a.Type] = append(r.Anomalies[a.Type], a)
	}
}

// writeRef locates an append: transaction index and micro-op index.
type writeRef struct{ txn, mop int }

// state is one check in progress.
type state struct {
	txns   []Txn
	res    *Result
	writes map[string]map[int64]writeRef // key -> value -> its append
	// intermediate: key -> values a transaction appended and then followed
	// with another append to the same key.
	intermediate map[string]map[int64]bool
	// order: key -> the version order (the longest read, first
	// occurrences); pos: key -> value -> index in order.
	order map[string][]int64
	pos   map[string]map[int64]int
	// longest: key -> the longest read as returned.
	longest map[string][]int64
}

// Check checks a list-append history. Transactions may come in any order.
func Check(txns []Txn) *Result {
	s := &state{
		txns:         txns,
		res:          &Result{Counts: map[string]int{}, Anomalies: map[string][]Anomaly{}, TxnCount: len(txns)},
		writes:       map[string]map[int64]writeRef{},
		intermediate: map[string]map[int64]bool{},
		order:        map[string][]int64{},
		pos:          map[string]map[int64]int{},
		longest:      map[string][]int64{},
	}
	s.indexWrites()
	s.checkInternal()
	s.checkReads()
	s.inferOrders()
	s.checkLost()
	g := s.buildGraph()
	s.res.GraphNodes, s.res.GraphEdges = len(g.nodes), g.edgeCount()
	s.findCycles(g)
	s.verdict()
	return s.res
}

func (s *state) t(i int) *Txn { return &s.txns[i] }

func (s *state) indexWrites() {
	keys := map[string]bool{}
	for i := range s.txns {
		t := s.t(i)
		if t.Type == Ok {
			s.res.OkCount++
		}
		last := map[string]int64{}
		has := map[string]bool{}
		for j, m := range t.Mops {
			keys[m.Key] = true
			if m.F != Append {
				continue
			}
			if s.writes[m.Key] == nil {
				s.writes[m.Key] = map[int64]writeRef{}
				s.intermediate[m.Key] = map[int64]bool{}
			}
			if prev, dup := s.writes[m.Key][m.Value]; dup {
				s.res.Notes = append(s.res.Notes, fmt.Sprintf("value %d appended to %q twice (T%d and T%d): values must be unique per key; the verdict cannot be trusted", m.Value, m.Key, s.t(prev.txn).ID, t.ID))
				continue
			}
			s.writes[m.Key][m.Value] = writeRef{i, j}
			if has[m.Key] {
				s.intermediate[m.Key][last[m.Key]] = true
			}
			last[m.Key], has[m.Key] = m.Value, true
		}
	}
	s.res.Keys = len(keys)
}

// checkInternal: within an ok transaction, a read of a key must equal the
// transaction's earlier read of it plus its appends since, or, without an
// earlier read, end with the transaction's appends to it so far.
func (s *state) checkInternal() {
	for i := range s.txns {
		t := s.t(i)
		if t.Type != Ok {
			continue
		}
		known := map[string][]int64{} // key -> the expected list so far
		knownSet := map[string]bool{}
		suffix := map[string][]int64{} // key -> appends since the last read
		for _, m := range t.Mops {
			if m.F == Append {
				suffix[m.Key] = append(suffix[m.Key], m.Value)
				if knownSet[m.Key] {
					known[m.Key] = append(known[m.Key], m.Value)
				}
				continue
			}
			var bad bool
			var want string
			if knownSet[m.Key] {
				bad = !slices.Equal(m.List, known[m.Key])
				want = "exactly " + FormatList(known[m.Key])
			} else {
				suf := suffix[m.Key]
				bad = len(m.List) < len(suf) || !slices.Equal(m.List[len(m.List)-len(suf):], suf)
				want = "a list ending in " + FormatList(suf)
			}
			if bad {
				s.res.add(Anomaly{Type: Internal, Key: m.Key, Txns: []int{t.ID},
					Explanation: fmt.Sprintf("%s read %q as %s; its own earlier operations imply %s", t, m.Key, FormatList(m.List), want)})
			}
			known[m.Key], knownSet[m.Key] = slices.Clone(m.List), true
			suffix[m.Key] = nil
		}
	}
}

// checkReads reports duplicates, garbage, aborted and intermediate reads.
func (s *state) checkReads() {
	for i := range s.txns {
		t := s.t(i)
		if t.Type != Ok {
			continue
		}
		for _, m := range t.Mops {
			if m.F != Read {
				continue
			}
			seen := map[int64]bool{}
			for _, v := range m.List {
				if seen[v] {
					s.res.add(Anomaly{Type: Duplicate, Key: m.Key, Txns: []int{t.ID},
						Explanation: fmt.Sprintf("%s read %q with %d more than once", t, m.Key, v)})
				}
				seen[v] = true
				w, ok := s.writes[m.Key][v]
				switch {
				case !ok:
					s.res.add(Anomaly{Type: Garbage, Key: m.Key, Txns: []int{t.ID},
						Explanation: fmt.Sprintf("%s read %q with %d, which no transaction appended to it", t, m.Key, v)})
				case s.t(w.txn).Type == Fail:
					wt := s.t(w.txn)
					s.res.add(Anomaly{Type: G1a, Key: m.Key, Txns: []int{wt.ID, t.ID},
						Explanation: fmt.Sprintf("%s read %q with %d, appended by %s, which failed (did not happen)", t, m.Key, v, wt)})
				}
			}
			if n := len(m.List); n > 0 {
				v := m.List[n-1]
				if w, ok := s.writes[m.Key][v]; ok && w.txn != i && s.intermediate[m.Key][v] {
					wt := s.t(w.txn)
					s.res.add(Anomaly{Type: G1b, Key: m.Key, Txns: []int{wt.ID, t.ID},
						Explanation: fmt.Sprintf("%s read %q ending in %d, an intermediate state of %s, which appended more to %q after it", t, m.Key, v, wt, m.Key)})
				}
			}
		}
	}
}

// inferOrders takes each key's longest read as its version order and
// reports the reads that are not prefixes of it.
func (s *state) inferOrders() {
	longest := map[string]int{} // key -> txn index of the longest read
	longestList := map[string][]int64{}
	keys := []string{}
	s.eachRead(func(i int, m Mop) {
		l, seen := longestList[m.Key]
		if !seen {
			keys = append(keys, m.Key)
		}
		if !seen || len(m.List) > len(l) {
			longest[m.Key], longestList[m.Key] = i, m.List
		}
	})
	sort.Strings(keys)
	reported := map[[2]int]bool{}
	s.eachRead(func(i int, m Mop) {
		l := longestList[m.Key]
		if len(m.List) <= len(l) && slices.Equal(m.List, l[:len(m.List)]) {
			return
		}
		j := longest[m.Key]
		if reported[[2]int{i, j}] {
			return
		}
		reported[[2]int{i, j}] = true
		at := 0
		for at < len(m.List) && m.List[at] == l[at] {
			at++
		}
		s.res.add(Anomaly{Type: IncompatibleOrder, Key: m.Key, Txns: []int{s.t(i).ID, s.t(j).ID},
			Explanation: fmt.Sprintf("%s read %q as %s and %s read it as %s: neither is a prefix of the other (they differ at index %d)", s.t(i), m.Key, FormatList(m.List), s.t(j), FormatList(l), at)})
	})
	for _, k := range keys {
		var order []int64
		pos := map[int64]int{}
		for _, v := range longestList[k] {
			if _, dup := pos[v]; !dup {
				pos[v] = len(order)
				order = append(order, v)
			}
		}
		s.order[k], s.pos[k], s.longest[k] = order, pos, longestList[k]
	}
}

// eachRead calls f for every read of every ok transaction, in history
// order.
func (s *state) eachRead(f func(txn int, m Mop)) {
	for i := range s.txns {
		if s.t(i).Type != Ok {
			continue
		}
		for _, m := range s.t(i).Mops {
			if m.F == Read {
				f(i, m)
			}
		}
	}
}

// checkLost reports acknowledged appends missing from a final read of
// their key, and counts the unknown appends observed.
func (s *state) checkLost() {
	finals := map[string][]int{} // key -> txn indexes of its final reads
	for i := range s.txns {
		t := s.t(i)
		if !t.Final || t.Type != Ok {
			continue
		}
		s.res.FinalReads++
		for _, m := range t.Mops {
			if m.F == Read {
				finals[m.Key] = append(finals[m.Key], i)
			}
		}
	}
	keys := make([]string, 0, len(s.writes))
	for k := range s.writes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := make([]int64, 0, len(s.writes[k]))
		for v := range s.writes[k] {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		for _, v := range vals {
			w := s.writes[k][v]
			wt := s.t(w.txn)
			_, observed := s.pos[k][v]
			if wt.Type == Info {
				if observed {
					s.res.InfoObserved++
				} else {
					s.res.InfoNotObserved++
				}
			}
			if wt.Type != Ok {
				continue
			}
			for _, fi := range finals[k] {
				f := s.t(fi)
				if f.Invoke < wt.Complete || readHas(f, k, v) {
					continue
				}
				s.res.add(Anomaly{Type: Lost, Key: k, Txns: []int{wt.ID, f.ID},
					Explanation: fmt.Sprintf("%s appended %d to %q and was acknowledged; the final read %s lacks it", wt, v, k, f)})
				break
			}
		}
	}
}

func readHas(t *Txn, k string, v int64) bool {
	for _, m := range t.Mops {
		if m.F == Read && m.Key == k && slices.Contains(m.List, v) {
			return true
		}
	}
	return false
}

func (s *state) verdict() {
	for k := range s.res.Counts {
		s.res.AnomalyTypes = append(s.res.AnomalyTypes, k)
	}
	sort.Strings(s.res.AnomalyTypes)
	switch {
	case len(s.res.AnomalyTypes) > 0:
		s.res.Valid = verdict.False
	case len(s.res.Notes) > 0:
		s.res.Valid = verdict.Unknown
	case s.res.FinalReads == 0 && s.hasAckedAppend():
		s.res.Valid = verdict.Unknown
		s.res.Notes = append(s.res.Notes, "no final read answered: lost appends cannot be ruled out")
	default:
		s.res.Valid = verdict.True
	}
}

func (s *state) hasAckedAppend() bool {
	for _, vs := range s.writes {
		for _, w := range vs {
			if s.t(w.txn).Type == Ok {
				return true
			}
		}
	}
	return false
}
