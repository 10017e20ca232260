package difftest

import (
	"strconv"
	"testing"
	"time"
)

// boundaryAttempts bounds the tries of TestExpiryBoundary: a try counts
// only when Redis answered within the target millisecond.
const boundaryAttempts = 20

// TestExpiryBoundary probes the one millisecond where random sequences
// rarely land: a key read in the very millisecond of its expiry time. Redis
// 7.0 treats a key as expired when now > when (keyIsExpired), so it is
// still visible at now == when.
func TestExpiryBoundary(t *testing.T) {
	if !registered("GET") || !registered("SET") {
		t.Skip("GET/SET not registered in kv")
	}
	srv := startRedis(t)
	cl, err := dialRedis(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.close)
	k := &kvSide{}
	k.reset(2)
	for range boundaryAttempts {
		at := time.Now().UnixMilli() + 3
		set := [][]byte{[]byte("SET"), []byte("k"), []byte("v"), []byte("PXAT"), []byte(strconv.FormatInt(at, 10))}
		if _, _, err := cl.exec(set); err != nil {
			t.Fatal(err)
		}
		k.exec(set, at-3)
		for time.Now().UnixMilli() < at {
			time.Sleep(50 * time.Microsecond)
		}
		get := [][]byte{[]byte("GET"), []byte("k")}
		raw, _, err := cl.exec(get)
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().UnixMilli() != at {
			continue // Redis may have run it in the next millisecond; try again
		}
		if got, want := string(k.exec(get, at)), string(raw); got != want {
			t.Fatalf("GET at the expiry millisecond: got %q, want %q (Redis: a key expires when now > when)", got, want)
		}
		return
	}
	t.Skipf("no GET landed in its target millisecond in %d tries", boundaryAttempts)
}
