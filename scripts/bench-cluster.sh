#!/usr/bin/env bash
# Durable-write benchmark: redis-benchmark SET/GET against the leader of a
# three-node Redraft cluster, a one-node cluster, and redis-server with
# appendfsync always and everysec, one after the other, on 127.0.0.1.
#
#   scripts/bench-cluster.sh [REQUESTS=200000]
#
#   redis-benchmark -q -t set,get -c 50 -n REQUESTS -P {1,16}
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
scripts/deps.sh
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ok() { for _ in $(seq 200); do [[ $(redis-cli -p "$1" set __bench_probe 1 2>/dev/null) == OK ]] && return 0; sleep 0.1; done; echo "no leader on $1" >&2; return 1; }
run_bench() { # label port
	for P in 1 16; do
		redis-benchmark -p "$2" -q -t set,get -c 50 -n "$N" -P "$P" 2>/dev/null | tr '\r' '\n' |
			awk -v l="$1" -v p="$P" '/requests per second/ {sub(":","",$1); printf "| %s | %s | %s | %s |\n", l, p, $1, $2}'
	done
}
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD); requests $N"
echo "| target | -P | test | req/s |"
echo "|---|---|---|---:|"

# Three-node cluster; the benchmark targets the leader.
declare -a resp raft
for i in 1 2 3; do resp[$i]=$(free_port); raft[$i]=$(free_port); done
boot="n1=127.0.0.1:${raft[1]},n2=127.0.0.1:${raft[2]},n3=127.0.0.1:${raft[3]}"
for i in 1 2 3; do
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" --data "$tmp/n$i" \
		--bootstrap "$boot" --log-level warn 2>"$tmp/n$i.log" & pids+=($!)
done
wait_ok "${resp[1]}"
leader=$(redis-cli -p "${resp[1]}" raft info | tr -d '\r' | sed -n 's/^leader_client_addr:.*://p')
run_bench "3-node cluster (leader)" "$leader"
for p in "${pids[@]}"; do kill -TERM "$p"; done; wait 2>/dev/null || true; pids=()

# One-node cluster.
p=$(free_port); r=$(free_port)
bin/kv serve --id solo --resp "127.0.0.1:$p" --raft "127.0.0.1:$r" --data "$tmp/solo" --log-level warn 2>"$tmp/solo.log" & pids+=($!)
wait_ok "$p"
run_bench "1-node cluster" "$p"
kill -TERM "${pids[-1]}"; wait 2>/dev/null || true; pids=()

for mode in always everysec; do
	p=$(free_port); mkdir -p "$tmp/redis-$mode"
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$mode" --dir "$tmp/redis-$mode" >/dev/null & pids+=($!)
	wait_ok "$p"
	run_bench "redis-server appendfsync $mode" "$p"
	kill -TERM "${pids[-1]}"; wait 2>/dev/null || true; pids=()
done
