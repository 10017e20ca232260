package kv

import "testing"

func TestCAS(t *testing.T) {
	x := newTM(t)
	skMake(x, "list", "l")
	x.run([]step{
		{cmd("CAS", "k", "a", "b"), skErr(ErrCASNoKey)},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("CAS", "l", "a", "b"), skWrongT},
		{cmd("SET", "k", "1"), skOK},
		{cmd("CAS", "k", "2", "3"), skErr(ErrCASMismatch)},
		{cmd("GET", "k"), skBulk("1")},
		{cmd("CAS", "k", "1", "3"), skOK},
		{cmd("GET", "k"), skBulk("3")},
		{cmd("CAS", "k", "3", ""), skOK},
		{cmd("CAS", "k", "", "x\x00y"), skOK},
		{cmd("GET", "k"), skBulk("x\x00y")},
		{cmd("CAS", "k", "x", "z"), skErr(ErrCASMismatch)}, // no prefix match
		{cmd("cas", "k", "x\x00y", "4"), skOK},
		{cmd("CAS", "k", "4"), skErr("ERR wrong number of arguments for 'cas' command")},
		{cmd("CAS", "k", "4", "5", "6"), skErr("ERR wrong number of arguments for 'cas' command")},
		// The TTL is kept.
		{cmd("SET", "t", "a", "PX", "100"), skOK},
		{cmd("CAS", "t", "a", "b"), skOK},
		{cmd("PTTL", "t"), skInt(100)},
	})
	x.now += 101
	x.run([]step{{cmd("CAS", "t", "b", "c"), skErr(ErrCASNoKey)}}) // expired = missing
	x.proto = 3
	x.run([]step{
		{cmd("SET", "k", "1"), skOK},
		{cmd("CAS", "k", "1", "2"), skOK},
		{cmd("CAS", "k", "1", "2"), skErr(ErrCASMismatch)},
	})
	s := Lookup([]byte("CAS"))
	if s == nil || !s.IsWrite() || s.FirstKey != 1 || s.LastKey != 1 || s.Arity != 4 {
		t.Fatalf("CAS spec: %+v", s)
	}
}

func TestCASVersion(t *testing.T) {
	x := newTM(t)
	x.do("SET", "k", "1")
	v := x.m.KeyVersion(0, []byte("k"), x.now)
	x.do("CAS", "k", "2", "3")
	if got := x.m.KeyVersion(0, []byte("k"), x.now); got != v {
		t.Errorf("failed CAS changed the version: %d -> %d", v, got)
	}
	x.do("CAS", "k", "1", "1")
	if got := x.m.KeyVersion(0, []byte("k"), x.now); got == v {
		t.Errorf("successful CAS left the version at %d", v)
	}
}
