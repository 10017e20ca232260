package jepsen

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Queue workload: producers LPUSH elements unique across the test onto
// queueKey; consumers BRPOP from it (dequeue) or BLMOVE its tail onto
// queueMovedKey (move, the reliable-queue pattern), and a few BRPOP from
// queueMovedKey (consuming what was moved). Blocking commands wait up to
// queueBlock, well inside the client timeout. The final phase reads both
// lists whole (LRANGE): what is still queued or moved.
const (
	queueKey      = "queue0"
	queueMovedKey = "queue0-moved"
	queueBlock    = time.Second
)

// Shares of the ops, out of 10: enqueue 5, dequeue from the queue 2, move
// 2, dequeue from the moved list 1 (consumers slightly outpace producers
// in count, but block when empty, so neither list grows without bound).
const (
	queueEnqueueShare = 5
	queueDequeueShare = 2
	queueMoveShare    = 2
)

type queueWorkload struct{}

func (queueWorkload) next(th *thread, _ int64) Op {
	switch r := th.rng.IntN(10); {
	case r < queueEnqueueShare:
		e := th.adds*int64(th.count) + int64(th.index)
		th.adds++
		return Op{F: "enqueue", Key: queueKey, Value: strconv.FormatInt(e, 10)}
	case r < queueEnqueueShare+queueDequeueShare:
		return Op{F: "dequeue", Key: queueKey}
	case r < queueEnqueueShare+queueDequeueShare+queueMoveShare:
		return Op{F: "move", Key: queueKey, To: queueMovedKey}
	default:
		return Op{F: "dequeue", Key: queueMovedKey}
	}
}

func (queueWorkload) exec(ctx context.Context, c *redis.Client, o *Op) error {
	switch o.F {
	case "enqueue":
		return c.LPush(ctx, o.Key, o.Value).Err()
	case "dequeue":
		kv, err := c.BRPop(ctx, queueBlock, o.Key).Result()
		if err == nil && len(kv) == 2 {
			o.Read = &kv[1]
		}
		return err
	case "move":
		v, err := c.BLMove(ctx, o.Key, o.To, "RIGHT", "LEFT", queueBlock).Result()
		if err == nil {
			o.Read = &v
		}
		return err
	}
	// The final phase.
	l, err := lrange(ctx, c, o.Key)
	if err == nil {
		o.Elements = l
	}
	return err
}

func (queueWorkload) finalKeys() []string { return []string{queueKey, queueMovedKey} }
