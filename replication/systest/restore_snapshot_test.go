//go:build unix

package systest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/replication/snapshot/objstore/blobstore"
	"redraft/replication/snapshot/objstore/blobstore/s3test"
)

// snapshotWait bounds a RAFT SNAPSHOT (an upload to the fake S3).
const snapshotWait = 20 * time.Second

// snapshotNow runs RAFT SNAPSHOT on node i and returns its
// last_snapshot_index.
func (c *cluster) snapshotNow(i int) uint64 {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), snapshotWait)
	defer cancel()
	if err := retry(func() error { return c.client(i).Do(ctx, "RAFT", "SNAPSHOT").Err() }); err != nil {
		c.t.Fatalf("RAFT SNAPSHOT on %s: %v", c.nodes[i], err)
	}
	s, err := c.infoUint(ctx, i, "last_snapshot_index")
	if err != nil {
		c.t.Fatalf("RAFT INFO on %s: %v", c.nodes[i], err)
	}
	return s
}

// TestRestoreFromS3 is the disaster-recovery path end to end, with real
// processes and a real S3 HTTP path (gofakes3 on loopback):
//
//  1. a three-node cluster keeps its snapshots in the bucket
//     (--snapshot-store s3://...); a follower is stopped, the others write
//     past it, snapshot (RAFT SNAPSHOT) and compact their logs; the
//     follower, restarted, can only catch up by InstallSnapshot from the
//     S3-backed store; then it snapshots too;
//  2. the whole cluster is killed (SIGKILL);
//  3. bin/kv restore seeds three fresh data directories, for new IDs and
//     new ports, from the caught-up follower's snapshot in the bucket (the
//     third node keeps its own snapshots in the bucket under another key
//     prefix);
//  4. the new nodes start without --bootstrap, with every core kept busy,
//     elect a leader in a term above the snapshot's, every node holds
//     every key, and writes work.
func TestRestoreFromS3(t *testing.T) {
	rng := newRand(t)
	const trailing = 20
	endpoint := s3test.Start(t, "redraft")
	store := s3test.URL(endpoint, "redraft", "cluster-a/")
	c := newCluster(t, 3, "--snapshot-store", store, "--snapshot-threshold", "64", "--trailing-logs", fmt.Sprint(trailing))
	want := map[string]string{}
	var mu sync.Mutex
	l := c.waitLeader()
	f := (l + 1) % 3
	for j := 0; j < 10; j++ {
		k, v := fmt.Sprintf("a%d", j), fmt.Sprint(rng.Int63())
		c.mustSet(f, k, v)
		want[k] = v
	}
	fLast, err := c.infoUint(context.Background(), f, "last_log_index")
	if err != nil {
		t.Fatal(err)
	}
	c.nodes[f].kill()

	// Write well past the follower, through both live nodes.
	var live []int
	for i := range c.nodes {
		if i != f {
			live = append(live, i)
		}
	}
	const writers, perWriter = 4, 60
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		seed := rng.Int63()
		go func() {
			defer wg.Done()
			for j := 0; j < perWriter && !t.Failed(); j++ {
				k, v := fmt.Sprintf("b%d-%d", w, j), fmt.Sprint(seed+int64(j))
				via := live[(w+j)%2]
				if err := c.setIdem(via, k, v); err != nil {
					t.Errorf("SET %s via %s: %v", k, c.nodes[via], err)
					return
				}
				mu.Lock()
				want[k] = v
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var snap uint64
	for _, i := range live {
		s := c.snapshotNow(i)
		if s < fLast+2*trailing {
			t.Fatalf("%s: last_snapshot_index %d after RAFT SNAPSHOT; the follower's last index is %d", c.nodes[i], s, fLast)
		}
		if snap == 0 || s < snap {
			snap = s
		}
	}

	// The lagging follower catches up by InstallSnapshot.
	target := c.catchUpTarget(c.waitLeader())
	c.restart(f)
	took := c.waitCaughtUp(f, target)
	if s, err := c.infoUint(context.Background(), f, "last_snapshot_index"); err != nil || s < snap {
		t.Fatalf("%s caught up without installing a snapshot: last_snapshot_index %d (%v), want >= %d", c.nodes[f], s, err, snap)
	}
	t.Logf("%s (last index %d when killed) caught up to %d by InstallSnapshot in %v", c.nodes[f], fLast, target, took.Round(time.Millisecond))
	c.mustSet(f, "last", "before the disaster")
	want["last"] = "before the disaster"
	c.waitCaughtUp(f, c.catchUpTarget(c.waitLeader()))
	srcIndex := c.snapshotNow(f)

	// Every node's snapshots are in the bucket, none on local disk.
	bucket, err := blobstore.OpenURL(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	for _, nd := range c.nodes {
		objs, err := bucket.List(context.Background(), nd.id+".manifest-")
		if err != nil || len(objs) == 0 {
			t.Errorf("%s: manifests in the bucket: %v, %v; want some", nd, objs, err)
		}
		if m, _ := filepath.Glob(filepath.Join(nd.dir, "objects", "*")); len(m) > 0 {
			t.Errorf("%s: local snapshot objects %v; want them in the bucket", nd, m)
		}
	}
	bucket.Close()

	// Disaster: the whole cluster is gone.
	for _, nd := range c.nodes {
		nd.kill()
	}

	// The new cluster starts, elects and catches up with every core busy:
	// the schedule that once wedged a restored follower (a retransmitted
	// first AppendEntries after a reply timed out) is likely then.
	stopLoad := burnCPU(t)
	from := c.nodes[f].id
	r, srcTerm := restoreCluster(t, c.bin, store, from, endpoint, srcIndex)
	l2 := r.waitLeader()
	term, err := r.infoUint(context.Background(), l2, "term")
	if err != nil || term <= srcTerm {
		t.Errorf("new leader %s: term %d (%v), want above the snapshot's term %d", r.nodes[l2], term, err, srcTerm)
	}
	for i := range r.nodes {
		k := "new-" + r.nodes[i].id
		r.mustSet(i, k, "written after restore")
		want[k] = "written after restore"
	}
	commit := r.catchUpTarget(r.waitLeader())
	for i := range r.nodes {
		r.waitCaughtUp(i, commit)
		if missing, wrong := r.checkKeys(i, want); missing+wrong > 0 {
			t.Errorf("%s after restore: %d keys missing, %d wrong of %d", r.nodes[i], missing, wrong, len(want))
		}
		if m, err := r.info(context.Background(), i); err != nil || m["replication_stalled"] != "0" {
			t.Errorf("%s after restore: replication_stalled %q (%v), want 0", r.nodes[i], m["replication_stalled"], err)
		}
	}
	stopLoad()
	t.Logf("restored %s's snapshot at index %d (term %d) into %d new nodes; leader %s in term %d; all %d keys on every node",
		from, srcIndex, srcTerm, len(r.nodes), r.nodes[l2], term, len(want))
}

var restoredTerm = regexp.MustCompile(`\(index (\d+), term (\d+),`)

// restoreCluster runs bin/kv restore for three new nodes r1..r3 on new
// ports from node from's newest snapshot in store (which must be at index)
// and starts them with no --bootstrap (stale reads: each node answers from
// its own state). r3 keeps its snapshots in the bucket under another
// prefix. It returns the running cluster and the snapshot's term.
func restoreCluster(t *testing.T, bin, store, from, endpoint string, index uint64) (*cluster, uint64) {
	t.Helper()
	r := &cluster{t: t, bin: bin, base: t.TempDir(), clients: map[string]*redis.Client{}}
	t.Cleanup(r.cleanup)
	for try := 1; try <= portTries; try++ {
		newStore := s3test.URL(endpoint, "redraft", fmt.Sprintf("cluster-b-%d/", try))
		ports := freePorts(t, 6)
		dir := filepath.Join(r.base, fmt.Sprintf("try%d", try))
		r.nodes = nil
		var boot []string
		for i := 0; i < 3; i++ {
			nd := &node{id: fmt.Sprintf("r%d", i+1), resp: hostPort(ports[2*i]), raft: hostPort(ports[2*i+1])}
			nd.dir, nd.logPath = filepath.Join(dir, nd.id), filepath.Join(dir, nd.id+".log")
			nd.args = []string{"--read-consistency", "stale"}
			r.nodes = append(r.nodes, nd)
			boot = append(boot, nd.id+"="+nd.raft)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var term uint64
		for i, nd := range r.nodes {
			args := []string{"restore", "--from", store, "--from-node", from, "--id", nd.id, "--data", nd.dir, "--bootstrap", strings.Join(boot, ",")}
			args = append(args, logStoreArgs()...)
			if i == 2 {
				args = append(args, "--snapshot-store", newStore)
				nd.args = append(nd.args, "--snapshot-store", newStore)
			}
			out, err := exec.Command(bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("kv %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			m := restoredTerm.FindStringSubmatch(string(out))
			if m == nil {
				t.Fatalf("kv restore output lacks the snapshot's index and term:\n%s", out)
			}
			gotIndex, _ := strconv.ParseUint(m[1], 10, 64)
			term, _ = strconv.ParseUint(m[2], 10, 64)
			if gotIndex != index {
				t.Fatalf("kv restore for %s restored index %d, want the newest snapshot's %d:\n%s", nd, gotIndex, index, out)
			}
			if i == 0 {
				t.Logf("%s", strings.TrimSpace(string(out)))
				// A second restore into the same directory is refused.
				again := exec.Command(bin, args...)
				out, err := again.CombinedOutput()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "the data directory is not empty") {
					t.Fatalf("second kv restore into %s: %v\n%s; want exit 1, the data directory is not empty", nd.dir, err, out)
				}
			}
		}
		var err error
		for _, nd := range r.nodes {
			if err = nd.start(bin); err != nil {
				break
			}
		}
		if err == nil {
			return r, term
		}
		for _, nd := range r.nodes {
			nd.kill()
		}
		if !errors.Is(err, errAddrInUse) {
			t.Fatal(err)
		}
		t.Logf("port collision (try %d); choosing new ports", try)
	}
	t.Fatalf("no free ports after %d tries", portTries)
	return nil, 0
}
