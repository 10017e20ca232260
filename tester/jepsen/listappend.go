package jepsen

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"redraft/tester/elle"
)

// List-append workload (Jepsen's RedisRaft workload): transactions of 1 to
// listMopsMax micro-operations, each an RPUSH of a value unique across the
// test or an LRANGE k 0 -1 of the whole list, sent as MULTI ... EXEC.
// listKeysActive keys are in use at a time; after every listTxnsPerGen
// transactions the next keys take over, so lists stay short (a read
// returns the whole list) and Elle's graph per key stays small, as Jepsen's
// key rotation does.
const (
	listKeysActive = 3
	listTxnsPerGen = 300
	listMopsMax    = 4
)

// listWorkload remembers the highest key generation drawn, so that the
// final phase reads every key used.
type listWorkload struct {
	maxGen atomic.Int64
}

const listKeyPrefix = "list"

func listKey(i int64) string { return listKeyPrefix + strconv.FormatInt(i, 10) }

func (w *listWorkload) next(th *thread, started int64) Op {
	gen := started / listTxnsPerGen
	for {
		cur := w.maxGen.Load()
		if gen <= cur || w.maxGen.CompareAndSwap(cur, gen) {
			break
		}
	}
	o := Op{F: "txn"}
	n := 1 + th.rng.IntN(listMopsMax)
	for i := 0; i < n; i++ {
		k := listKey(gen*listKeysActive + int64(th.rng.IntN(listKeysActive)))
		if th.rng.IntN(2) == 0 {
			v := th.adds*int64(th.count) + int64(th.index)
			th.adds++
			o.Txn = append(o.Txn, elle.Mop{F: elle.Append, Key: k, Value: v})
		} else {
			o.Txn = append(o.Txn, elle.Mop{F: elle.Read, Key: k})
		}
	}
	return o
}

// exec sends a transaction as MULTI, its commands, EXEC in one round trip
// (a final read is a lone LRANGE). When EXEC fails as a whole, every
// command carries its error; EXECABORT (a command refused while queuing)
// means nothing ran.
func (w *listWorkload) exec(ctx context.Context, c *redis.Client, o *Op) error {
	if o.F == "read" { // the final phase
		l, err := lrange(ctx, c, o.Key)
		if err == nil {
			o.Txn = []elle.Mop{{F: elle.Read, Key: o.Key, List: l}}
		}
		return err
	}
	pipe := c.TxPipeline()
	cmds := make([]*redis.StringSliceCmd, len(o.Txn))
	for i, m := range o.Txn {
		if m.F == elle.Append {
			pipe.RPush(ctx, m.Key, m.Value)
		} else {
			cmds[i] = pipe.LRange(ctx, m.Key, 0, -1)
		}
	}
	all, err := pipe.Exec(ctx)
	if err != nil {
		return txnError(all, err)
	}
	for i, cmd := range cmds {
		if cmd != nil {
			o.Txn[i].List = parseList(cmd.Val())
		}
	}
	return nil
}

// errExecPartial: EXEC ran but a command in it failed; the workload never
// sends one that can, so what happened is not known.
var errExecPartial = errors.New("EXEC ran but a command in it failed")

// txnError is the error of a transaction that did not return every reply:
// EXECABORT if a command was refused while queuing (nothing ran), the
// error EXEC itself got when every command carries one (CLUSTERDOWN,
// UNCERTAIN, a timeout...), else errExecPartial.
func txnError(cmds []redis.Cmder, err error) error {
	every := true
	for _, c := range cmds {
		if e := c.Err(); e != nil && strings.HasPrefix(e.Error(), "EXECABORT") {
			return e
		} else if e == nil {
			every = false
		}
	}
	if every && len(cmds) > 0 {
		return cmds[len(cmds)-1].Err()
	}
	return errors.Join(errExecPartial, err)
}

func lrange(ctx context.Context, c *redis.Client, key string) ([]int64, error) {
	vs, err := c.LRange(ctx, key, 0, -1).Result()
	if err != nil {
		return nil, err
	}
	return parseList(vs), nil
}

// parseList reads list elements as the integers the workloads write; any
// other element becomes malformedElement, which no client writes (Elle
// reports it as garbage).
func parseList(vs []string) []int64 {
	out := make([]int64, len(vs))
	for i, s := range vs {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			v = malformedElement
		}
		out[i] = v
	}
	return out
}

func (w *listWorkload) finalKeys() []string {
	n := (w.maxGen.Load() + 1) * listKeysActive
	keys := make([]string, n)
	for i := range keys {
		keys[i] = listKey(int64(i))
	}
	return keys
}

// ElleTxns converts a list-append history for the checker; a txn's ID is
// its index in ops.
func ElleTxns(ops []Op) []elle.Txn {
	out := make([]elle.Txn, 0, len(ops))
	for i := range ops {
		o := &ops[i]
		if len(o.Txn) == 0 {
			continue
		}
		out = append(out, elle.Txn{ID: i, Process: o.Process, Node: o.Node, Type: o.Type, Mops: o.Txn, Invoke: o.Invoke, Complete: o.End, Final: o.Final})
	}
	return out
}

// txnValue is a transaction in Jepsen's form: [[:append "k" 1] [:r "k" [1]]],
// reads nil unless the transaction completed ok.
func txnValue(mops []elle.Mop, withReads bool) string {
	parts := make([]string, len(mops))
	for i, m := range mops {
		if !withReads && m.F == elle.Read {
			m.List = nil
		} else if m.F == elle.Read && m.List == nil {
			m.List = []int64{}
		}
		parts[i] = m.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}
