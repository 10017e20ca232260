#!/usr/bin/env bash
# Bitmap and HyperLogLog benchmark: bin/kv serve --standalone vs redis-server (no
# persistence), one after the other in each round, ROUNDS rounds; prints every round
# and the median requests/s per command and pipeline depth, and the kv/redis ratio.
#
#   scripts/bench-bits.sh [ROUNDS=3]
#
# Per target, pipeline depth P in {1,16} and command:
#   redis-benchmark -q -c 50 -n 100000 -r 100000 -P P SETBIT bits:__rand_int__ 1000 1
#   ... GETBIT bits:__rand_int__ 1000 | PFADD hll __rand_int__ | PFCOUNT hll
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
N=${N:-100000}
scripts/deps.sh
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# __rand_int__ expands to 12 zero-padded digits, which a bit offset refuses (no leading
# zeros): the bitmap commands draw the key, not the offset.
CMDS=("SETBIT bits:__rand_int__ 1000 1" "GETBIT bits:__rand_int__ 1000" "PFADD hll __rand_int__" "PFCOUNT hll")
bench() { # target port pipeline round
	for c in "${CMDS[@]}"; do
		# shellcheck disable=SC2086
		redis-benchmark -p "$2" -q -c 50 -n "$N" -r 100000 -P "$3" $c 2>/dev/null | tr '\r' '\n' |
			awk -v t="$1" -v p="$3" -v r="$4" -v c="${c%% *}" '/requests per second/ {for (i = 1; i < NF; i++) if ($(i+1) == "requests") print r, t, p, c, $i}' >>"$tmp/raw"
	done
}
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)"
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
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "round target -P command req/s"; cat "$tmp/raw"
echo
echo "median req/s (kv / redis):"
python3 - "$tmp/raw" <<'PY'
import sys, statistics, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, t, p, c, v = line.split()
    d[(c, p, t)].append(float(v))
print("| command | -P | kv | redis-server | kv/redis |")
print("|---|---:|---:|---:|---:|")
for c in ["SETBIT", "GETBIT", "PFADD", "PFCOUNT"]:
    for p in ["1", "16"]:
        k, r = d.get((c, p, "kv")), d.get((c, p, "redis"))
        if k and r:
            mk, mr = statistics.median(k), statistics.median(r)
            print(f"| {c} | {p} | {mk:,.0f} | {mr:,.0f} | {mk/mr:.2f}x |")
PY
