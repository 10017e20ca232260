package replication

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"redraft/kv/resp"
	"redraft/replication/snapshot/objstore"
)

// scrape fetches a /metrics page and returns its samples by
// "name{labels}" (labels as the text format writes them).
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// metricsCluster is a 3-node cluster whose nodes each serve RESP and
// /metrics (the edge's and the node's collectors in a registry of their own).
type metricsCluster struct {
	c       *cluster
	resp    []string
	metrics []string
}

func startMetricsCluster(t *testing.T) *metricsCluster {
	const nodes = 3
	lns := make([]net.Listener, nodes)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	c := startClusterWith(t, nodes, true, func(cfg *Config) {
		var i int
		fmt.Sscanf(cfg.ID, "n%d", &i)
		cfg.ClientAddr = lns[i].Addr().String()
	})
	mc := &metricsCluster{c: c}
	for i, n := range c.nodes {
		srv := resp.New(n, resp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		done := make(chan struct{})
		go func(ln net.Listener) { srv.Serve(ln); close(done) }(lns[i])
		t.Cleanup(func() { srv.Close(); <-done })
		reg := prometheus.NewRegistry()
		reg.MustRegister(srv.Collector(), n.Collector())
		hs := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		t.Cleanup(hs.Close)
		mc.resp = append(mc.resp, lns[i].Addr().String())
		mc.metrics = append(mc.metrics, hs.URL+"/metrics")
	}
	c.leader()
	return mc
}

// indexOf returns the position of n in the cluster.
func (mc *metricsCluster) indexOf(n *Node) int {
	for i, m := range mc.c.nodes {
		if m == n {
			return i
		}
	}
	return -1
}

// waitMetrics scrapes node i until ok accepts its samples.
func (mc *metricsCluster) waitMetrics(t *testing.T, i int, what string, ok func(m map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(t, mc.metrics[i])
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %d: %s: not reached; last scrape:\n%v", i, what, m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The metrics of a real 3-node cluster move with what it does: commands
// are counted by name and result on the node that received them, Raft's
// term, role and indexes are reported, the leader sees its followers'
// contact and lag, fsync, apply and group-commit histograms fill, read
// barriers are counted, and a leadership transfer and a snapshot show.
func TestMetricsCluster(t *testing.T) {
	mc := startMetricsCluster(t)
	leader := mc.c.leader()
	li := mc.indexOf(leader)
	fi := (li + 1) % 3
	ctx := context.Background()

	before := scrape(t, mc.metrics[li])
	if got := before[`redraft_raft_state{state="leader"}`]; got != 1 {
		t.Fatalf("leader's redraft_raft_state{leader} = %v, want 1", got)
	}
	if before["redraft_raft_term"] < 1 {
		t.Fatalf("redraft_raft_term = %v, want >= 1", before["redraft_raft_term"])
	}
	for i := range mc.c.nodes {
		if i == li {
			continue
		}
		m := scrape(t, mc.metrics[i])
		if m[`redraft_raft_state{state="follower"}`] != 1 || m[`redraft_raft_state{state="leader"}`] != 0 {
			t.Fatalf("node %d: want follower, got state samples %v", i, m)
		}
		if m["redraft_raft_term"] != before["redraft_raft_term"] {
			t.Fatalf("node %d: term %v, leader's %v", i, m["redraft_raft_term"], before["redraft_raft_term"])
		}
	}

	const sets, gets = 40, 15
	fc := redis.NewClient(&redis.Options{Addr: mc.resp[fi], MaxRetries: -1})
	defer fc.Close()
	lc := redis.NewClient(&redis.Options{Addr: mc.resp[li], MaxRetries: -1})
	defer lc.Close()
	// On a loaded machine an election can answer a command with a
	// refusal or an unknown outcome: those count as errors.
	var setErrs, getErrs float64
	for i := 0; i < sets; i++ {
		if err := fc.Set(ctx, fmt.Sprint("k", i), i, 0).Err(); err != nil {
			if !definite(err) && !strings.HasPrefix(err.Error(), "UNCERTAIN") {
				t.Fatal(err)
			}
			setErrs++
		}
	}
	for i := 0; i < gets; i++ {
		if err := lc.Get(ctx, fmt.Sprint("k", i)).Err(); err != nil && err != redis.Nil {
			if !definite(err) {
				t.Fatal(err)
			}
			getErrs++
		}
	}
	for _, args := range [][]interface{}{
		{"GET"},                // wrong arity: rejected
		{"INCR", "k-not-int"},  // ok (creates it)
		{"SET", "s", "abc"},    // ok
		{"INCR", "s"},          // error reply
		{"HGET", "s", "field"}, // WRONGTYPE
	} {
		lc.Do(ctx, args...)
	}
	// The follower's edge counted the SETs it forwarded.
	fm := mc.waitMetrics(t, fi, "follower counts its SETs", func(m map[string]float64) bool {
		return m[`redraft_commands_total{cmd="set",result="ok"}`] == sets-setErrs &&
			m[`redraft_commands_total{cmd="set",result="error"}`] == setErrs
	})
	if fm[`redraft_commands_total{cmd="get",result="ok"}`] != 0 {
		t.Fatalf("follower counted GETs it never received: %v", fm[`redraft_commands_total{cmd="get",result="ok"}`])
	}
	lm := mc.waitMetrics(t, li, "leader counts its commands", func(m map[string]float64) bool {
		return m[`redraft_commands_total{cmd="get",result="ok"}`] == gets-getErrs &&
			m[`redraft_commands_total{cmd="get",result="rejected"}`] == 1 &&
			m[`redraft_commands_total{cmd="incr",result="error"}`] >= 1 &&
			m[`redraft_commands_total{cmd="hget",result="error"}`] >= 1
	})
	for _, k := range []string{`redraft_error_replies_total{code="ERR"}`, `redraft_error_replies_total{code="WRONGTYPE"}`} {
		if lm[k] < 1 {
			t.Errorf("%s = %v, want >= 1", k, lm[k])
		}
	}
	if got := lm[`redraft_command_duration_seconds_count{class="read"}`]; got < gets {
		t.Errorf("read-class latency count %v, want >= %d", got, gets)
	}
	if got := lm["redraft_connected_clients"]; got < 1 {
		t.Errorf("redraft_connected_clients = %v", got)
	}
	// The leader ran the read barriers and proposed the entries; sum over
	// the nodes in case leadership moved meanwhile (a loaded machine).
	sum := func(name string) float64 {
		total := 0.0
		for i := range mc.c.nodes {
			total += scrape(t, mc.metrics[i])[name]
		}
		return total
	}
	if r, n := sum("redraft_read_barrier_rounds_total"), sum("redraft_read_barrier_reads_total"); r < 1 || n < gets-getErrs {
		t.Errorf("read barrier rounds %v, reads %v; want >= 1 and >= %d", r, n, gets)
	}
	if e, h, c := sum("redraft_proposer_entries_total"), sum("redraft_proposer_entry_commands_count"), sum("redraft_proposer_commands_total"); e < 1 || c < sets || h != e {
		t.Errorf("proposer entries %v (histogram %v), commands %v", e, h, c)
	}
	if lm["redraft_raft_commit_index"] <= before["redraft_raft_commit_index"]+sets/4 {
		t.Errorf("commit index moved from %v to %v only", before["redraft_raft_commit_index"], lm["redraft_raft_commit_index"])
	}

	// Every node stored and applied the entries; the leader sees both
	// followers caught up and in contact.
	for i := range mc.c.nodes {
		m := mc.waitMetrics(t, i, "applied everything", func(m map[string]float64) bool {
			return m["redraft_raft_applied_index"] >= lm["redraft_raft_commit_index"] && m["redraft_raft_log_append_seconds_count"] > 0 &&
				m["redraft_fsm_apply_seconds_count"] > 0 && m["redraft_raft_log_appended_entries_total"] >= sets/4
		})
		if m["redraft_raft_last_log_index"] < m["redraft_raft_commit_index"] {
			t.Errorf("node %d: last log index %v < commit index %v", i, m["redraft_raft_last_log_index"], m["redraft_raft_commit_index"])
		}
	}
	// Checked on whichever node leads at the time (leadership can move on
	// a loaded machine).
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := mc.indexOf(mc.c.leader())
		m := scrape(t, mc.metrics[l])
		ok := m[`redraft_raft_state{state="leader"}`] == 1
		for i := range mc.c.nodes {
			if i == l {
				continue
			}
			peer := fmt.Sprintf(`{peer="n%d"}`, i)
			c, seen := m["redraft_raft_peer_last_contact_seconds"+peer]
			if !seen || c < 0 || c > 1 || m["redraft_raft_peer_replication_lag_entries"+peer] != 0 {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader %d: followers not seen caught up and in contact:\n%v", l, m)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A snapshot is counted with its duration and size.
	leader = mc.c.leader()
	li = mc.indexOf(leader)
	if err := leader.TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	sm := scrape(t, mc.metrics[li])
	if sm[`redraft_snapshots_total{result="ok"}`] < 1 || sm["redraft_snapshot_size_bytes_count"] < 1 || sm["redraft_snapshot_size_bytes_sum"] <= 0 {
		t.Errorf("after a snapshot: snapshots %v, size count %v sum %v", sm[`redraft_snapshots_total{result="ok"}`],
			sm["redraft_snapshot_size_bytes_count"], sm["redraft_snapshot_size_bytes_sum"])
	}
	if v, ok := sm["redraft_snapshot_in_progress"]; !ok || v != 0 {
		t.Errorf("redraft_snapshot_in_progress = %v (exported %v) after the snapshot ended", v, ok)
	}
	if sm["redraft_raft_last_snapshot_index"] < 1 {
		t.Errorf("redraft_raft_last_snapshot_index = %v after a snapshot", sm["redraft_raft_last_snapshot_index"])
	}
	if sm[`redraft_objstore_errors_total{op="put"}`] != 0 {
		t.Errorf("object-store put errors on a healthy store: %v", sm[`redraft_objstore_errors_total{op="put"}`])
	}

	// A leadership transfer shows as a leader change in a new term. The
	// leader may have moved by itself on a loaded machine: retry.
	deadline = time.Now().Add(10 * time.Second)
	for {
		leader = mc.c.leader()
		li = mc.indexOf(leader)
		fi = (li + 1) % 3
		fm := scrape(t, mc.metrics[fi])
		err := leader.Raft().LeadershipTransfer().Error()
		if err == nil {
			mc.waitMetrics(t, fi, "leader change seen", func(m map[string]float64) bool {
				return m["redraft_raft_leader_changes_total"] > fm["redraft_raft_leader_changes_total"] &&
					m["redraft_raft_term"] > fm["redraft_raft_term"] && m["redraft_raft_has_leader"] == 1
			})
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leadership transfer: %v", err)
		}
	}
	mc.waitMetrics(t, li, "old leader steps down", func(m map[string]float64) bool {
		return m[`redraft_raft_state{state="leader"}`] == 0
	})
}

// failingStore fails every call but Get of a missing object.
type failingStore struct{ objstore.Store }

var errObjDown = errors.New("object store down")

func (failingStore) Put(context.Context, string, io.Reader) error { return errObjDown }
func (failingStore) Get(context.Context, string) (io.ReadCloser, error) {
	return nil, fmt.Errorf("get: %w", objstore.ErrNotFound)
}
func (failingStore) List(context.Context, string) ([]objstore.Info, error) { return nil, errObjDown }
func (failingStore) Delete(context.Context, string) error                  { return errObjDown }

// Failed object-store calls are counted by operation; a missing object
// and a cancelled call are not failures.
func TestMetricsObjectStoreErrors(t *testing.T) {
	m := newNodeMetrics()
	s := countedObjects{failingStore{objstore.NewMem()}, m}
	ctx := context.Background()
	s.Put(ctx, "a", strings.NewReader("x"))
	s.Put(ctx, "b", strings.NewReader("x"))
	s.List(ctx, "")
	s.Delete(ctx, "a")
	if _, err := s.Get(ctx, "a"); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	cancelled := countedObjects{objstore.NewMem(), m}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := cancelled.Put(cctx, "c", strings.NewReader("x")); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	want := map[string]float64{"put": 2, "list": 1, "delete": 1, "get": 0}
	for op, n := range want {
		if got := testutil.ToFloat64(m.objErrors.WithLabelValues(op)); got != n {
			t.Errorf("errors of %s = %v, want %v", op, got, n)
		}
	}
}

// The log store wrapper keeps raft.MonotonicLogStore visible, and leaves
// a commit-tracking store unwrapped (raft looks for both interfaces).
func TestMetricsLogStoreInterfaces(t *testing.T) {
	m := newNodeMetrics()
	if _, ok := m.logStore(monotonicStore{raft.NewInmemStore()}).(raft.MonotonicLogStore); !ok {
		t.Error("a monotonic store lost raft.MonotonicLogStore")
	}
	if _, ok := m.logStore(raft.NewInmemStore()).(raft.MonotonicLogStore); ok {
		t.Error("a plain store gained raft.MonotonicLogStore")
	}
	ct := commitTrackingStore{raft.NewInmemStore()}
	if got := m.logStore(ct); got != raft.LogStore(ct) {
		t.Error("a commit-tracking store was wrapped")
	}
	s := m.logStore(raft.NewInmemStore())
	if err := s.StoreLogs([]*raft.Log{{Index: 1, Term: 1}, {Index: 2, Term: 1}}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.logAppended); got != 2 {
		t.Errorf("appended entries %v, want 2", got)
	}
	if got := testutil.CollectAndCount(m.logAppend); got != 1 {
		t.Errorf("append histogram series %d", got)
	}
}

type monotonicStore struct{ *raft.InmemStore }

func (monotonicStore) IsMonotonic() bool { return true }

type commitTrackingStore struct{ *raft.InmemStore }

func (commitTrackingStore) StageCommitIndex(uint64) error   { return nil }
func (commitTrackingStore) GetCommitIndex() (uint64, error) { return 0, nil }

// TestSnapshotInProgressGauge: a snapshot sink counts as in progress from
// Create to Close or Cancel, once.
func TestSnapshotInProgressGauge(t *testing.T) {
	m := newNodeMetrics()
	store := timedSnapshots{SnapshotStore: raft.NewInmemSnapshotStore(), m: m}
	a, err := store.Create(raft.SnapshotVersionMax, 1, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Create(raft.SnapshotVersionMax, 2, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.snapOpen.Load(); got != 2 {
		t.Fatalf("two sinks open: in progress %d", got)
	}
	a.Write([]byte("x"))
	a.Close()
	a.Close()
	if got := m.snapOpen.Load(); got != 1 {
		t.Fatalf("one closed (twice): in progress %d", got)
	}
	b.Cancel()
	if got := m.snapOpen.Load(); got != 0 {
		t.Fatalf("both done: in progress %d", got)
	}
}

// TestRestoreTimed: every state-machine restore is timed, a failed one
// too; only successful ones count as restores.
func TestRestoreTimed(t *testing.T) {
	leader := newFSM("a")
	fsmSet(t, leader, 1, "k", "v")
	snap := snapshotBytes(t, leader)
	m := newNodeMetrics()
	f := timedFSM{newFSM("b"), m}
	if err := f.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(snap)
	bad[len(bad)-1] ^= 0xff
	if err := f.Restore(io.NopCloser(bytes.NewReader(bad))); err == nil {
		t.Fatal("a damaged snapshot restored")
	}
	var d dto.Metric
	if err := m.restoreTime.Write(&d); err != nil {
		t.Fatal(err)
	}
	if got := d.GetHistogram().GetSampleCount(); got != 2 {
		t.Errorf("restore durations observed: %d, want 2", got)
	}
	if got := testutil.ToFloat64(m.restores); got != 1 {
		t.Errorf("restores counted: %v, want 1", got)
	}
}
