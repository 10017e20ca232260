package jepsen

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// workload draws operations and runs them as RESP commands.
type workload interface {
	// next draws a thread's next operation (F, Key and arguments).
	next(th *thread, started int64) Op
	// exec runs o on c, filling in what a read returned.
	exec(ctx context.Context, c *redis.Client, o *Op) error
	// finalKeys are the keys every node reads in the final phase.
	finalKeys() []string
}

// thread is one client thread's generator state.
type thread struct {
	index int
	rng   *rand.Rand
	adds  int64 // set: elements this thread added so far
	count int   // threads in the test
}

// Register workload: a few keys at a time, each retired after about
// registerOpsPerKey operations so that porcupine's search per key stays
// small (as Jepsen's independent keys do).
const (
	registerKeysActive = 3
	registerOpsPerKey  = 100
	registerValues     = 5 // values 0..4, as Jepsen's register and Maelstrom's lin-kv
)

type registerWorkload struct{}

func (registerWorkload) next(th *thread, started int64) Op {
	gen := started / (registerKeysActive * registerOpsPerKey)
	key := "r" + strconv.FormatInt(gen*registerKeysActive+int64(th.rng.IntN(registerKeysActive)), 10)
	o := Op{Key: key}
	switch th.rng.IntN(3) {
	case 0:
		o.F = "read"
	case 1:
		o.F = "write"
		o.Value = strconv.Itoa(th.rng.IntN(registerValues))
	default:
		o.F = "cas"
		o.From = strconv.Itoa(th.rng.IntN(registerValues))
		o.To = strconv.Itoa(th.rng.IntN(registerValues))
	}
	return o
}

func (registerWorkload) exec(ctx context.Context, c *redis.Client, o *Op) error {
	switch o.F {
	case "read":
		v, err := c.Get(ctx, o.Key).Result()
		if err == redis.Nil {
			return nil
		}
		if err == nil {
			o.Read = &v
		}
		return err
	case "write":
		return c.Set(ctx, o.Key, o.Value, 0).Err()
	default:
		return c.Do(ctx, "CAS", o.Key, o.From, o.To).Err()
	}
}

func (registerWorkload) finalKeys() []string { return nil }

// Set workload: SADD of elements unique across the test to one set, and
// SMEMBERS reads (setReadOneIn of the operations).
const (
	setKey       = "set0"
	setReadOneIn = 5
)

type setWorkload struct{}

func (setWorkload) next(th *thread, _ int64) Op {
	if th.rng.IntN(setReadOneIn) == 0 {
		return Op{F: "read", Key: setKey}
	}
	e := th.adds*int64(th.count) + int64(th.index)
	th.adds++
	return Op{F: "add", Key: setKey, Value: strconv.FormatInt(e, 10)}
}

func (setWorkload) exec(ctx context.Context, c *redis.Client, o *Op) error {
	if o.F == "add" {
		return c.SAdd(ctx, o.Key, o.Value).Err()
	}
	ms, err := c.SMembers(ctx, o.Key).Result()
	if err != nil {
		return err
	}
	o.Elements = make([]int64, 0, len(ms))
	for _, m := range ms {
		e, err := strconv.ParseInt(m, 10, 64)
		if err != nil || e < 0 {
			e = malformedElement // the checker reports it as unexpected
		}
		o.Elements = append(o.Elements, e)
	}
	slices.Sort(o.Elements)
	return nil
}

func (setWorkload) finalKeys() []string { return []string{setKey} }

// malformedElement stands for a member that is not an element the test
// could have added (elements are non-negative integers).
const malformedElement = -1

func newWorkload(name string) workload {
	switch name {
	case WorkloadSet:
		return setWorkload{}
	case WorkloadListAppend:
		return &listWorkload{}
	case WorkloadQueue:
		return queueWorkload{}
	}
	return registerWorkload{}
}
