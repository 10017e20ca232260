package sim

// The restore scenario (Options.Restore; issue 11): a cluster restored
// from a snapshot, as `kv restore` restores one, under load and faults.
//
// A source cluster takes the workload for restoreSourceFor without
// faults, converges, and its leader takes a snapshot (index S). It is shut
// down; a new cluster of fresh nodes is seeded from that snapshot with
// replication.SeedStores, the code path of SeedFromSnapshot, on the
// simulated disks and object stores; then it starts, elects a leader and
// takes the rest of the workload, with the same clients and history, under
// RestoreSchedule: lost replies to the first appends, then partitions,
// crashes and lost replies that hit followers (and on half the seeds the
// leader too). Checks: everything Run checks (every acknowledged write of
// the source survives in the restored cluster, linearizability across
// both, identical snapshots), and every node catches up with the leader
// when the faults end without help: healing that needs a leader snapshot
// is a violation here.
//
// Before the fix, a seeded node's log was empty and continued at S+1;
// hashicorp/raft v1.8.0 then rejects, forever, an AppendEntries whose
// previous entry is S once the follower stored entries past S (the
// retransmission after a lost reply). RestoreWithoutBoundaryEntry seeds
// that way, and TestCatchesRestoreWedge shows the scenario catches it.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"redraft/replication"
	"redraft/replication/snapshot/objstore"
)

const (
	// restoreSourceFor is how long the source cluster takes writes
	// before its snapshot.
	restoreSourceFor = 3 * time.Second
	// restoreTrailingLogs and restoreSnapshotThreshold keep the restored
	// cluster from taking snapshots of its own during the run (see
	// Options.defaults).
	restoreTrailingLogs      = 10240
	restoreSnapshotThreshold = 8192
	// seedAttempts bounds the seeding of one node: the new node's object
	// store may fail calls by injection; an operator runs kv restore
	// again on a wiped node.
	seedAttempts = 10
	// seedMax bounds one seeding.
	seedMax = 30 * time.Second
)

// RestoreSchedule draws the restored cluster's fault schedule from the
// seed. It opens with lost replies to appends (probability 0.3-0.8 for
// 1-3 s), in force from the moment the restored nodes start, so the new
// leader's first appends are answered or not at random; then a fault
// starts every 0.3-1.5 s until d: partitions cutting a follower off (both
// ways, or one way), lost replies, message loss, latency, and crashes of
// a follower. On one seed in two, partitions and crashes may also hit the
// leader (a leader change ends the wedge the scenario looks for, so it
// needs seeds without). No membership or snapshot faults: the restored
// cluster keeps the log the seeding gave it.
func RestoreSchedule(seed uint64, nodes int, d time.Duration) []Fault {
	rng := rand.New(rand.NewPCG(seed, 0x5e57))
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
	leaderFaults := rng.IntN(2) == 0
	target := func() (int, int) {
		alt := rng.IntN(nodes)
		if leaderFaults && rng.IntN(3) == 0 {
			return -1, alt
		}
		return -2, alt
	}
	first := Fault{At: 0, Kind: FaultReplyLoss, Dur: between(time.Second, 3*time.Second), P: 0.3 + 0.5*rng.Float64()}
	out := []Fault{first}
	busyUntil := map[FaultKind]time.Duration{FaultReplyLoss: first.Dur}
	for at := first.Dur + between(200*time.Millisecond, time.Second); at < d; at += between(300*time.Millisecond, 1500*time.Millisecond) {
		f := Fault{At: at}
		switch r := rng.IntN(100); {
		case r < 35:
			f.Kind = FaultPartition
			f.Dur = between(200*time.Millisecond, 3*time.Second)
			f.Shape = []string{ShapeIsolate, ShapeOneWayIn, ShapeOneWayOut}[rng.IntN(3)]
			f.Target, f.Alt = target()
			f.Perm = rng.Perm(nodes)
		case r < 55:
			f.Kind = FaultReplyLoss
			f.Dur = between(500*time.Millisecond, 3*time.Second)
			f.P = 0.2 + 0.5*rng.Float64()
		case r < 65:
			f.Kind = FaultLoss
			f.Dur = between(500*time.Millisecond, 3*time.Second)
			f.P = 0.05 + 0.15*rng.Float64()
		case r < 75:
			f.Kind = FaultSlow
			f.Dur = between(500*time.Millisecond, 3*time.Second)
			f.LatMin = between(time.Millisecond, 10*time.Millisecond)
			f.LatMax = f.LatMin + between(time.Millisecond, 40*time.Millisecond)
			f.Reorder = rng.IntN(2) == 0
		default:
			f.Kind = FaultCrash
			f.Dur = between(50*time.Millisecond, 3*time.Second)
			f.Target, f.Alt = target()
		}
		switch f.Kind {
		case FaultLoss, FaultSlow, FaultReplyLoss:
			if at < busyUntil[f.Kind] {
				continue
			}
			busyUntil[f.Kind] = at + f.Dur
		}
		out = append(out, f)
	}
	return out
}

// restoreCluster runs the source cluster with the clients, snapshots it
// and returns the restored cluster, started, with the instant its schedule
// starts (the first fault is applied before its nodes start) and the
// source cluster's violations.
func restoreCluster(opts Options, tr *Trace, clients []*client, sched []Fault) (_ *Cluster, start time.Time, violations []string, err error) {
	src := newCluster(opts, tr)
	if err := src.boot(); err != nil {
		src.shutdown()
		return nil, start, nil, fmt.Errorf("source cluster: %w", err)
	}
	stopMon := src.startMonitor()
	drive(src, clients, nil, time.Now(), restoreSourceFor, false)
	from, fromObj, index, err := src.restoreSource()
	stopMon()
	src.shutdown()
	violations = src.mon.violations()
	if err != nil {
		return nil, start, violations, fmt.Errorf("source cluster: %w", err)
	}
	tr.Eventf("restore: source cluster shut down; seeding a new cluster from %s's snapshot at index %d", from, index)

	c := newCluster(opts, tr)
	for i := range c.nodes {
		if err := c.seed(i, from, fromObj); err != nil {
			return nil, start, violations, err
		}
	}
	c.net.onSnapshot = func(from, to string, index uint64) {
		c.mon.violation("restored cluster: leader %s sent its snapshot at index %d to %s: the follower rejected an append at the snapshot boundary (the snapshot-boundary wedge, docs/replication.md)", from, index, to)
	}
	if len(sched) > 0 && sched[0].At == 0 && sched[0].Kind == FaultReplyLoss {
		c.net.SetReplyLoss(sched[0].P)
	}
	start = time.Now()
	c.life.Lock()
	for i := range c.nodes {
		if err := c.startLocked(i, false); err != nil {
			c.life.Unlock()
			c.shutdown()
			return nil, start, violations, fmt.Errorf("restored cluster: %w", err)
		}
	}
	c.life.Unlock()
	return c, start, violations, nil
}

// restoreSource lets the source cluster converge and snapshots its
// leader: it returns the leader's ID, its object store (faults off from
// now on: kv restore reads a store at rest) and the snapshot's index.
func (c *Cluster) restoreSource() (string, *objstore.Sim, uint64, error) {
	if err := c.heal(); err != nil {
		return "", nil, 0, err
	}
	li, ld, ok := c.leader()
	if !ok {
		return "", nil, 0, errors.New("no leader")
	}
	_, index, err := c.snapshot(ld.sn)
	if err != nil {
		return "", nil, 0, fmt.Errorf("snapshot of the leader %s: %w", ld.sn.id, err)
	}
	sd, ok := c.nodes[li].snaps.(*segmentDisk)
	if !ok {
		return "", nil, 0, errors.New("the restore scenario needs the segment snapshot store (Options.NewSnapshotDisk unset)")
	}
	obj, err := sd.objects()
	if err == nil {
		err = obj.SetFaults(objstore.SimFaults{})
	}
	return ld.sn.id, obj, index, err
}

// seed seeds node i's disks from node from's snapshots in fromObj, as kv
// restore does, wiping them and trying again when the node's object store
// failed a call.
func (c *Cluster) seed(i int, from string, fromObj *objstore.Sim) error {
	sn := c.nodes[i]
	sd, ok := sn.snaps.(*segmentDisk)
	if !ok {
		return errors.New("the restore scenario needs the segment snapshot store")
	}
	var err error
	for a := 0; a < seedAttempts; a++ {
		var obj *objstore.Sim
		if obj, err = sd.objects(); err != nil {
			return err
		}
		logs, stable := sn.disk.Open()
		ctx, cancel := context.WithTimeout(context.Background(), seedMax)
		var seeded *replication.Seeded
		seeded, err = replication.SeedStores(ctx, replication.SeedConfig{
			From: fromObj, FromNode: from, ID: sn.id, SnapshotObjects: obj, Voters: c.peers(),
			LogOutput: c.trace.NodeLog(sn.id, 0), UnsafeOmitBoundaryEntry: c.opts.RestoreWithoutBoundaryEntry,
		}, logs, stable)
		cancel()
		if err == nil {
			c.trace.Eventf("restore: seeded %s from %s's snapshot %s (index %d, term %d)", sn.id, from, seeded.Snapshot.ID, seeded.Snapshot.Index, seeded.Snapshot.Term)
			return nil
		}
		c.trace.Eventf("restore: seeding %s failed (%v): wipe, again", sn.id, err)
		sn.disk.Wipe()
		sn.snaps.Wipe()
	}
	return fmt.Errorf("seeding %s: %w", sn.id, err)
}

// checkRestored checks that every node of the restored cluster caught up
// without help once it healed: healing that had to snapshot the leader
// (the workaround of heal) found a node that never would.
//
// A stricter check runs during the run (restoreCluster sets it): no
// InstallSnapshot is ever sent. Every restored node's log holds the
// snapshot's last entry S, and a follower's reply to a rejected append
// names its last index (at least S), so a leader steps a follower back to
// S+1 at the lowest and never needs an entry below S, which only its
// snapshot holds. A snapshot sent means a follower rejected an append
// whose previous entry is S: the wedge, even when a later leader change
// would end it before the run does.
func (c *Cluster) checkRestored() {
	if len(c.workarounds) > 0 {
		c.mon.violation("restored cluster: a node never caught up with the leader until the leader took a snapshot (%d times; the snapshot-boundary wedge, docs/replication.md): %s",
			len(c.workarounds), c.workarounds[0])
	}
}
