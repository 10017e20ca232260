package jepsen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Outcome types, in Jepsen's words.
const (
	TypeOk   = "ok"
	TypeFail = "fail"
	TypeInfo = "info"
)

// dialTimeout bounds a connection attempt; a partitioned or paused node
// does not answer SYNs, and a fast retry serves the next op sooner.
const dialTimeout = time.Second

// newClient is one thread's connection to one node: one connection, no
// retries (a retried write could apply twice, and the history must show
// each attempt), timeouts that turn into info.
func newClient(addr string, timeout time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:            addr,
		Protocol:        2,
		DisableIdentity: true,
		MaxRetries:      -1,
		DialTimeout:     dialTimeout,
		DialerRetries:   1, // the history shows each attempt; the next op dials again
		ReadTimeout:     timeout,
		WriteTimeout:    timeout,
		PoolSize:        1,
		PoolTimeout:     timeout,
		// The op's context carries the client timeout; without this a
		// blocking command (BRPOP, BLMOVE) would wait its block time
		// plus go-redis's 10 s allowance instead.
		ContextTimeoutEnabled: true,
	})
}

// definite are the first words of Redraft's replies that say a command did
// not run (docs/replication.md, kv's CAS).
var definite = map[string]bool{
	"CLUSTERDOWN": true, // no leader known or reachable
	"NOTLEADER":   true, // leadership moved before proposal
	"SHUTDOWN":    true, // the node is stopping
	"MOVED":       true, // --redirect followers
	"NOKEY":       true, // CAS of a missing key
	"CASFAIL":     true, // CAS whose expected value differs
	"WRONGTYPE":   true,
	"EXECABORT":   true, // a command of the MULTI was refused while queuing: nothing ran
}

// Classify maps a command's error to an outcome type and its history text:
// nil is ok; a Redis error reply whose first word is a definite refusal is
// fail, and so is a connection that could not be made (the command was
// never sent); -UNCERTAIN, any other reply error, a timeout, a dropped or refused
// connection is info.
func Classify(err error) (string, string) {
	if err == nil || errors.Is(err, redis.Nil) {
		return TypeOk, ""
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		word, _, _ := strings.Cut(msg, " ")
		if definite[word] {
			return TypeFail, msg
		}
		return TypeInfo, msg
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		// No connection: the command was never sent.
		return TypeFail, ":conn-refused " + oe.Err.Error()
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return TypeInfo, ":timeout"
	}
	return TypeInfo, ":conn " + err.Error()
}

func init() {
	// go-redis logs every failed dial; the history records them already.
	redis.SetLogger(quietLogger{})
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// leaderQueryTimeout bounds the RAFT INFO round that finds the leader.
const leaderQueryTimeout = 1500 * time.Millisecond

// FindLeader asks every node (addrs: id -> RESP address) for RAFT INFO at
// once and returns the node that says it is leader in the highest term, or
// "" when none does within leaderQueryTimeout.
func FindLeader(ctx context.Context, addrs map[string]string) string {
	ctx, cancel := context.WithTimeout(ctx, leaderQueryTimeout)
	defer cancel()
	type answer struct {
		id   string
		term uint64
	}
	var mu sync.Mutex
	var best answer
	var wg sync.WaitGroup
	for id, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, err := raftInfo(ctx, addr)
			if err != nil || info["role"] != "leader" {
				return
			}
			term, _ := strconv.ParseUint(info["term"], 10, 64)
			mu.Lock()
			if best.id == "" || term > best.term || term == best.term && id < best.id {
				best = answer{id, term}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return best.id
}

// raftInfo reads RAFT INFO's name:value lines.
func raftInfo(ctx context.Context, addr string) (map[string]string, error) {
	c := newClient(addr, leaderQueryTimeout)
	defer c.Close()
	s, err := c.Do(ctx, "RAFT", "INFO").Text()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// removeTimeout bounds one RAFT REMOVE attempt; the leader answers once the
// new configuration is committed.
const removeTimeout = 5 * time.Second

// Retries of RAFT REMOVE: a removal is refused while no leader is known
// (an election after a fault), and one whose reply was lost or uncertain
// is settled by asking again (removing a node that is no longer a member
// changes nothing and answers OK).
const (
	removeRetryFor   = 2 * time.Second // the nemesis waits meanwhile: keep it short
	removeRetryPause = 300 * time.Millisecond
)

// ErrRemoveUncertain wraps a failed RemoveNode in which some attempt's
// outcome was unknown (ERR leadership lost, a timeout, a dropped
// connection): the removal may still take effect.
var ErrRemoveUncertain = errors.New("jepsen: the removal may have taken effect")

// RemoveNode sends RAFT REMOVE id to the nodes of addrs in id order until
// one answers OK (a follower passes it on to the leader), in rounds for up
// to removeRetryFor, and returns that node. When every attempt failed and
// one of them with an unknown outcome, the error wraps ErrRemoveUncertain.
func RemoveNode(ctx context.Context, addrs map[string]string, id string) (string, error) {
	if len(addrs) == 0 {
		return "", fmt.Errorf("jepsen: no live node to send RAFT REMOVE %s to", id)
	}
	uncertain := false
	ids := make([]string, 0, len(addrs))
	for other := range addrs {
		ids = append(ids, other)
	}
	sort.Strings(ids)
	deadline := time.Now().Add(removeRetryFor)
	var errs []string // distinct errors, first seen first
	seen := map[string]bool{}
	for round := 1; ; round++ {
		for _, other := range ids {
			c := newClient(addrs[other], removeTimeout)
			rctx, cancel := context.WithTimeout(ctx, removeTimeout)
			err := c.Do(rctx, "RAFT", "REMOVE", id).Err()
			cancel()
			c.Close()
			if err == nil {
				return other, nil
			}
			if typ, _ := Classify(err); typ == TypeInfo {
				uncertain = true
			}
			if e := other + ": " + err.Error(); !seen[e] {
				seen[e] = true
				errs = append(errs, e)
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			err := fmt.Errorf("jepsen: no node removed %s in %d rounds: %s", id, round, strings.Join(errs, "; "))
			if uncertain {
				err = fmt.Errorf("%w: %w", ErrRemoveUncertain, err)
			}
			return "", err
		}
		select {
		case <-ctx.Done():
		case <-time.After(removeRetryPause):
		}
	}
}
