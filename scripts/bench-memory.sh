#!/usr/bin/env bash
# bench-memory.sh: memory per key of a kv.Machine against Redis 7.0 holding
# the same keys: KEYS string keys "key:%012d" with 64-byte values "val:%060d"
# (default 1,000,000). Redis's side is INFO memory's used_memory and
# used_memory_dataset after loading the keys with redis-cli --pipe; kv's side
# is the live Go heap (runtime.ReadMemStats HeapAlloc after GC) of
# TestMemoryPerKey in kv/memory_test.go. Prints both and the ratio, and exits
# 1 when kv needs more than TARGET (default 1.5) times Redis's used_memory.
#
# Usage: scripts/bench-memory.sh            (from anywhere in the repository)
#        KEYS=100000 TARGET=1.5 scripts/bench-memory.sh
#
# The Redis server runs on a free loopback port with persistence off
# (--save '' --appendonly no) and is always shut down on exit.
set -euo pipefail

KEYS=${KEYS:-1000000}
TARGET=${TARGET:-1.5}
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	echo "installing redis-server and redis-tools" >&2
	apt-get install -y redis-server redis-tools >/dev/null
fi
redis_version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
case $redis_version in
7.0.*) ;;
*) echo "warning: redis-server $redis_version, the reference is 7.0" >&2 ;;
esac

tmp=$(mktemp -d)
pid=
port=
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# port_free reports whether nothing listens on 127.0.0.1:$1 (connect refused).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Start redis-server on a free port; retry if another process takes the
# port between the check and the bind.
for attempt in 1 2 3 4 5; do
	port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	port_free "$port" || continue
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --logfile "$tmp/redis.log" --dir "$tmp" &
	pid=$!
	for _ in $(seq 100); do # up to 10 s
		if [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; then
			break 2
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
done
if [[ -z $pid ]]; then
	echo "could not start redis-server" >&2
	cat "$tmp/redis.log" >&2 2>/dev/null || true
	exit 1
fi

info() { redis-cli -p "$port" info memory | tr -d '\r' | sed -n "s/^$1://p"; }
empty_used=$(info used_memory)

# The same bytes as appendTestKey in kv/snapshot_test.go, as SET commands in RESP.
awk -v n="$KEYS" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$64\r\nval:%060d\r\n", i, i
}' | redis-cli -p "$port" --pipe >"$tmp/pipe.log"

dbsize=$(redis-cli -p "$port" dbsize)
if [[ $dbsize != "$KEYS" ]]; then
	echo "redis holds $dbsize keys, want $KEYS" >&2
	cat "$tmp/pipe.log" >&2
	exit 1
fi
last=$((KEYS - 1))
want=$(printf 'val:%060d' "$last")
got=$(redis-cli -p "$port" get "$(printf 'key:%012d' "$last")")
if [[ $got != "$want" ]]; then
	echo "redis GET of the last key: got $got, want $want" >&2
	exit 1
fi
used=$(info used_memory)
dataset=$(info used_memory_dataset)
rss=$(info used_memory_rss)
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$pid" 2>/dev/null || true
pid=

gotest=$(KV_MEMORY_KEYS=$KEYS go test -count=1 -v -run '^TestMemoryPerKey$' ./kv/)
kv_set=$(sed -n 's/^kv_memory how=set .*heap_bytes=\([0-9]*\).*/\1/p' <<<"$gotest")
kv_restore=$(sed -n 's/^kv_memory how=restore .*heap_bytes=\([0-9]*\).*/\1/p' <<<"$gotest")
breakdown=$(sed -n 's/^kv_breakdown //p' <<<"$gotest")
process=$(sed -n 's/^kv_process //p' <<<"$gotest")
if [[ -z $kv_set || -z $kv_restore ]]; then
	echo "no measurement from go test:" >&2
	echo "$gotest" >&2
	exit 1
fi

awk -v keys="$KEYS" -v used="$used" -v empty="$empty_used" -v dataset="$dataset" -v rss="$rss" \
	-v kvs="$kv_set" -v kvr="$kv_restore" -v target="$TARGET" -v rv="$redis_version" -v bd="$breakdown" -v proc="$process" '
function mib(b) { return sprintf("%8.1f MiB", b / 1048576) }
function per(b) { return sprintf("%6.1f B/key", b / keys) }
BEGIN {
	printf "keys: %d (\"key:%%012d\", 64-byte values)\n", keys
	printf "redis %s used_memory          %s  %s\n", rv, mib(used), per(used)
	printf "redis %s used_memory - empty  %s  %s\n", rv, mib(used - empty), per(used - empty)
	printf "redis %s used_memory_dataset  %s  %s\n", rv, mib(dataset), per(dataset)
	printf "redis %s used_memory_rss      %s  %s\n", rv, mib(rss), per(rss)
	printf "kv heap after SET             %s  %s\n", mib(kvs), per(kvs)
	printf "kv heap after Restore         %s  %s\n", mib(kvr), per(kvr)
	printf "kv breakdown (bytes/key): %s\n", bd
	printf "kv process after SET (bytes): %s\n", proc
	ratio = kvs / used
	printf "ratio kv/used_memory: %.3f   kv/used_memory_dataset: %.3f   (target <= %s)\n", ratio, kvs / dataset, target
	if (ratio > target) { print "OVER TARGET"; exit 1 }
	print "target met"
}'
