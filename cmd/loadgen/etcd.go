package main

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdWorkersPerConnDefault is the default number of workers sharing one
// clientv3 client (one HTTP/2 connection per endpoint) when -etcd-conns is 0.
const etcdWorkersPerConnDefault = 8

// etcdStore shares a few clientv3 clients among the workers: gRPC runs
// concurrent requests as streams over one connection (see doc.go).
type etcdStore struct {
	clients []*etcdClient
	nodes   []string
}

type etcdClient struct{ c *clientv3.Client }

func (c *etcdClient) set(ctx context.Context, key string, value []byte) error {
	_, err := c.c.Put(ctx, key, string(value))
	return err
}

// get is a linearizable Range: clientv3's default without WithSerializable.
func (c *etcdClient) get(ctx context.Context, key string) error {
	_, err := c.c.Get(ctx, key)
	return err
}

func (c *etcdClient) fill(ctx context.Context, keys []string, value []byte) error {
	ops := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		ops[i] = clientv3.OpPut(k, string(value))
	}
	_, err := c.c.Txn(ctx).Then(ops...).Commit()
	return err
}

func newEtcdClient(endpoints []string) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: dialTimeout})
}

func openEtcd(ctx context.Context, addrs []string, o openOptions) (store, error) {
	eps := make([]string, len(addrs))
	for i, a := range addrs {
		eps[i] = "http://" + a
	}
	nodes := eps[:1]
	switch o.nodes {
	case nodesAll:
		nodes = eps
	case nodesLeader:
		leader, err := etcdLeader(ctx, eps)
		if err != nil {
			return nil, err
		}
		nodes = []string{leader}
	}
	n := o.etcdConns
	if n <= 0 {
		per := max(o.etcdWorkersPerConn, 1)
		n = (o.workers + per - 1) / per
	}
	n = min(max(n, 1), o.workers)
	s := &etcdStore{nodes: nodes}
	for range n {
		c, err := newEtcdClient(nodes)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("loadgen: etcd client for %v: %w", nodes, err)
		}
		s.clients = append(s.clients, &etcdClient{c})
		// Connect now (a serializable read touches no quorum), so the
		// warm-up does not pay for dials.
		pctx, cancel := context.WithTimeout(ctx, dialTimeout)
		_, err = c.Get(pctx, "loadgen-connect", clientv3.WithSerializable())
		cancel()
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("loadgen: connect %v: %w", nodes, err)
		}
	}
	return s, nil
}

// etcdLeader returns the endpoint whose member is the leader, by asking
// each endpoint's Status.
func etcdLeader(ctx context.Context, eps []string) (string, error) {
	c, err := newEtcdClient(eps)
	if err != nil {
		return "", fmt.Errorf("loadgen: etcd client: %w", err)
	}
	defer c.Close()
	var errs []error
	for _, ep := range eps {
		sctx, cancel := context.WithTimeout(ctx, dialTimeout)
		st, err := c.Status(sctx, ep)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ep, err))
			continue
		}
		if st.Header.MemberId == st.Leader && st.Leader != 0 {
			return ep, nil
		}
	}
	errs = append(errs, errors.New("no endpoint reports itself as leader"))
	return "", fmt.Errorf("loadgen: etcd leader: %w", errors.Join(errs...))
}

func (s *etcdStore) client(i int) kvClient { return s.clients[i%len(s.clients)] }

func (s *etcdStore) describe() storeInfo {
	return storeInfo{Nodes: s.nodes, Conns: len(s.clients)}
}

func (s *etcdStore) Close() error {
	var errs []error
	for _, c := range s.clients {
		errs = append(errs, c.c.Close())
	}
	return errors.Join(errs...)
}
