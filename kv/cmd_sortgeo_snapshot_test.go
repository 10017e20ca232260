package kv

import (
	"bytes"
	"testing"
)

// TestSortGeoReplicated applies one log of SORT ... STORE, GEOADD,
// GEOSEARCHSTORE, GEORADIUS ... STORE, LMPOP and COPY to two machines:
// their snapshots are byte-identical, and a machine restored from the
// snapshot answers every read as the original does.
func TestSortGeoReplicated(t *testing.T) {
	log := [][]string{
		{"RPUSH", "l", "3", "1", "2", "10", "5"},
		{"MSET", "w_1", "5", "w_2", "4", "w_3", "3"},
		{"SORT", "l", "BY", "w_*", "DESC", "STORE", "sorted"},
		{"SADD", "s", "b", "a", "c"},
		{"SORT", "s", "BY", "nosort", "STORE", "sset"},
		{"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "14.5", "37.1", "m3"},
		{"GEOSEARCHSTORE", "near", "geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"},
		{"GEORADIUS", "geo", "15", "37", "100", "km", "STORE", "near2"},
		{"LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"},
		{"COPY", "geo", "geo2"},
	}
	a, b := NewMachine(), NewMachine()
	const now = 1_700_000_000_000
	for i, args := range log {
		ra := execAt(a, now, uint64(i), args...)
		rb := execAt(b, now, uint64(i), args...)
		if ra != rb || ra[0] == '-' {
			t.Fatalf("%q: replies %q and %q", args, ra, rb)
		}
	}
	sa, sb := snap(t, a), snap(t, b)
	if !bytes.Equal(sa, sb) {
		t.Fatal("two machines applying the same log have different snapshots")
	}
	r := restored(t, sa)
	for _, read := range [][]string{
		{"LRANGE", "sorted", "0", "-1"}, {"LRANGE", "sset", "0", "-1"}, {"LRANGE", "l", "0", "-1"},
		{"ZRANGE", "near", "0", "-1", "WITHSCORES"}, {"ZRANGE", "near2", "0", "-1", "WITHSCORES"},
		{"GEOPOS", "geo2", "Palermo", "m3"}, {"GEOSEARCH", "geo", "FROMMEMBER", "m3", "BYBOX", "500", "500", "km", "ASC", "WITHDIST"},
	} {
		if got, want := execAt(r, now, 1, read...), execAt(a, now, 1, read...); got != want || want == "*0\r\n" {
			t.Errorf("%q: restored %q, original %q", read, got, want)
		}
	}
	if got := execAt(a, now, 1, "LRANGE", "sorted", "0", "-1"); got != "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n10\r\n" {
		t.Errorf("SORT BY w_* DESC STORE: %q", got)
	}
}
