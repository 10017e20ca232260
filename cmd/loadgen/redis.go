package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// dialTimeout bounds connecting and the leader lookup.
const dialTimeout = 5 * time.Second

// redisStore gives each worker its own RESP connection.
type redisStore struct {
	clients []*redisClient
	nodes   []string
}

type redisClient struct{ c *redis.Client }

func (c *redisClient) set(ctx context.Context, key string, value []byte) error {
	return c.c.Set(ctx, key, value, 0).Err()
}

func (c *redisClient) get(ctx context.Context, key string) error {
	err := c.c.Get(ctx, key).Err()
	if errors.Is(err, redis.Nil) {
		return nil // a missing key is an answer, not an error
	}
	return err
}

func (c *redisClient) fill(ctx context.Context, keys []string, value []byte) error {
	_, err := c.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Set(ctx, k, value, 0)
		}
		return nil
	})
	return err
}

func newRedisClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                  addr,
		PoolSize:              1, // one connection per worker, as a RESP client has
		MaxActiveConns:        1,
		PipelinePoolSize:      -1, // the fill pipelines use that connection too
		MaxRetries:            -1, // a retried SET would hide an unknown outcome
		DialTimeout:           dialTimeout,
		ContextTimeoutEnabled: true, // the per-operation -timeout applies
		DisableIdentity:       true, // no CLIENT SETINFO on connect
	})
}

func openRedis(ctx context.Context, addrs []string, o openOptions) (store, error) {
	nodes := addrs[:1]
	switch o.nodes {
	case nodesAll:
		nodes = addrs
	case nodesLeader:
		leader, err := redisLeader(ctx, addrs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: no Raft leader found (%v); using %s\n", err, addrs[0])
		} else {
			nodes = []string{leader}
		}
	}
	s := &redisStore{nodes: nodes}
	for i := range o.workers {
		c := newRedisClient(nodes[i%len(nodes)])
		s.clients = append(s.clients, &redisClient{c})
		// Connect now, so the warm-up does not pay for dials.
		pctx, cancel := context.WithTimeout(ctx, dialTimeout)
		err := c.Ping(pctx).Err()
		cancel()
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("loadgen: connect %s: %w", nodes[i%len(nodes)], err)
		}
	}
	return s, nil
}

// redisLeader asks the first address that answers RAFT INFO for the
// leader's client address.
func redisLeader(ctx context.Context, addrs []string) (string, error) {
	var errs []error
	for _, a := range addrs {
		c := newRedisClient(a)
		lctx, cancel := context.WithTimeout(ctx, dialTimeout)
		info, err := c.Do(lctx, "RAFT", "INFO").Text()
		cancel()
		c.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a, err))
			continue
		}
		if leader := infoField(info, "leader_client_addr"); leader != "" {
			return leader, nil
		}
		errs = append(errs, fmt.Errorf("%s: no leader_client_addr in RAFT INFO", a))
	}
	return "", errors.Join(errs...)
}

// infoField returns the value of a name:value line of an INFO-style reply.
func infoField(info, name string) string {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), name+":"); ok {
			return v
		}
	}
	return ""
}

func (s *redisStore) client(i int) kvClient { return s.clients[i] }

func (s *redisStore) describe() storeInfo {
	return storeInfo{Nodes: s.nodes, Conns: len(s.clients)}
}

func (s *redisStore) Close() error {
	var errs []error
	for _, c := range s.clients {
		errs = append(errs, c.c.Close())
	}
	return errors.Join(errs...)
}
