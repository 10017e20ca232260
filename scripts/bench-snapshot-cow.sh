#!/usr/bin/env bash
# A snapshot under write load on a three-node cluster (docs/snapshot-cow.md,
# results/snapshot-cow.md): loads KEYS keys of 64 bytes into the leader with
# redis-benchmark (as results/BENCHMARKS.md), then runs a closed loop of 16
# clients writing random keys and, WAIT seconds into it, RAFT SNAPSHOT on the
# leader. Reports the loop's throughput and latency, the time RAFT SNAPSHOT
# took, the number of leader changes (term increase) and the error replies.
#
#   scripts/bench-snapshot-cow.sh [BINARY]      (default bin/kv)
#
# Env: KEYS (1000000), OPS (closed-loop SETs, 100000), WAIT (3), BASE (26380:
# RESP ports BASE+1..3, Raft ports BASE+1001..1003, away from `make run`'s).
# KV_FLAGS: extra flags for every node (on a loaded machine the default
# 150 ms timeouts elect new leaders during the load already; results/
# snapshot-cow.md uses --heartbeat-timeout 1s --election-timeout 1s
# --lease-timeout 500ms for both binaries). The nodes run in a temporary
# directory; only the processes this script started are stopped.
set -euo pipefail
"$(dirname "$0")/deps.sh" # redis-cli and the rest, on a fresh machine
cd "$(dirname "$0")/.."
BIN=${1:-bin/kv}
KEYS=${KEYS:-1000000}
OPS=${OPS:-100000}
WAIT=${WAIT:-3}
BASE=${BASE:-26380}
DATA=$(mktemp -d /tmp/bench-snapshot-cow.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$DATA"
}
trap cleanup EXIT

boot=""
for i in 1 2 3; do boot+="${boot:+,}n$i=127.0.0.1:$((BASE + 1000 + i))"; done
for i in 1 2 3; do
	mkdir -p "$DATA/n$i"
	"$BIN" serve --id "n$i" --resp "127.0.0.1:$((BASE + i))" --raft "127.0.0.1:$((BASE + 1000 + i))" \
		--data "$DATA/n$i" --bootstrap "$boot" ${KV_FLAGS:-} >"$DATA/n$i/kv.log" 2>&1 &
	PIDS+=($!)
done
info() { { timeout 5 redis-cli -p "$((BASE + $1))" RAFT INFO 2>/dev/null || true; } | tr -d "\r" | sed -n "s/^$2://p"; }
leader=""
for _ in $(seq 1 200); do
	for i in 1 2 3; do [[ $(info "$i" role) == leader ]] && leader=$i; done
	[[ -n $leader ]] && break
	sleep 0.1
done
[[ -n $leader ]] || { echo "no leader after 20 s" >&2; exit 1; }
port=$((BASE + leader))
echo "binary $BIN ${KV_FLAGS:-}, leader n$leader (port $port), load average $(cut -d' ' -f1-3 /proc/loadavg)"

redis-benchmark -p "$port" -t set -n "$KEYS" -r 100000000 -d 64 -P 32 -c 32 -q 2>&1 | tr '\r' '\n' | grep -v '^$' | tail -1 || true
echo "keys: $(redis-cli -p "$port" DBSIZE || true)"
terms() { local i; for i in 1 2 3; do printf 'n%s:%s ' "$i" "$(info "$i" term)"; done; }
before=$(terms)

redis-benchmark -p "$port" -t set -n "$OPS" -r 100000000 -d 64 -c 16 >"$DATA/loop.txt" 2>&1 &
loop=$!
sleep "$WAIT"
t0=$(date +%s.%N)
snap=$(redis-cli -p "$port" RAFT SNAPSHOT 2>&1 || true)
t1=$(date +%s.%N)
wait "$loop" || true
after=$(terms)

tr '\r' '\n' <"$DATA/loop.txt" | grep -E 'requests per second|latency summary|avg +min|^ +[0-9.]+ +[0-9.]+ +[0-9.]+' | head -4
echo "errors in the loop: $(tr '\r' '\n' <"$DATA/loop.txt" | grep -ciE 'error|NOTLEADER|UNCERTAIN' || true)"
echo "RAFT SNAPSHOT: $snap in $(echo "$t1 - $t0" | bc) s"
echo "terms before: $before"
echo "terms after:  $after"
for i in 1 2 3; do
	echo "n$i: $(grep -c 'heartbeat timeout reached' "$DATA/n$i/kv.log" || true) heartbeat timeouts in its log"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
