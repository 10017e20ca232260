package maelstrom

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Where Raft state lives.
//
// With REDRAFT_DATA_DIR (or Options.DataDir) set to a directory, node id
// keeps its state in <dir>/<id>, as is: whoever sets it decides when that
// state belongs to a new test (the runner points it at a per-run directory).
// "memory" keeps everything in memory (fast; a restarted node then comes
// back empty, which Raft does not tolerate: no kill nemesis with it).
//
// Unset, the default is ./redraft-data/run-<ppid>-<start>/<id>: keyed by the
// process that launched the node (its pid and start time), so a node
// killed and restarted by the same runner finds its state again, while the
// next test in the same working directory starts fresh. Run directories
// whose launching process is gone are removed when a node starts.
const (
	EnvDataDir      = "REDRAFT_DATA_DIR"
	MemoryDataDir   = "memory"
	defaultDataBase = "redraft-data"
)

// resolveDataDir returns node id's data directory ("" = in memory).
func resolveDataDir(base, id string, log *slog.Logger) string {
	switch base {
	case MemoryDataDir:
		return ""
	case "":
	default:
		return filepath.Join(base, id)
	}
	key := runKey(os.Getppid())
	removeStaleRuns(defaultDataBase, key, log)
	return filepath.Join(defaultDataBase, key, id)
}

// runKey names the run of the process pid launched.
func runKey(pid int) string {
	if start, ok := procStart(pid); ok {
		return "run-" + strconv.Itoa(pid) + "-" + start
	}
	return "run-" + strconv.Itoa(pid)
}

// procStart returns a process's start time (clock ticks since boot) from
// /proc; false where there is no /proc or no such process.
func procStart(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	// Fields after the command (which may contain spaces) start at field 3;
	// starttime is field 22.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return "", false
	}
	return f[19], true
}

// removeStaleRuns deletes run-<pid>-<start> directories under base whose
// process no longer exists (only those it can check: with a start time).
func removeStaleRuns(base, keep string, log *slog.Logger) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		parts := strings.Split(name, "-")
		if !e.IsDir() || name == keep || len(parts) != 3 || parts[0] != "run" {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil {
			continue
		}
		if start, ok := procStart(pid); ok && start == parts[2] {
			continue // that run is still going
		}
		if err := os.RemoveAll(filepath.Join(base, name)); err == nil {
			log.Info("removed the data of a finished run", "dir", filepath.Join(base, name))
		}
	}
}

// validNodeID reports whether id can name a data directory.
func validNodeID(id string) bool {
	if id == "" || id == "." || id == ".." || len(id) > 128 {
		return false
	}
	return !strings.ContainsAny(id, `/\`+"\x00")
}
