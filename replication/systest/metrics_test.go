package systest

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsAddrLine is the log line of kv serve that gives the metrics
// listener's address (--metrics-addr with port 0).
var metricsAddrLine = regexp.MustCompile(`msg="kv: serving metrics" addr=(\S+)`)

// metricsURL returns node i's /metrics URL, from its current run's log.
func (c *cluster) metricsURL(i int) string {
	c.t.Helper()
	b, err := os.ReadFile(c.nodes[i].logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	m := metricsAddrLine.FindAllStringSubmatch(string(b), -1)
	if m == nil {
		c.t.Fatalf("%s: no metrics address in its log", c.nodes[i])
	}
	return "http://" + m[len(m)-1][1] + "/metrics"
}

// scrapeNode returns node i's samples by "name{labels}", or nil when the
// node does not answer.
func (c *cluster) scrapeNode(i int) map[string]float64 {
	cl := http.Client{Timeout: 2 * time.Second}
	res, err := cl.Get(c.metricsURL(i))
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[k+1:], 64); err == nil {
			out[line[:k]] = v
		}
	}
	return out
}

// Metrics scraped from real processes during a failover show it: after
// the leader is killed, the survivors see a leader change in a new term,
// one of them reports itself leader, and it sees the other survivor in
// contact and the dead node's last contact growing old.
func TestMetricsDuringFailover(t *testing.T) {
	c := newCluster(t, 3, "--metrics-addr", "127.0.0.1:0")
	l := c.waitLeader()
	c.mustSet(l, "k", "v")
	before := make([]map[string]float64, len(c.nodes))
	for i := range c.nodes {
		before[i] = c.scrapeNode(i)
		if before[i] == nil {
			t.Fatalf("%s: /metrics does not answer", c.nodes[i])
		}
		want := 0.0
		if i == l {
			want = 1
		}
		if got := before[i][`redraft_raft_state{state="leader"}`]; got != want {
			t.Fatalf("%s: leader state %v, want %v", c.nodes[i], got, want)
		}
	}
	c.nodes[l].kill()
	nl := c.waitLeaderExcept(l)
	other := 3 - l - nl
	deadline := time.Now().Add(leaderWait)
	for {
		ml, mo := c.scrapeNode(nl), c.scrapeNode(other)
		dead := fmt.Sprintf(`{peer="%s"}`, c.nodes[l].id)
		alive := fmt.Sprintf(`{peer="%s"}`, c.nodes[other].id)
		ok := ml != nil && mo != nil &&
			ml[`redraft_raft_state{state="leader"}`] == 1 && mo[`redraft_raft_state{state="leader"}`] == 0 &&
			ml["redraft_raft_term"] > before[nl]["redraft_raft_term"] && mo["redraft_raft_term"] == ml["redraft_raft_term"] &&
			ml["redraft_raft_leader_changes_total"] > before[nl]["redraft_raft_leader_changes_total"] &&
			mo["redraft_raft_leader_changes_total"] > before[other]["redraft_raft_leader_changes_total"] &&
			mo["redraft_raft_has_leader"] == 1 &&
			ml["redraft_raft_peer_last_contact_seconds"+alive] >= 0 && ml["redraft_raft_peer_last_contact_seconds"+alive] < 1 &&
			(ml["redraft_raft_peer_last_contact_seconds"+dead] > 1 || ml["redraft_raft_peer_last_contact_seconds"+dead] == -1)
		if ok {
			t.Logf("after killing %s: leader %s in term %v (was %v), leader changes %v -> %v, dead peer's last contact %.1fs",
				c.nodes[l], c.nodes[nl], ml["redraft_raft_term"], before[nl]["redraft_raft_term"],
				before[nl]["redraft_raft_leader_changes_total"], ml["redraft_raft_leader_changes_total"],
				ml["redraft_raft_peer_last_contact_seconds"+dead])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed the failover; new leader's:\n%v\nother survivor's:\n%v", ml, mo)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Writes through the survivor that follows are counted there.
	c.mustSet(other, "after", "failover")
	if m := c.scrapeNode(other); m[`redraft_commands_total{cmd="set",result="ok"}`] < 1 {
		t.Errorf("%s: SET not counted: %v", c.nodes[other], m[`redraft_commands_total{cmd="set",result="ok"}`])
	}
}
