package jepsen

import (
	"context"
	"fmt"
)

// The loss nemesis: a share of the packets between the target nodes and
// the others is dropped, each packet drawn independently (Cluster.SetLoss;
// nftables in tester/netns, as the kernel here has no netem). A start
// replaces the loss in force; a stop removes it from every node.

// LossKinds are the kinds a loss start draws its targets from.
var LossKinds = []string{TargetOne, TargetMinority, TargetAll}

// The share of packets a loss start drops: from light (TCP hides it behind
// retransmissions) to heavy (connections stall for seconds).
const (
	lossPercentMin = 10
	lossPercentMax = 50
)

// startLoss applies a loss start event; it returns the op's result.
func (n *nemesis) startLoss(ctx context.Context, e Event) string {
	n.stopLoss(ctx)
	return n.each(e.Nodes, func(id string) string {
		if err := n.c.SetLoss(ctx, id, e.Percent); err != nil {
			return fmt.Sprintf("%q", err.Error())
		}
		n.mu.Lock()
		n.lossy[id] = true
		n.mu.Unlock()
		return fmt.Sprintf(":loss %d%%", e.Percent)
	})
}

// stopLoss removes the loss from every node that has one.
func (n *nemesis) stopLoss(ctx context.Context) string {
	return n.each(n.set(n.lossy), func(id string) string {
		if err := n.c.SetLoss(ctx, id, 0); err != nil {
			return fmt.Sprintf("%q", err.Error())
		}
		n.mu.Lock()
		delete(n.lossy, id)
		n.mu.Unlock()
		return ":no-loss"
	})
}
