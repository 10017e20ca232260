#!/usr/bin/env bash
# Pub/sub fan-out benchmark: bin/psbench (100 subscribers on one channel,
# 4 publishers with 16 PUBLISHes in flight each) against a standalone node,
# redis-server, and a three-node cluster (subscribers and publishers spread
# over the three nodes), one after the other, on 127.0.0.1.
#
#   scripts/bench-pubsub.sh [MESSAGES=20000] [SUBS=100]
set -euo pipefail
cd "$(dirname "$0")/.."
M=${1:-20000}
S=${2:-100}
scripts/deps.sh
make -s build
go build -o bin/psbench ./cmd/psbench
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ok() { for _ in $(seq 200); do [[ $(redis-cli -p "$1" set __bench_probe 1 2>/dev/null) == OK ]] && return 0; sleep 0.1; done; echo "no leader on $1" >&2; return 1; }
bench() { # label sub-addrs pub-addrs
	echo "## $1"
	bin/psbench -sub "$2" -pub "$3" -subs "$S" -messages "$M"
}
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD); load average $(cut -d' ' -f1-3 /proc/loadavg)"

p=$(free_port)
bin/kv serve --resp "127.0.0.1:$p" --standalone --log-level warn 2>"$tmp/standalone.log" & pids+=($!)
wait_ok "$p"
bench "kv serve --standalone" "127.0.0.1:$p" "127.0.0.1:$p"

r=$(free_port)
redis-server --port "$r" --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 & pids+=($!)
wait_ok "$r"
bench "redis-server $(redis-server --version | cut -d' ' -f3)" "127.0.0.1:$r" "127.0.0.1:$r"

declare -a resp raft
for i in 1 2 3; do resp[$i]=$(free_port); raft[$i]=$(free_port); done
boot="n1=127.0.0.1:${raft[1]},n2=127.0.0.1:${raft[2]},n3=127.0.0.1:${raft[3]}"
for i in 1 2 3; do
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" --data "$tmp/n$i" \
		--bootstrap "$boot" --log-level warn 2>"$tmp/n$i.log" & pids+=($!)
done
wait_ok "${resp[1]}"
for i in 2 3; do wait_ok "${resp[$i]}"; done
all="127.0.0.1:${resp[1]},127.0.0.1:${resp[2]},127.0.0.1:${resp[3]}"
leader=$(redis-cli -p "${resp[1]}" raft info | tr -d '\r' | sed -n 's/^leader_client_addr://p')
bench "3-node cluster: subscribers on all nodes, publishers through the leader" "$all" "$leader"
bench "3-node cluster: subscribers and publishers on all nodes (followers forward)" "$all" "$all"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
