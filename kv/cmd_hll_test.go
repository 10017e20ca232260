package kv

import (
	"strconv"
	"testing"
)

// HyperLogLog commands; replies and HLL bytes from redis-server 7.0.15 (the
// table is replayed against it when KV_REDIS_REF is set).
func TestHLLCommands(t *testing.T) {
	empty := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
	steps := []step{
		{cmd("PFADD", "h"), skInt(1)},
		{cmd("GET", "h"), skBulk("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff")},
		{cmd("PFCOUNT", "h"), skInt(0)},
		{cmd("GET", "h"), skBulk(empty)},
		{cmd("PFADD", "h"), skInt(0)},
		{cmd("PFADD", "h", "a", "b", "c"), skInt(1)},
		{cmd("PFADD", "h", "a"), skInt(0)},
		{cmd("PFCOUNT", "h"), skInt(3)},
		{cmd("PFADD", "h2", "c", "d"), skInt(1)},
		{cmd("PFCOUNT", "h", "h2", "nokey"), skInt(4)},
		{cmd("PFMERGE", "h3", "h", "h2"), skOK},
		{cmd("PFCOUNT", "h3"), skInt(4)},
		{cmd("PFMERGE", "h4"), skOK},
		{cmd("PFCOUNT", "h4"), skInt(0)},
		{cmd("SET", "s", "not an hll"), skOK},
		{cmd("PFADD", "s", "a"), skErr(errHLLInvalid)},
		{cmd("PFCOUNT", "s"), skErr(errHLLInvalid)},
		{cmd("PFCOUNT", "h", "s"), skErr(errHLLInvalid)},
		{cmd("PFMERGE", "h", "s"), skErr(errHLLInvalid)},
		{cmd("LPUSH", "l", "x"), skInt(1)},
		{cmd("PFADD", "l", "a"), skWrongT},
		{cmd("PFCOUNT", "l"), skWrongT},
		// A sparse HLL whose opcodes cover too many registers.
		{cmd("SET", "bad", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x7f\xff"), skOK},
		{cmd("PFCOUNT", "bad"), skErr(errHLLCorrupt)},
		{cmd("PFCOUNT", "bad", "h"), skErr(errHLLCorrupt)},
		// A dense header on a string of the wrong size.
		{cmd("SET", "bad2", "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00"), skOK},
		{cmd("PFADD", "bad2", "x"), skErr(errHLLInvalid)},
	}
	newTM(t).run(steps)
	skAgainstRedis(t, 2, steps)
}

// TestHLLDense adds enough elements to promote to dense and checks the
// estimate and the encoding Redis reports for the same elements.
func TestHLLDense(t *testing.T) {
	x := newTM(t)
	args := []string{"PFADD", "h"}
	for i := range 5000 {
		args = append(args, "e"+strconv.Itoa(i))
	}
	steps := []step{
		{args, skInt(1)},
		{cmd("STRLEN", "h"), skInt(hllDenseSize)},
		{cmd("PFCOUNT", "h"), skInt(4968)},
		{cmd("PFADD", "small", "e1", "e2"), skInt(1)},
		{cmd("PFMERGE", "small", "h"), skOK},
		{cmd("STRLEN", "small"), skInt(hllDenseSize)},
		{cmd("PFCOUNT", "small", "h"), skInt(4968)},
	}
	x.run(steps)
	skAgainstRedis(t, 2, steps)
}

// TestHLLSparseBytes: the sparse strings redis-server builds for a few
// elements (MurmurHash64A, register, run length and opcodes all agree).
func TestHLLSparseBytes(t *testing.T) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	steps := []step{
		{cmd("PFADD", "x", "a"), skInt(1)},
		{cmd("GET", "x"), skBulk(hdr + "q\xa6\x84NW")},
		{cmd("PFADD", "y", "hello", ""), skInt(1)},
		{cmd("GET", "y"), skBulk(hdr + "W1\x84L\xcc\x80[\xfe")},
	}
	newTM(t).run(steps)
	skAgainstRedis(t, 2, steps)
	if idx, n := hllPatLen([]byte("a")); idx != 12711 || n != 2 {
		t.Errorf(`hllPatLen("a") = %d, %d; want 12711, 2`, idx, n)
	}
}

// BenchmarkBitsHLL measures the machine's cost of the commands
// scripts/bench-bits.sh drives through the RESP edge.
func BenchmarkBitsHLL(b *testing.B) {
	for _, bc := range []struct {
		name  string
		setup [][]string
		args  func(i int) []string
	}{
		{"SETBIT", nil, func(i int) []string { return []string{"SETBIT", "bits:" + strconv.Itoa(i%100000), "1000", "1"} }},
		{"GETBIT", [][]string{{"SETBIT", "bits:1", "1000", "1"}}, func(i int) []string { return []string{"GETBIT", "bits:" + strconv.Itoa(i%2), "1000"} }},
		{"PFADD", nil, func(i int) []string { return []string{"PFADD", "hll", strconv.Itoa(i % 100000)} }},
		{"PFCOUNT", [][]string{{"PFADD", "hll", "a", "b", "c"}}, func(int) []string { return []string{"PFCOUNT", "hll"} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := NewMachine()
			w := NewWriter(nil, 2)
			run := func(args []string) {
				a := make([][]byte, len(args))
				for i, s := range args {
					a[i] = []byte(s)
				}
				w.Reset()
				m.Exec(&Cmd{Args: a, NowMs: 1, Proto: 2}, w)
			}
			for _, s := range bc.setup {
				run(s)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run(bc.args(i))
			}
		})
	}
}
