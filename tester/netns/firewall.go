package netns

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// tableName is the nftables table each namespace's partition rules live in.
const tableName = "redraft_partition"

// Partition installs a grudge: for every destination node, the source
// nodes whose packets it drops. Each destination's namespace gets a table
// with one input rule dropping those source addresses; a destination
// without sources gets an empty table. The previous partition is replaced
// atomically per namespace (nft -f runs as one transaction). Packets from
// the bridge address (the test's clients) are never dropped.
func (c *Cluster) Partition(ctx context.Context, grudge map[string]map[string]bool) error {
	c.faultMu.Lock()
	defer c.faultMu.Unlock()
	for dest, srcs := range grudge {
		if err := c.check(dest); err != nil {
			return err
		}
		for s := range srcs {
			if err := c.check(s); err != nil {
				return err
			}
		}
	}
	for _, id := range c.ids {
		var addrs []string
		for s, cut := range grudge[id] {
			if cut && s != id {
				addrs = append(addrs, c.Addr(s).String())
			}
		}
		sort.Strings(addrs)
		if _, err := run(ctx, []byte(rules(addrs)), "ip", "netns", "exec", c.Namespace(id), "nft", "-f", "-"); err != nil {
			return fmt.Errorf("netns: partition %s: %w", id, err)
		}
	}
	return nil
}

// Heal removes every partition rule.
func (c *Cluster) Heal(ctx context.Context) error {
	return c.Partition(ctx, nil)
}

// rules is the nft script that replaces the table with one dropping addrs.
// "add table" then "delete table" makes the delete succeed whether or not
// the table existed.
func rules(addrs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "add table inet %s\ndelete table inet %s\n", tableName, tableName)
	if len(addrs) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "table inet %s {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n", tableName)
	fmt.Fprintf(&b, "\t\tip saddr { %s } drop\n\t}\n}\n", strings.Join(addrs, ", "))
	return b.String()
}

// Rules lists the node's current nftables ruleset (for reports and tests).
func (c *Cluster) Rules(ctx context.Context, id string) (string, error) {
	if err := c.check(id); err != nil {
		return "", err
	}
	out, err := run(ctx, nil, "ip", "netns", "exec", c.Namespace(id), "nft", "list", "ruleset")
	return string(out), err
}
