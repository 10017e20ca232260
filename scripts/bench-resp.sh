#!/usr/bin/env bash
# RESP edge benchmark: bin/kv serve --standalone vs redis-server (no persistence),
# one after the other in each round, ROUNDS rounds; prints every round and the
# median requests/s per test and the kv/redis ratio.
#
#   scripts/bench-resp.sh [ROUNDS=3]
#
# Command per target and pipeline depth:
#   redis-benchmark -q -t set,get,incr,lpush,rpop,sadd,hset,zadd -c 50 -n 200000 -P {1,16}
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
TESTS=set,get,incr,lpush,rpop,sadd,hset,zadd
scripts/deps.sh
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

bench() { # target port pipeline round
	redis-benchmark -p "$2" -q -t "$TESTS" -c 50 -n 200000 -P "$3" 2>/dev/null | tr '\r' '\n' |
		awk -v t="$1" -v p="$3" -v r="$4" '/requests per second/ {sub(":","",$1); print r, t, p, $1, $2}' >>"$tmp/raw"
}
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)"
for r in $(seq "$ROUNDS"); do
	p=$(free_port)
	bin/kv serve --resp "127.0.0.1:$p" --standalone --log-level warn & pids+=($!)
	wait_port "$p"
	for P in 1 16; do bench kv "$p" "$P" "$r"; done
	kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
	p=$(free_port)
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null & pids+=($!)
	wait_port "$p"
	for P in 1 16; do bench redis "$p" "$P" "$r"; done
	kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
echo "round target -P test req/s"; cat "$tmp/raw"
echo
echo "| -P | test | kv req/s (median) | redis req/s (median) | kv/redis |"
echo "|---|---|---:|---:|---:|"
python3 - "$tmp/raw" <<'PY'
import sys, statistics, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, t, p, test, v = line.split()
    d[(t, int(p), test)].append(float(v))
for p in (1, 16):
    for test in ["SET","GET","INCR","LPUSH","RPOP","SADD","HSET","ZADD"]:
        k, rr = d.get(("kv",p,test)), d.get(("redis",p,test))
        if not k or not rr: continue
        mk, mr = statistics.median(k), statistics.median(rr)
        print(f"| {p} | {test} | {mk:,.0f} | {mr:,.0f} | {mk/mr:.2f} |")
PY
