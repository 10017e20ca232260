package resp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// INFO. Sections follow Redis 7.0's names, order and field names; fields
// the edge cannot know (allocator internals, persistence of a server that
// has none) are left out rather than invented. An executor implementing
// InfoProvider adds sections; one named like a built-in section replaces it.

// defaultInfoSections is the order of INFO's default output.
var defaultInfoSections = []string{
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
	"modules", "errorstats", "cluster", "keyspace",
}

// allInfoSections is the order of INFO all: the default sections,
// commandstats and latencystats, which only all, everything or their
// names select.
var allInfoSections = []string{
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
	"modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
}

func (c *conn) cmdInfo(args [][]byte) {
	c.syncLocal()
	c.w.Verbatim(c.srv.infoText(args[1:]))
}

// LocalSyncer is implemented by executors whose local state can lag the
// writes their clients made (a follower): SyncLocal waits, bounded, until
// it includes them, so INFO and AUTH see a client's own writes.
type LocalSyncer interface {
	SyncLocal(ctx context.Context) error
}

// Loader is implemented by executors whose local state can be replaced by
// a snapshot (a follower installing the leader's): Loading reports whether
// it is being replaced now, when local reads answer -LOADING.
type Loader interface {
	Loading() bool
}

// syncLocal catches the executor's local state up with its clients'
// writes, best effort: the command answers from the local state anyway.
func (c *conn) syncLocal() {
	if ls, ok := c.srv.exec.(LocalSyncer); ok {
		ls.SyncLocal(c.srv.ctx)
	}
}

// infoText renders the sections asked for ("default" when none).
func (s *Server) infoText(names [][]byte) string {
	want := map[string]bool{}
	all := false
	if len(names) == 0 {
		names = [][]byte{[]byte("default")}
	}
	for _, n := range names {
		switch name := strings.ToLower(string(n)); name {
		case "all", "everything":
			all = true
		case "default":
			for _, d := range defaultInfoSections {
				want[d] = true
			}
		default:
			want[name] = true
		}
	}
	var extra []InfoSection
	if s.info != nil {
		extra = s.info.InfoSections()
	}
	replaced := map[string]InfoSection{}
	var added []InfoSection
	for _, sec := range extra {
		if isBuiltinSection(strings.ToLower(sec.Name)) {
			replaced[strings.ToLower(sec.Name)] = sec
		} else {
			added = append(added, sec)
		}
	}
	var b strings.Builder
	emit := func(title string, fields [][2]string) {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + title + "\r\n")
		for _, f := range fields {
			b.WriteString(f[0] + ":" + f[1] + "\r\n")
		}
	}
	for _, name := range allInfoSections {
		if name == "keyspace" {
			// Executor sections go before Keyspace, which Redis prints last.
			for _, sec := range added {
				if all || want[strings.ToLower(sec.Name)] {
					emit(sec.Name, sec.Fields)
				}
			}
		}
		if !all && !want[name] {
			continue
		}
		if sec, ok := replaced[name]; ok {
			emit(sec.Name, sec.Fields)
			continue
		}
		title, fields := s.infoSection(name)
		emit(title, fields)
	}
	return b.String()
}

func isBuiltinSection(name string) bool {
	for _, n := range allInfoSections {
		if n == name {
			return true
		}
	}
	return false
}

// infoSection returns one built-in section.
func (s *Server) infoSection(name string) (string, [][2]string) {
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	switch name {
	case "server":
		up := time.Since(s.started)
		exe, _ := os.Executable()
		return "Server", [][2]string{
			{"redis_version", Version},
			{"redis_git_sha1", "00000000"},
			{"redis_git_dirty", "0"},
			{"redis_build_id", "0"},
			{"redis_mode", "standalone"},
			{"os", runtime.GOOS + " " + runtime.GOARCH},
			{"arch_bits", strconv.Itoa(strconv.IntSize)},
			{"go_version", runtime.Version()},
			{"process_id", strconv.Itoa(os.Getpid())},
			{"process_supervised", "no"},
			{"run_id", s.runID},
			{"tcp_port", strconv.Itoa(s.listenPort())},
			{"server_time_usec", itoa(time.Now().UnixMicro())},
			{"uptime_in_seconds", itoa(int64(up / time.Second))},
			{"uptime_in_days", itoa(int64(up / (24 * time.Hour)))},
			{"hz", "10"},
			{"configured_hz", "10"},
			{"executable", exe},
			{"config_file", s.configFilePath()},
			{"io_threads_active", "0"},
		}
	case "clients":
		clients, peers := s.numConns()
		return "Clients", [][2]string{
			{"connected_clients", strconv.Itoa(clients)},
			{"cluster_connections", strconv.Itoa(peers)},
			{"maxclients", itoa(s.maxClients.Load())},
			{"client_recent_max_input_buffer", "0"},
			{"client_recent_max_output_buffer", "0"},
			{"blocked_clients", strconv.Itoa(s.blockedClients())},
			{"tracking_clients", strconv.Itoa(int(s.trk.n.Load()))},
			{"clients_in_timeout_table", "0"},
		}
	case "memory":
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		used := m.HeapAlloc
		rss := m.Sys - m.HeapReleased
		peak := s.stats.peakMemory.Load()
		for used > peak && !s.stats.peakMemory.CompareAndSwap(peak, used) {
			peak = s.stats.peakMemory.Load()
		}
		peak = max(peak, used)
		fields := [][2]string{
			{"used_memory", strconv.FormatUint(used, 10)},
			{"used_memory_human", bytesToHuman(used)},
			{"used_memory_rss", strconv.FormatUint(rss, 10)},
			{"used_memory_rss_human", bytesToHuman(rss)},
			{"used_memory_peak", strconv.FormatUint(peak, 10)},
			{"used_memory_peak_human", bytesToHuman(peak)},
			{"used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*float64(used)/float64(max(peak, 1)))},
		}
		fields = append(fields, s.scriptMemoryFields()...)
		return "Memory", append(fields, [][2]string{
			{"maxmemory", "0"},
			{"maxmemory_human", "0B"},
			{"maxmemory_policy", "noeviction"},
			{"mem_allocator", "go-" + runtime.Version()},
		}...)
	case "persistence":
		loading := "0"
		if l, ok := s.exec.(Loader); ok && l.Loading() {
			loading = "1"
		}
		return "Persistence", [][2]string{
			{"loading", loading},
			{"async_loading", "0"},
			{"rdb_changes_since_last_save", strconv.FormatInt(s.changesSinceSave(), 10)},
			{"rdb_bgsave_in_progress", "0"},
			{"rdb_last_save_time", itoa(s.lastSave.Load())},
			{"rdb_last_bgsave_status", "ok"},
			{"aof_enabled", "0"},
			{"aof_rewrite_in_progress", "0"},
			{"aof_rewrite_scheduled", "0"},
			{"aof_last_write_status", "ok"},
		}
	case "stats":
		cmds, in, out := s.totals()
		chans, pats, shards := s.hub.Stats()
		trk := s.trk.statsFields()
		return "Stats", [][2]string{
			{"total_connections_received", itoa(s.stats.connsReceived.Load())},
			{"total_commands_processed", itoa(cmds)},
			{"instantaneous_ops_per_sec", itoa(s.instantaneousOps())},
			{"total_net_input_bytes", itoa(in)},
			{"total_net_output_bytes", itoa(out)},
			{"rejected_connections", itoa(s.stats.rejected.Load())},
			trk[0], trk[1], trk[2],
			{"total_error_replies", itoa(s.cmdStats.errTot.Load())},
			{"expired_keys", "0"},
			{"evicted_keys", "0"},
			{"evicted_clients", "0"},
			{"pubsub_channels", itoa(int64(chans))},
			{"pubsub_patterns", itoa(int64(pats))},
			{"pubsubshard_channels", itoa(int64(shards))},
			{"migrate_cached_sockets", itoa(int64(s.migrate.size()))},
		}
	case "replication":
		return "Replication", [][2]string{
			{"role", "master"},
			{"connected_slaves", "0"},
			{"master_failover_state", "no-failover"},
			{"master_replid", s.runID},
			{"master_replid2", "0000000000000000000000000000000000000000"},
			{"master_repl_offset", "0"},
			{"second_repl_offset", "-1"},
			{"repl_backlog_active", "0"},
		}
	case "cpu":
		sys, user := cpuTimes()
		return "CPU", [][2]string{
			{"used_cpu_sys", fmt.Sprintf("%.6f", sys.Seconds())},
			{"used_cpu_user", fmt.Sprintf("%.6f", user.Seconds())},
			{"used_cpu_sys_children", "0.000000"},
			{"used_cpu_user_children", "0.000000"},
		}
	case "modules":
		return "Modules", nil
	case "commandstats":
		return "Commandstats", s.cmdStats.commandFields()
	case "errorstats":
		return "Errorstats", s.cmdStats.errorFields()
	case "latencystats":
		if !s.latencyTracking() {
			return "Latencystats", nil
		}
		return "Latencystats", s.cmdStats.latencyFields(s.latencyPercentiles()) // latency.go
	case "cluster":
		return "Cluster", [][2]string{{"cluster_enabled", "0"}}
	case "keyspace":
		var fields [][2]string
		for _, d := range s.exec.Keyspace() {
			fields = append(fields, [2]string{"db" + strconv.Itoa(d.DB), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", d.Keys, d.Expires)})
		}
		return "Keyspace", fields
	}
	panic("resp: unknown INFO section " + name)
}

// listenPort returns the port of the first listener served.
func (s *Server) listenPort() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// bytesToHuman is Redis's bytesToHuman.
func bytesToHuman(n uint64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatUint(n, 10) + "B"
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", d/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", d/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", d/(1024*1024*1024))
	case n < 1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fT", d/(1024*1024*1024*1024))
	case n < 1024*1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fP", d/(1024*1024*1024*1024*1024))
	}
	return strconv.FormatUint(n, 10) + "B"
}
