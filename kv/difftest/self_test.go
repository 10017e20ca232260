package difftest

import (
	"flag"
	"testing"
)

var flagSelfSeeds = flag.Int("difftest.selfseeds", 4, "difftest: seeds TestHarnessSelf runs (redis against redis)")

// TestHarnessSelf checks the harness itself: the generator, the reply
// reader and every comparison rule, by running the differential test with a
// second redis-server in place of kv. Two servers must always agree; a
// failure here is a harness bug (a rule too strict for what Redis
// guarantees), not a kv difference. The servers' hash seeds differ, so
// hashtable orders differ and the unordered rules are exercised.
func TestHarnessSelf(t *testing.T) {
	if *flagSeed != 0 {
		t.Skip("replaying one seed of TestDiff (replay this test with -difftest.base N -difftest.selfseeds 1)")
	}
	a, b := startRedis(t), startRedis(t)
	cl, err := dialRedis(a.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.close)
	other, err := dialRedis(b.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.close)
	seeds := make([]uint64, *flagSelfSeeds)
	for i := range seeds {
		seeds[i] = *flagBase + uint64(i)
	}
	cmds, _ := enabledCommands(t, func(string) bool { return true })
	runSeeds(t, cl, &redisSide{t: t, cl: other}, cmds, seeds)
}

// redisSide runs commands on a second redis-server (the clock argument is
// ignored: the server has its own).
type redisSide struct {
	t  *testing.T
	cl *client
}

func (s *redisSide) reset(proto uint8) {
	for _, args := range [][]string{{"HELLO", string('0' + proto)}, {"FLUSHALL"}, {"SELECT", "0"}, {"SCRIPT", "FLUSH"}, {"FUNCTION", "FLUSH"}} {
		if _, err := s.cl.do(args...); err != nil {
			s.t.Fatalf("second redis: %v", err)
		}
	}
}

func (s *redisSide) exec(args [][]byte, _ int64) []byte {
	raw, _, err := s.cl.exec(args)
	if err != nil {
		s.t.Fatalf("second redis: %v", err)
	}
	return append([]byte(nil), raw...)
}

func (s *redisSide) execTx(cmds [][][]byte, _ int64) []byte {
	s.exec([][]byte{[]byte("MULTI")}, 0)
	for _, c := range cmds {
		s.exec(c, 0)
	}
	return s.exec([][]byte{[]byte("EXEC")}, 0)
}
