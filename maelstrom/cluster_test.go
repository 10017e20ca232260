package maelstrom

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"redraft/maelstrom/checker"
	"redraft/replication"
)

// clientTimeout is Maelstrom's client timeout at latency <= 100 ms.
const clientTimeout = time.Second

// replyCode returns 0 for an ok reply, the error code, or -1 for no reply.
func replyCode(r map[string]any) int {
	if r == nil {
		return -1
	}
	if r["type"] != "error" {
		return 0
	}
	n, _ := r["code"].(json.Number)
	c, _ := n.Int64()
	return int(c)
}

// do retries op while it is refused definitely (11: no leader yet, leader
// moving) for up to 10 s and returns the final reply.
func (c *simClient) do(t *testing.T, node string, body func() map[string]any) map[string]any {
	t.Helper()
	return c.retry(node, body, codeUnavailable)
}

// retry sends body until the reply's code is not one of codes (-1: no
// reply), for up to 10 s.
func (c *simClient) retry(node string, body func() map[string]any, codes ...int) map[string]any {
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.call(node, body(), clientTimeout)
		if !slices.Contains(codes, replyCode(r)) || time.Now().After(deadline) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mustWrite writes until acknowledged: a write is idempotent, so retrying
// an unknown outcome (13, no reply) is safe.
func (c *simClient) mustWrite(t *testing.T, node string, key, val any) {
	t.Helper()
	r := c.retry(node, func() map[string]any { return map[string]any{"type": "write", "key": key, "value": val} }, codeUnavailable, codeCrash, -1)
	if replyCode(r) != 0 || r["type"] != "write_ok" {
		t.Fatalf("write %v=%.40v via %s: %v", key, val, node, r)
	}
}

func (c *simClient) mustRead(t *testing.T, node string, key any) string {
	t.Helper()
	r := c.do(t, node, func() map[string]any { return map[string]any{"type": "read", "key": key} })
	if r["type"] != "read_ok" {
		t.Fatalf("read %v via %s: %v", key, node, r)
	}
	v, _ := json.Marshal(r["value"])
	return string(v)
}

func memoryOpts(string) Options { return Options{DataDir: MemoryDataDir} }

// eventually polls cond every 10 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClusterWritesReadsCAS(t *testing.T) {
	s := newSimnet(t, 3, 1, memoryOpts)
	s.startAll()
	leader := s.leader(10 * time.Second)
	c := s.client("c1")

	// Writes through every node (followers forward), reads from every node.
	for i, id := range s.ids {
		c.mustWrite(t, id, i, i*10)
	}
	for _, id := range s.ids {
		for i := range s.ids {
			if got, want := c.mustRead(t, id, i), fmt.Sprint(i*10); got != want {
				t.Errorf("read %d via %s = %s, want %s", i, id, got, want)
			}
		}
	}
	follower := s.ids[0]
	if follower == leader {
		follower = s.ids[1]
	}
	// cas resolves an unknown outcome (13: leadership moved at start-up on a
	// slow machine) by reading: this client is the only writer.
	cas := func(node string, key, from, to any) map[string]any {
		for {
			r := c.do(t, node, func() map[string]any { return map[string]any{"type": "cas", "key": key, "from": from, "to": to} })
			if replyCode(r) != codeCrash {
				return r
			}
			rr := c.do(t, node, func() map[string]any { return map[string]any{"type": "read", "key": key} })
			fromJSON, _ := json.Marshal(from)
			toJSON, _ := json.Marshal(to)
			if v, _ := json.Marshal(rr["value"]); rr["type"] == "read_ok" && string(v) == string(toJSON) && string(v) != string(fromJSON) {
				return map[string]any{"type": "cas_ok"}
			}
		}
	}
	tests := []struct {
		node           string
		key, from, to  any
		wantType       string
		wantCode       int
		wantValueAfter string
	}{
		{follower, 1, 10, 11, "cas_ok", 0, "11"},
		{follower, 1, 10, 12, "error", codePrecondition, "11"},
		{leader, 1, 11, 12, "cas_ok", 0, "12"},
		{leader, 1, "12", 13, "error", codePrecondition, "12"}, // "12" is not 12
		{follower, 99, 0, 1, "error", codeNoKey, ""},
		{leader, 99, 0, 1, "error", codeNoKey, ""},
	}
	for _, tc := range tests {
		r := cas(tc.node, tc.key, tc.from, tc.to)
		if r["type"] != tc.wantType || replyCode(r) != tc.wantCode {
			t.Errorf("cas %v %v->%v via %s: %v, want %s %d", tc.key, tc.from, tc.to, tc.node, r, tc.wantType, tc.wantCode)
		}
		if tc.wantValueAfter != "" {
			if got := c.mustRead(t, follower, tc.key); got != tc.wantValueAfter {
				t.Errorf("after cas: read %v = %s, want %s", tc.key, got, tc.wantValueAfter)
			}
		}
	}
	r := c.do(t, follower, func() map[string]any { return map[string]any{"type": "read", "key": 99} })
	if replyCode(r) != codeNoKey {
		t.Errorf("read of a missing key via follower: %v, want error 20", r)
	}

	// Arbitrary JSON keys and values compare by canonical encoding.
	c.mustWrite(t, follower, map[string]any{"b": 1, "a": []any{1, "x"}}, map[string]any{"z": nil, "y": []any{1.5, true}})
	if got, want := c.mustRead(t, leader, json.RawMessage(`{"a":[1,"x"],"b":1}`)), `{"y":[1.5,true],"z":null}`; got != want {
		t.Errorf("read JSON key: %s, want %s", got, want)
	}
	r = cas(follower, json.RawMessage(`{ "a" : [1,"x"], "b":1 }`), json.RawMessage(`{"z":null,"y":[1.5,true]}`), "done")
	if r["type"] != "cas_ok" {
		t.Errorf("cas on JSON key/value: %v", r)
	}
	if s.typeCount(typeForward) == 0 {
		t.Errorf("no forwarded batches: followers did not forward")
	}
}

func TestClusterPartitionedLeader(t *testing.T) {
	s := newSimnet(t, 3, 2, memoryOpts)
	s.startAll()
	old := s.leader(10 * time.Second)
	c := s.client("c1")
	c.mustWrite(t, old, "k", 1)

	var rest []string
	for _, id := range s.ids {
		if id != old {
			rest = append(rest, id)
		}
	}
	s.partition([]string{old}, rest)

	// The isolated leader answers within the client timeout: reads are
	// refused (11), writes refused or unknown (11 or 13), never ok.
	for i := 0; i < 3; i++ {
		start := time.Now()
		r := c.call(old, map[string]any{"type": "write", "key": "k", "value": 100 + i}, clientTimeout)
		if code := replyCode(r); code != codeUnavailable && code != codeCrash {
			t.Errorf("write on isolated leader: %v (after %v), want error 11 or 13", r, time.Since(start))
		}
		r = c.call(old, map[string]any{"type": "read", "key": "k"}, clientTimeout)
		if replyCode(r) != codeUnavailable {
			t.Errorf("read on isolated leader: %v, want error 11", r)
		}
	}
	// The majority elects a new leader and serves through either node.
	c.mustWrite(t, rest[0], "k", 2)
	c.mustWrite(t, rest[1], "k", 3)
	if got := c.mustRead(t, rest[0], "k"); got != "3" {
		t.Errorf("majority read = %s, want 3", got)
	}

	// After healing, the old leader follows and forwards to the new one.
	s.heal()
	if got := c.mustRead(t, old, "k"); got != "3" {
		t.Errorf("read via healed old leader = %s, want 3", got)
	}
	c.mustWrite(t, old, "k", 4)
	if got := c.mustRead(t, rest[1], "k"); got != "4" {
		t.Errorf("read after write via old leader = %s, want 4", got)
	}
}

// TestClusterAsymmetricRing cuts one direction of every pair (Maelstrom's
// majorities-ring with 3 nodes): no request/response round trip succeeds.
// Every request must still be answered before the client's timeout.
func TestClusterAsymmetricRing(t *testing.T) {
	s := newSimnet(t, 3, 3, memoryOpts)
	s.startAll()
	s.leader(10 * time.Second)
	c := s.client("c1")
	c.mustWrite(t, "n0", "k", 1)
	s.cutOne("n0", "n1")
	s.cutOne("n1", "n2")
	s.cutOne("n2", "n0")
	for round := 0; round < 2; round++ {
		for _, id := range s.ids {
			r := c.call(id, map[string]any{"type": "read", "key": "k"}, clientTimeout)
			if r == nil {
				t.Errorf("read via %s: no reply within the client timeout", id)
			}
			r = c.call(id, map[string]any{"type": "write", "key": "k", "value": 2}, clientTimeout)
			if r == nil {
				t.Errorf("write via %s: no reply within the client timeout", id)
			}
		}
	}
	s.heal()
	c.mustWrite(t, "n1", "k", 3)
	for _, id := range s.ids {
		if got := c.mustRead(t, id, "k"); got != "3" {
			t.Errorf("after heal: read via %s = %s, want 3", id, got)
		}
	}
}

func TestClusterKillRestart(t *testing.T) {
	base := t.TempDir()
	s := newSimnet(t, 3, 4, func(string) Options { return Options{DataDir: base} })
	s.startAll()
	leader := s.leader(10 * time.Second)
	c := s.client("c1")
	for i := 0; i < 5; i++ {
		c.mustWrite(t, s.ids[i%3], i, i)
	}

	// A follower dies; the others go on; it comes back with the same id,
	// gets init again and catches up from its own log.
	follower := s.ids[(indexOf(s.ids, leader)+1)%3]
	s.kill(follower)
	c.mustWrite(t, leader, 0, 100)
	s.start(follower)
	if got := c.mustRead(t, follower, 0); got != "100" {
		t.Errorf("read via restarted follower = %s, want 100", got)
	}
	eventually(t, 10*time.Second, "restarted follower applies the leader's log", func() bool {
		l, f := s.node(leader), s.node(follower)
		return l != nil && f != nil && f.AppliedIndex() >= l.AppliedIndex()
	})

	// The leader dies; a new one takes over; the old one restarts.
	s.kill(leader)
	var alive string
	for _, id := range s.ids {
		if id != leader {
			alive = id
		}
	}
	c.mustWrite(t, alive, 1, 101)
	s.start(leader)
	if got := c.mustRead(t, leader, 1); got != "101" {
		t.Errorf("read via restarted leader = %s, want 101", got)
	}

	// Everyone dies; nothing is lost.
	for _, id := range s.ids {
		s.kill(id)
	}
	for _, id := range s.ids {
		s.start(id)
	}
	want := map[int]string{0: "100", 1: "101", 2: "2", 3: "3", 4: "4"}
	for k, v := range want {
		if got := c.mustRead(t, s.ids[k%3], k); got != v {
			t.Errorf("after full restart: read %d = %s, want %s", k, got, v)
		}
	}
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// TestClusterSnapshotInstall makes the leader compact its log while a
// follower is cut off, so that the follower catches up by InstallSnapshot,
// sent in parts (the snapshot is larger than one message).
func TestClusterSnapshotInstall(t *testing.T) {
	s := newSimnet(t, 3, 5, func(string) Options {
		return Options{DataDir: MemoryDataDir, Configure: func(cfg *replication.Config, _ int) {
			cfg.TrailingLogs = 4
			cfg.SnapshotThreshold = 1 << 20 // only explicit snapshots
		}}
	})
	s.latency = func() time.Duration { return time.Duration(s.rng.IntN(4)) * time.Millisecond } // reorders parts
	s.startAll()
	leader := s.leader(10 * time.Second)
	c := s.client("c1")
	lagging := s.ids[(indexOf(s.ids, leader)+1)%3]
	var others []string
	for _, id := range s.ids {
		if id != lagging {
			others = append(others, id)
		}
	}
	s.partition([]string{lagging}, others)
	big := strings.Repeat("x", 20<<10)
	for i := 0; i < 20; i++ {
		c.mustWrite(t, leader, i, fmt.Sprint(big, i))
	}
	// Every node that has the entries compacts its log, so whichever leads
	// after the heal must send a snapshot.
	for _, id := range others {
		if err := s.node(id).TakeSnapshot(); err != nil {
			t.Fatal(err)
		}
	}
	s.heal()
	eventually(t, 15*time.Second, "lagging follower catches up", func() bool {
		return s.node(lagging).AppliedIndex() >= s.node(others[0]).AppliedIndex()
	})
	if s.typeCount(typeSnapshot) == 0 {
		t.Errorf("no %s message: the follower did not catch up by snapshot", typeSnapshot)
	}
	if got := c.mustRead(t, lagging, 7); got != fmt.Sprintf("%q", fmt.Sprint(big, 7)) {
		t.Errorf("read via the follower: %d bytes", len(got))
	}
	// The follower's own state holds the data (not only the leader's).
	s.kill(others[0])
	if got := c.mustRead(t, lagging, 19); !strings.HasSuffix(got, `19"`) {
		t.Errorf("read after the old leader died: %.40s", got)
	}
	if m := s.maxNodeLine.Load(); m >= 48<<10 {
		t.Errorf("largest node-to-node message %d bytes, want < 48 KiB", m)
	}
	t.Logf("largest node-to-node message: %d bytes", s.maxNodeLine.Load())
}

// TestClusterLargeValue writes values larger than one message: the
// AppendEntries carrying them and the forwarded batches travel in parts.
func TestClusterLargeValue(t *testing.T) {
	s := newSimnet(t, 3, 6, memoryOpts)
	s.latency = func() time.Duration { return time.Duration(s.rng.IntN(3)) * time.Millisecond }
	s.startAll()
	leader := s.leader(10 * time.Second)
	follower := s.ids[(indexOf(s.ids, leader)+1)%3]
	c := s.client("c1")
	big := strings.Repeat("y", 100<<10)
	// An unknown outcome (no reply in time on a loaded machine) is retried:
	// the write is idempotent.
	c.mustWrite(t, follower, "big", big)
	if got := c.mustRead(t, follower, "big"); got != fmt.Sprintf("%q", big) {
		t.Errorf("read of a large value: %d bytes, want %d", len(got), len(big)+2)
	}
	if m := s.maxNodeLine.Load(); m >= 48<<10 {
		t.Errorf("largest node-to-node message %d bytes, want < 48 KiB", m)
	}
	t.Logf("largest node-to-node message: %d bytes", s.maxNodeLine.Load())
}

// TestClusterLinearizable runs Maelstrom's lin-kv workload shape (2n
// threads, thread i on node i mod n, keys of 2n threads, values 0-4,
// write:cas:cas) under random partitions and uniform latency (which
// reorders messages), and checks the history with the checker.
func TestClusterLinearizable(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	s := newSimnet(t, 3, seed, memoryOpts)
	s.latency = func() time.Duration { return time.Duration(s.rng.IntN(20)) * time.Millisecond }
	s.startAll()
	s.leader(10 * time.Second)

	const threads = 6
	duration := 8 * time.Second
	if testing.Short() {
		duration = 3 * time.Second
	}
	start := time.Now()
	var mu sync.Mutex
	var ops []checker.Op
	var answered, total, okOps int
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for th := 0; th < threads; th++ {
		wg.Add(1)
		go func(th int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(th)))
			c := s.client(fmt.Sprint("c", 10+th))
			node := s.ids[th%3]
			process := th
			for {
				select {
				case <-stop:
					return
				default:
				}
				key := rng.IntN(3)
				op := checker.Op{Process: process, Key: fmt.Sprint(key)}
				var body map[string]any
				switch {
				case th < 3:
					op.Kind = checker.Read
					body = map[string]any{"type": "read", "key": key}
				case rng.IntN(3) == 0:
					v := fmt.Sprint(rng.IntN(5))
					op.Kind, op.Value = checker.Write, &v
					body = map[string]any{"type": "write", "key": key, "value": json.RawMessage(v)}
				default:
					op.Kind, op.From, op.To = checker.CAS, fmt.Sprint(rng.IntN(5)), fmt.Sprint(rng.IntN(5))
					body = map[string]any{"type": "cas", "key": key, "from": json.RawMessage(op.From), "to": json.RawMessage(op.To)}
				}
				op.Call = time.Since(start)
				r := c.call(node, body, clientTimeout)
				op.Return = time.Since(start)
				code := replyCode(r)
				switch {
				case code == 0:
					op.Outcome = checker.Ok
					if op.Kind == checker.Read {
						v, _ := json.Marshal(r["value"])
						if sv := string(v); sv != "null" {
							op.Value = &sv
						}
					}
				case code == codeUnavailable || code == codeNoKey || code == codePrecondition || code == codeMalformed || code == codeNotSupported:
					op.Outcome = checker.Fail
				default:
					op.Outcome = checker.Info
				}
				mu.Lock()
				ops = append(ops, op)
				total++
				if code == 0 || code == codeNoKey || code == codePrecondition {
					answered++
				}
				if code == 0 {
					okOps++
				}
				mu.Unlock()
				if op.Outcome == checker.Info {
					process += threads
				}
				time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
			}
		}(th)
	}
	// Nemesis: alternate random partitions and heals.
	nrng := rand.New(rand.NewPCG(seed, 99))
	for time.Since(start) < duration {
		time.Sleep(time.Duration(300+nrng.IntN(700)) * time.Millisecond)
		switch nrng.IntN(3) {
		case 0:
			i := nrng.IntN(3)
			var rest []string
			for j, id := range s.ids {
				if j != i {
					rest = append(rest, id)
				}
			}
			s.partition([]string{s.ids[i]}, rest)
		case 1:
			s.cutOne("n0", "n1")
			s.cutOne("n1", "n2")
			s.cutOne("n2", "n0")
		default:
			s.heal()
		}
		time.Sleep(time.Duration(300+nrng.IntN(700)) * time.Millisecond)
		s.heal()
	}
	close(stop)
	wg.Wait()
	res := checker.Check(ops, 30*time.Second)
	msgs := s.nodeMsgs.Load() + s.clientMsgs.Load()*2
	t.Logf("seed %d: %d ops, ok %.3f, answered %.3f, msgs/op %.1f, verdict %s",
		seed, total, float64(okOps)/float64(total), float64(answered)/float64(total), float64(msgs)/float64(total), res.Verdict)
	if res.Verdict == checker.Invalid {
		t.Fatalf("history not linearizable (seed %d): %v", seed, res.Keys)
	}
	if okOps == 0 {
		t.Fatalf("no operation succeeded")
	}
}
