package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// kvClient is one worker's handle on the store under test.
type kvClient interface {
	set(ctx context.Context, key string, value []byte) error
	get(ctx context.Context, key string) error
	// fill writes value under every key in one round trip where the
	// target allows it (a Redis pipeline, an etcd transaction); at most
	// fillBatchMax keys.
	fill(ctx context.Context, keys []string, value []byte) error
}

// fillBatchMax bounds a fill batch: below etcd's default --max-txn-ops (128).
const fillBatchMax = 100

// store is a connected target: a kvClient per worker, shared or not.
type store interface {
	// client returns worker i's handle (0 <= i < the worker count given
	// when the store was opened).
	client(i int) kvClient
	// describe says which nodes and how many connections are in use.
	describe() storeInfo
	Close() error
}

type storeInfo struct {
	Nodes []string // addresses the workers talk to
	Conns int      // client connections (Redis) or clientv3 clients (etcd)
}

// Node selection modes (-nodes).
const (
	nodesLeader = "leader"
	nodesFirst  = "first"
	nodesAll    = "all"
)

var (
	errTargetScheme = errors.New("loadgen: target must start with redis:// or etcd://")
	errTargetAddr   = errors.New("loadgen: target address must be host:port")
	errNodesMode    = errors.New("loadgen: -nodes must be leader, first or all")
)

// target is a parsed -target.
type target struct {
	scheme string // "redis" or "etcd"
	addrs  []string
}

// parseTarget parses redis://host:port[,host:port...] or
// etcd://host:port[,host:port...].
func parseTarget(s string) (target, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "redis" && scheme != "etcd") {
		return target{}, fmt.Errorf("%w: %q", errTargetScheme, s)
	}
	t := target{scheme: scheme}
	for a := range strings.SplitSeq(strings.TrimSuffix(rest, "/"), ",") {
		if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
			return target{}, fmt.Errorf("%w: %q", errTargetAddr, a)
		}
		t.addrs = append(t.addrs, a)
	}
	return t, nil
}

// openOptions are the connection settings common to both targets.
type openOptions struct {
	workers            int
	nodes              string // nodesLeader, nodesFirst or nodesAll
	etcdConns          int    // 0: ceil(workers / etcdWorkersPerConn)
	etcdWorkersPerConn int
}

// open connects to the target with one handle per worker.
func open(ctx context.Context, t target, o openOptions) (store, error) {
	switch o.nodes {
	case nodesLeader, nodesFirst, nodesAll:
	default:
		return nil, fmt.Errorf("%w: %q", errNodesMode, o.nodes)
	}
	if t.scheme == "etcd" {
		return openEtcd(ctx, t.addrs, o)
	}
	return openRedis(ctx, t.addrs, o)
}
