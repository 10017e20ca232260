package kv

import (
	"fmt"
	"sort"
	"testing"
)

func TestRedraftExpireRemovesOnlyExpiredKeys(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("SET", "gone", "v", "PX", "10"), skOK},
		{cmd("SET", "gone2", "v", "PX", "10"), skOK},
		{cmd("SET", "later", "v", "PX", "1000"), skOK},
		{cmd("SET", "forever", "v"), skOK},
	})
	x.now += 11 // past the expiry millisecond (Redis: expired when now > when)
	x.run([]step{
		{cmd("redraft.expire", "gone", "later", "forever", "missing", "gone"), skInt(1)},
		{cmd("DBSIZE"), skInt(3)},
		{cmd("GET", "later"), skBulk("v")},
		{cmd("REDRAFT.EXPIRE", "gone2"), skInt(1)},
		{cmd("DBSIZE"), skInt(2)},
		{cmd("redraft.expire"), skErr("ERR wrong number of arguments for 'redraft.expire' command")},
	})
	if got := x.m.Expires(); got != 1 {
		t.Errorf("Expires: got %d, want 1", got)
	}
}

func TestRedraftExpireSparesKeysResetAfterSampling(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("SET", "a", "1", "PX", "5"), skOK},
		{cmd("SET", "b", "1", "PX", "5"), skOK},
		{cmd("SET", "c", "1", "PX", "5"), skOK},
		{cmd("SET", "d", "1", "PX", "5"), skOK},
	})
	x.now += 6
	sampled := x.m.SampleExpired(0, x.now, 1, 10)
	got := skKeyStrings(sampled)
	if fmt.Sprint(got) != "[a b c d]" {
		t.Fatalf("SampleExpired: got %q, want [a b c d]", got)
	}
	// Between sampling and apply, clients re-set a and b and touch c.
	x.run([]step{
		{cmd("SET", "a", "2", "PX", "1000"), skOK},
		{cmd("SET", "b", "2"), skOK},
		{cmd("GET", "c"), skNull},
	})
	args := append([]string{"redraft.expire"}, got...)
	x.run([]step{
		{args, skInt(2)}, // c and d
		{cmd("GET", "a"), skBulk("2")},
		{cmd("GET", "b"), skBulk("2")},
		{cmd("PTTL", "a"), skInt(1000)},
		{cmd("DBSIZE"), skInt(2)},
	})
	if s := x.m.SampleExpired(0, x.now, 2, 10); len(s) != 0 {
		t.Errorf("SampleExpired after removal: got %q", skKeyStrings(s))
	}
}

func skKeyStrings(keys [][]byte) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k)
	}
	sort.Strings(out)
	return out
}

func TestSampleExpiredIsBoundedReadOnlyAndDeterministic(t *testing.T) {
	x := newTM(t)
	if got := x.m.SampleExpired(0, x.now, 1, 10); got != nil {
		t.Errorf("empty machine: got %q", got)
	}
	for i := 0; i < 3000; i++ {
		if i%3 == 0 {
			x.do("SET", fmt.Sprint("e", i), "v", "PX", "1")
		} else {
			x.do("SET", fmt.Sprint("k", i), "v", "PX", "100000")
		}
	}
	x.do("SET", "persistent", "v")
	if got := x.m.SampleExpired(0, x.now, 1, 10); len(got) != 0 {
		t.Errorf("nothing expired yet: got %d keys", len(got))
	}
	x.now += 2
	ver, n, exp := x.m.Version(), x.m.Len(), x.m.Expires()
	a := x.m.SampleExpired(0, x.now, 7, 10)
	b := x.m.SampleExpired(0, x.now, 7, 10)
	if fmt.Sprint(skKeyStrings(a)) != fmt.Sprint(skKeyStrings(b)) {
		t.Errorf("same seed, different samples: %q vs %q", a, b)
	}
	if x.m.Version() != ver || x.m.Len() != n || x.m.Expires() != exp {
		t.Error("SampleExpired changed the machine")
	}
	if len(a) == 0 || len(a) > 10 {
		t.Fatalf("got %d keys, want 1..10", len(a))
	}
	seen := map[string]bool{}
	for _, k := range a {
		if seen[string(k)] {
			t.Errorf("duplicate key %q", k)
		}
		seen[string(k)] = true
		if e := x.m.dbs[0].get(string(k)); e == nil || !e.expired(x.now) {
			t.Errorf("%q is not expired", k)
		}
	}
	// The returned keys are copies.
	a[0][0] = 'X'
	if x.m.dbs[0].get("X"+string(a[0][1:])) != nil {
		t.Error("SampleExpired returned the machine's own bytes")
	}
	// Different seeds reach different parts of the table.
	all := map[string]bool{}
	for seed := uint64(0); seed < 50; seed++ {
		for _, k := range x.m.SampleExpired(0, x.now, seed, 10) {
			all[string(k)] = true
		}
	}
	if len(all) < 100 {
		t.Errorf("50 samples covered only %d distinct keys", len(all))
	}
	if got := x.m.SampleExpired(0, x.now, 1, 0); got != nil {
		t.Errorf("max 0: got %q", got)
	}
	// Bounded work: with max 1 at most 20 entries are inspected, so when
	// the expired keys are few a sample may miss them.
	y := newTM(t)
	for i := 0; i < 5000; i++ {
		y.do("SET", fmt.Sprint("k", i), "v", "PX", "100000")
	}
	y.do("SET", "e", "v", "PX", "1")
	y.now += 2
	hits := 0
	for seed := uint64(0); seed < 200; seed++ {
		hits += len(y.m.SampleExpired(0, y.now, seed, 1))
	}
	if hits == 0 || hits > 20 {
		t.Errorf("one expired key among 5001, 200 samples of 20 entries: %d hits, want a few", hits)
	}
}

func TestActiveExpiryLoopDrainsExpiredKeys(t *testing.T) {
	// What the leader does: sample, propose redraft.expire, repeat.
	x := newTM(t)
	for i := 0; i < 1000; i++ {
		x.do("SET", fmt.Sprint("k", i), "v", "PX", fmt.Sprint(1+i%2*1000000))
	}
	x.now += 2
	for round := uint64(0); round < 1000 && x.m.Len() > 500; round++ {
		keys := x.m.SampleExpired(0, x.now, round, 20)
		if len(keys) == 0 {
			continue
		}
		args := []string{"redraft.expire"}
		for _, k := range keys {
			args = append(args, string(k))
		}
		if got, want := x.do(args...), skInt(int64(len(keys))); got != want {
			t.Fatalf("redraft.expire: got %q, want %q", got, want)
		}
	}
	if x.m.Len() != 500 || x.m.Expires() != 500 {
		t.Errorf("after draining: %d keys, %d with TTL; want 500, 500", x.m.Len(), x.m.Expires())
	}
}
