#!/usr/bin/env bash
# raft-boltdb against raft-wal as Redraft's log store (--log-store bolt|wal),
# side by side in one run, the stores interleaved in every round:
#
#   scripts/bench-logstore.sh [ROUNDS=3] [RECOVERY_REQUESTS=100000] [WRITES=1000000]
#
#  1. append latency: BenchmarkLogStoreStoreLogs (StoreLogs of 1 and 64
#     entries of ~100 bytes, fsync on), 1000 appends per store and round;
#  2. cluster writes: a three-node cluster (as make run) per store and
#     round, redis-benchmark -t set against the leader: -c 1 -n 5000,
#     -c 50 -n 100000 -P 1, -c 50 -n 200000 -P 16;
#  3. 1M writes: once per store, the load of issue 15
#     (redis-benchmark -t set -n 1000000 -r 100000000 -d 64 -P 32 -c 32) on a
#     three-node cluster, then the disk use of the leader's log store and
#     of its snapshots (du);
#  4. recovery after kill -9: a one-node cluster without log compaction,
#     RECOVERY_REQUESTS SETs from one client (loaded with --no-fsync, which
#     leaves the same files in the page cache), kill -9, then the time from
#     the restart (fsync on) to the first acknowledged SET, which is
#     applied after every entry of the log.
#
# Prints markdown tables and the load average before and after each part.
# The clusters run with raft's own timeouts (CLUSTER_FLAGS, default
# --heartbeat-timeout 1s --election-timeout 1s --lease-timeout 500ms) rather
# than kv serve's 150 ms (the one-node cluster of part 4 keeps kv serve's,
# since its election time is part of the recovery time): on a shared, overloaded machine a leader change
# makes redis-benchmark stop at its first error reply, and this compares
# the log stores, not leader stability.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
RECOVERY_N=${2:-100000}
WRITES=${3:-1000000}
STORES=(bolt wal)
read -r -a CLUSTER_FLAGS <<<"${CLUSTER_FLAGS:---heartbeat-timeout 1s --election-timeout 1s --lease-timeout 500ms}"
scripts/deps.sh >/dev/null
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ok() { for _ in $(seq 600); do [[ $(redis-cli -p "$1" set __bench_probe 1 2>/dev/null) == OK ]] && return 0; sleep 0.05; done; echo "no leader on $1" >&2; return 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
# bench ARGS...: redis-benchmark -q ARGS; prints "req/s (p50 ms)", or the
# error it stopped on (a leader change on this loaded machine, say).
bench() {
	local out
	out=$(redis-benchmark -q "$@" 2>&1 | tr '\r' '\n') || true
	awk '/requests per second/ {p=$0; sub(/.*p50=/,"",p); sub(/ msec.*/,"",p); r=$2" ("p")"} END {print r}' <<<"$out" |
		grep . || echo "failed: $(grep -v '^ *$' <<<"$out" | grep -v 'rps=' | tail -1 | cut -c1-80)"
}

echo "cluster flags: ${CLUSTER_FLAGS[*]}"
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (dirty)'); rounds $ROUNDS"

# 1. Append latency.
echo
echo "## StoreLogs (load $(load))"
go test -c -o "$tmp/replication.test" ./replication
echo "| round | store | batch | ns/op | entries/s |"
echo "|---|---|---:|---:|---:|"
for r in $(seq "$ROUNDS"); do
	for s in "${STORES[@]}"; do
		(cd "$tmp" && ./replication.test -test.run '^$' -test.bench "LogStoreStoreLogs/$s/" -test.benchtime 1000x) |
			awk -v r="$r" -v s="$s" '/^BenchmarkLogStoreStoreLogs/ {split($1,a,"/"); sub("-[0-9]+$","",a[3]); sub("batch=","",a[3]); printf "| %s | %s | %s | %s | %s |\n", r, s, a[3], $3, $(NF-1)}'
	done
done
echo "load after: $(load)"

# start3 STORE DIR [FLAGS...]: a three-node cluster; sets leader_port.
start3() {
	local s=$1 d=$2; shift 2
	local i boot
	declare -ga resp raft
	for i in 1 2 3; do resp[$i]=$(free_port); raft[$i]=$(free_port); done
	boot="n1=127.0.0.1:${raft[1]},n2=127.0.0.1:${raft[2]},n3=127.0.0.1:${raft[3]}"
	for i in 1 2 3; do
		bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" --data "$d/n$i" \
			--bootstrap "$boot" --log-store "$s" --log-level warn "${CLUSTER_FLAGS[@]}" "$@" 2>>"$d.n$i.log" &
		pids+=($!)
	done
	wait_ok "${resp[1]}"
	leader_port=$(redis-cli -p "${resp[1]}" raft info | tr -d '\r' | sed -n 's/^leader_client_addr:.*://p')
	leader_id=$(redis-cli -p "${resp[1]}" raft info | tr -d '\r' | sed -n 's/^leader_id://p')
}

# 2. Cluster writes.
echo
echo "## Three-node cluster, redis-benchmark SET against the leader (load $(load))"
echo "| round | store | -c 1 SET/s (p50 ms) | -c 50 -P 1 SET/s (p50 ms) | -c 50 -P 16 SET/s (p50 ms) | load |"
echo "|---|---|---:|---:|---:|---|"
for r in $(seq "$ROUNDS"); do
	for s in "${STORES[@]}"; do
		d="$tmp/c-$r-$s"
		start3 "$s" "$d"
		a=$(bench -p "$leader_port" -t set -c 1 -n 5000)
		b=$(bench -p "$leader_port" -t set -c 50 -n 100000 -P 1)
		c=$(bench -p "$leader_port" -t set -c 50 -n 200000 -P 16)
		echo "| $r | $s | $a | $b | $c | $(load) |"
		stop_all
		rm -rf "$d"
	done
done

# 3. 1M writes and disk use.
echo
echo "## $WRITES SETs (-n $WRITES -r 100000000 -d 64 -P 32 -c 32), disk use on the leader (load $(load))"
echo "| store | SET/s (p50 ms) | log store | snapshots (objects/) | log entries (last index) | load |"
echo "|---|---:|---:|---:|---:|---|"
for s in "${STORES[@]}"; do
	d="$tmp/m-$s"
	start3 "$s" "$d"
	x=$(bench -p "$leader_port" -t set -n "$WRITES" -r 100000000 -d 64 -P 32 -c 32)
	last=$(redis-cli -p "$leader_port" raft info | tr -d '\r' | sed -n 's/^last_log_index://p')
	stop_all
	ld="$d/$leader_id"
	if [[ $s == bolt ]]; then ls_du=$(du -sh --apparent-size "$ld/raft.db" | cut -f1); else ls_du=$(du -sh --apparent-size "$ld/wal" | cut -f1)" ($(du -sh "$ld/wal" | cut -f1) allocated)"; fi
	echo "| $s | $x | $ls_du | $(du -sh "$ld/objects" | cut -f1) | $last | $(load) |"
	rm -rf "$d"
done

# 4. Recovery after kill -9.
echo
echo "## Recovery after kill -9, one-node cluster, no compaction (load $(load))"
echo "| round | store | log entries | restart to first acknowledged SET (s) | load |"
echo "|---|---|---:|---:|---|"
for r in $(seq "$ROUNDS"); do
	for s in "${STORES[@]}"; do
		d="$tmp/r-$r-$s"
		p=$(free_port)
		q=$(free_port)
		flags=(serve --id solo --resp "127.0.0.1:$p" --raft "127.0.0.1:$q" --data "$d" --log-store "$s" --log-level warn
			--snapshot-threshold 1000000000 --trailing-logs 1000000000)
		bin/kv "${flags[@]}" --no-fsync 2>>"$d.log" &
		pids+=($!)
		wait_ok "$p"
		redis-benchmark -p "$p" -q -t set -c 1 -n "$RECOVERY_N" -r 1000000 >/dev/null 2>&1 || true
		last=$(redis-cli -p "$p" raft info | tr -d '\r' | sed -n 's/^last_log_index://p')
		kill -KILL "${pids[-1]}"
		wait "${pids[-1]}" 2>/dev/null || true
		pids=()
		t0=$(date +%s.%N)
		bin/kv "${flags[@]}" 2>>"$d.log" &
		pids+=($!)
		wait_ok "$p"
		t1=$(date +%s.%N)
		echo "| $r | $s | $last | $(echo "$t1 - $t0" | bc -l | xargs printf '%.2f') | $(load) |"
		stop_all
		rm -rf "$d"
	done
done
echo
echo "load at the end: $(load)"
