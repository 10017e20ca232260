package runner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"redraft/tester/history"
	"redraft/tester/schedule"
)

// runNemesis applies the planned events at their times until the test
// ends. Maelstrom has no final heal: faults in force at the end stay.
func (r *run) runNemesis(ctx context.Context, events []NemesisEvent) {
	schedule.Play(ctx, events, func(e NemesisEvent) time.Duration { return e.At }, r.since, r.apply)
}

func (r *run) apply(ctx context.Context, e NemesisEvent) {
	op := history.NemesisOp{Invoke: r.since()}
	switch {
	case e.Fault == FaultPartition && e.Start:
		op.F, op.Value = "start-partition", ":"+e.Kind
		r.net.SetGrudge(e.Grudge)
		op.Result = "[:isolated " + e.Grudge.String() + "]"
		r.windows.Open(e.Fault, e.Kind+" "+e.Grudge.String(), op.Invoke)
	case e.Fault == FaultPartition:
		op.F, op.Value = "stop-partition", "nil"
		r.net.SetGrudge(nil)
		op.Result = ":network-healed"
		r.windows.Close(e.Fault, r.since())
	case e.Fault == FaultKill && e.Start:
		op.F, op.Value = "kill", ":"+e.Kind
		r.mu.Lock()
		for _, id := range e.Nodes {
			r.killed[id] = true
		}
		r.mu.Unlock()
		for _, id := range e.Nodes {
			r.byID[id].kill()
		}
		op.Result = nodeMap(e.Nodes, ":killed")
		r.windows.Open(e.Fault, strings.Join(e.Nodes, " "), op.Invoke)
	case e.Fault == FaultKill:
		op.F, op.Value = "start", ":all"
		op.Result = r.restartKilled(ctx)
		r.windows.Close(e.Fault, r.since())
	case e.Fault == FaultPause && e.Start:
		op.F, op.Value = "pause", ":"+e.Kind
		res := map[string]string{}
		for _, id := range e.Nodes {
			if err := r.byID[id].signal(pauseSignal); err != nil {
				res[id] = fmt.Sprintf("%q", err.Error())
				continue
			}
			res[id] = ":paused"
			r.mu.Lock()
			r.paused[id] = true
			r.mu.Unlock()
		}
		op.Result = history.ResultMap(res)
		r.windows.Open(e.Fault, strings.Join(e.Nodes, " "), op.Invoke)
	case e.Fault == FaultPause:
		op.F, op.Value = "resume", ":all"
		r.mu.Lock()
		var ids []string
		for id := range r.paused {
			ids = append(ids, id)
		}
		r.paused = map[string]bool{}
		r.mu.Unlock()
		sort.Strings(ids)
		for _, id := range ids {
			_ = r.byID[id].signal(resumeSignal)
		}
		op.Result = nodeMap(ids, ":resumed")
		r.windows.Close(e.Fault, r.since())
	}
	op.End = r.since()
	r.mu.Lock()
	r.nemOps = append(r.nemOps, op)
	r.mu.Unlock()
}

// restartKilled starts every killed node again with the same id and sends
// it init from a new temporary client. A node counts as up once it
// answered init.
func (r *run) restartKilled(ctx context.Context) string {
	r.mu.Lock()
	var ids []string
	for id := range r.killed {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	sort.Strings(ids)
	res := map[string]string{}
	for _, id := range ids {
		n := r.byID[id]
		// A paused node that was killed is not paused any more.
		r.mu.Lock()
		delete(r.paused, id)
		r.mu.Unlock()
		if err := n.start(); err != nil {
			res[id] = fmt.Sprintf("%q", err.Error())
			continue
		}
		if err := r.initNode(ctx, id, r.newClientID()); err != nil {
			res[id] = fmt.Sprintf("%q", err.Error())
			continue
		}
		res[id] = ":started"
		r.mu.Lock()
		delete(r.killed, id)
		r.mu.Unlock()
	}
	return history.ResultMap(res)
}

// nodeMap renders the same result v for every node, as Jepsen prints
// nemesis results.
func nodeMap(ids []string, v string) string {
	m := map[string]string{}
	for _, id := range ids {
		m[id] = v
	}
	return history.ResultMap(m)
}
