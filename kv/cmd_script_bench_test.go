package kv

import (
	"testing"

	"redraft/kv/script"
)

// BenchmarkEvalSha is the machine's side of redis-benchmark's EVALSHA of
// "return redis.call('INCR', KEYS[1])".
func BenchmarkEvalSha(b *testing.B) {
	m := NewMachine()
	body := "return redis.call('INCR', KEYS[1])"
	w := NewWriter(nil, 2)
	m.Exec(&Cmd{Args: [][]byte{[]byte("SCRIPT"), []byte("LOAD"), []byte(body)}}, w)
	args := [][]byte{[]byte("EVALSHA"), []byte(script.Sha1Hex([]byte(body))), []byte("1"), []byte("counter")}
	cmd := &Cmd{Args: args, NowMs: 1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		cmd.Seed = uint64(i)
		m.Exec(cmd, w)
	}
}
