package netns

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// lossTable is the nftables table of a node's packet loss, apart from the
// partition's so that each can change without touching the other.
const lossTable = "redraft_loss"

// SetLoss makes node id lose percent of the packets it exchanges with the
// other nodes, each packet drawn independently (nftables' numgen random),
// in both directions; 0 removes the loss. This kernel has no netem
// (CONFIG_NET_SCH_NETEM is not set), so latency, jitter and reordering
// are out of reach; loss is what nftables can do, and TCP turns it into
// retransmissions, delays of 200 ms and more, and stalled connections.
// Packets to and from the bridge address (the test's clients) are never
// dropped, as with partitions.
func (c *Cluster) SetLoss(ctx context.Context, id string, percent int) error {
	if err := c.check(id); err != nil {
		return err
	}
	if percent < 0 || percent > 100 {
		return fmt.Errorf("netns: loss %d%%: want 0 to 100", percent)
	}
	var peers []string
	for _, other := range c.ids {
		if other != id {
			peers = append(peers, c.Addr(other).String())
		}
	}
	sort.Strings(peers)
	c.faultMu.Lock()
	defer c.faultMu.Unlock()
	if _, err := run(ctx, []byte(lossRules(peers, percent)), "ip", "netns", "exec", c.Namespace(id), "nft", "-f", "-"); err != nil {
		return fmt.Errorf("netns: loss %s: %w", id, err)
	}
	return nil
}

// lossRules is the nft script that replaces the loss table with one
// dropping percent of the packets from and to peers.
func lossRules(peers []string, percent int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "add table inet %s\ndelete table inet %s\n", lossTable, lossTable)
	if percent == 0 || len(peers) == 0 {
		return b.String()
	}
	set := strings.Join(peers, ", ")
	match := fmt.Sprintf("numgen random mod 100 < %d ", percent)
	if percent == 100 { // nft wants the bound within the modulus
		match = ""
	}
	fmt.Fprintf(&b, "table inet %s {\n", lossTable)
	fmt.Fprintf(&b, "\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n")
	fmt.Fprintf(&b, "\t\tip saddr { %s } %sdrop\n\t}\n", set, match)
	fmt.Fprintf(&b, "\tchain output {\n\t\ttype filter hook output priority 0; policy accept;\n")
	fmt.Fprintf(&b, "\t\tip daddr { %s } %sdrop\n\t}\n}\n", set, match)
	return b.String()
}
