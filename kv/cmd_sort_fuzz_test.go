package kv

import (
	"bytes"
	"testing"
)

// FuzzSort feeds arbitrary option lists to SORT and SORT_RO over a keyspace
// holding every sortable type, weights and hash fields: the machine must
// answer with a reply (never panic), and a STORE must leave a list or
// nothing at its destination.
func FuzzSort(f *testing.F) {
	for _, seed := range []string{
		"l", "l DESC ALPHA", "l LIMIT 1 2", "l BY w_* GET # GET h_*->f",
		"s BY nosort STORE d", "z BY nosort DESC LIMIT 1 5", "l BY w_* STORE d LIMIT 0 0",
		"l LIMIT -9223372036854775808 9223372036854775807", "l GET *->", "x STORE", "l BY #", "l BY *->\x00f",
	} {
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, in string, readOnly bool) {
		x := newTM(t)
		x.do("RPUSH", "l", "3", "1", "2", "a", "10", "1.5", "")
		x.do("SADD", "s", "5", "b", "1")
		x.do("ZADD", "z", "1", "c", "2", "3", "3", "1")
		x.do("MSET", "w_1", "9", "w_3", "x", "w_a", "-1")
		x.do("HSET", "h_1", "f", "2", "g", "1e400")
		x.do("SET", "str", "v")
		args := []string{"SORT"}
		if readOnly {
			args[0] = "SORT_RO"
		}
		for _, a := range bytes.Split([]byte(in), []byte(" ")) {
			args = append(args, string(a))
		}
		reply := x.do(args...)
		if reply == "" {
			t.Fatalf("%q: no reply", args)
		}
		if e := x.m.dbs[0].get("d"); e != nil && e.typ() != TypeList {
			t.Fatalf("%q: STORE left a %v", args, e.typ())
		}
	})
}
