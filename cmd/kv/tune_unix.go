//go:build unix

package main

import (
	"os"
	"strings"
	"syscall"
)

// sysmonSetting keeps the Go runtime's sysmon thread out of deep sleep.
//
// When every P is idle, sysmon sleeps until a goroutine enters a system
// call, which wakes it; it then polls every 20µs for a millisecond before
// backing off. A RESP server answering one request per client round trip
// goes idle and busy again thousands of times a second, so each request
// pays for futex wake-ups and timer sleeps of that thread: about 2.5µs of
// CPU per request, measured with redis-benchmark -P 1 (12.4µs down to 9.9µs
// per GET; results/resp-bench.md). sysmon never deep-sleeps while schedtrace
// is set; with this interval (2^31-1 ms, about 25 days) it backs off to
// 10ms polls instead and prints a scheduler line only once per interval
// (and, on a host up for longer than that, once at start).
const sysmonSetting = "schedtrace=2147483647"

// tuningEnv disables the re-execution when set to "off".
const tuningEnv = "KV_RUNTIME_TUNING"

// reexecTuned re-executes the binary (same pid, arguments and environment)
// with sysmonSetting added to GODEBUG, which the runtime reads only at
// start. It returns when nothing needs doing, when KV_RUNTIME_TUNING=off,
// or when the exec fails (the process then runs untuned).
func reexecTuned() {
	if os.Getenv(tuningEnv) == "off" {
		return
	}
	godebug := os.Getenv("GODEBUG")
	if strings.Contains(godebug, "schedtrace=") {
		return
	}
	if godebug != "" {
		godebug += ","
	}
	godebug += sysmonSetting
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env := []string{"GODEBUG=" + godebug}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			env = append(env, kv)
		}
	}
	_ = syscall.Exec(exe, os.Args, env)
}
