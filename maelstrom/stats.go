package maelstrom

import (
	"bytes"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// statsInterval is how often a node logs its message counts. The runner
// SIGKILLs nodes at the end of a test, so the counts are logged as they
// grow rather than at shutdown.
const statsInterval = 5 * time.Second

// msgCounts counts the messages a node sends, by kind, so that a test's
// node logs show where the server-to-server traffic goes. Kinds:
//
//   - the body type of every line written to stdout (raft_append, raft_ok,
//     fwd, fwd_ok, error, ...; to clients as client:<type>), parts and
//     resent copies included: these add up to the runner's send count;
//   - append.heartbeat, append.entries, append.empty: the AppendEntries
//     calls raft makes (first copies), by shape: a heartbeat, one carrying
//     log entries, or one without entries that is not a heartbeat (commit
//     index news and probes);
//   - append.heartbeat.quick: heartbeats that followed the previous one to
//     the same peer by less than a tenth of the heartbeat timeout, which
//     raft's heartbeat timer never does: they were triggered by a
//     VerifyLeader (a read barrier round);
//   - resend: copies of an unanswered request sent again.
type msgCounts struct {
	mu sync.Mutex
	n  map[string]uint64
}

func newMsgCounts() *msgCounts { return &msgCounts{n: map[string]uint64{}} }

func (c *msgCounts) add(kind string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.n[kind]++
	c.mu.Unlock()
}

// line counts one stdout line by its body type and destination.
func (c *msgCounts) line(line []byte) {
	if c == nil {
		return
	}
	kind := "?"
	if i := bytes.Index(line, []byte(`"body":{"type":"`)); i >= 0 {
		rest := line[i+len(`"body":{"type":"`):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			kind = string(rest[:j])
		}
	}
	if i := bytes.Index(line, []byte(`"dest":"c`)); i >= 0 {
		kind = "client:" + kind
	}
	c.add(kind)
}

// attrs returns the counts as log attributes, sorted by kind.
func (c *msgCounts) attrs() []any {
	c.mu.Lock()
	kinds := make([]string, 0, len(c.n))
	for k := range c.n {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	out := make([]any, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, slog.Uint64(k, c.n[k]))
	}
	c.mu.Unlock()
	return out
}

// get returns one count (tests).
func (c *msgCounts) get(kind string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[kind]
}
