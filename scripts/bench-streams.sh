#!/usr/bin/env bash
# Stream benchmark: redis-benchmark XADD, XRANGE and XREAD against
# redis-server 7.0.15 (persistence off), bin/kv standalone, and a
# three-node Redraft cluster through its leader and through a follower,
# all running at once on 127.0.0.1 and measured in turn, ROUNDS times
# (the machine is shared: compare within a round).
#
#   scripts/bench-streams.sh [REQUESTS=50000] [ROUNDS=2]
#
#   redis-benchmark -q -c 50 -n REQUESTS -P {1,16} <command>
set -euo pipefail
set -f # the commands below hold a literal *
cd "$(dirname "$0")/.."
N=${1:-50000}
ROUNDS=${2:-2}
scripts/deps.sh >/dev/null
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ok() { for _ in $(seq 200); do [[ $(redis-cli -p "$1" set __bench_probe 1 2>/dev/null) == OK ]] && return 0; sleep 0.1; done; echo "no server on $1" >&2; return 1; }

rs=$(free_port)
redis-server --port "$rs" --bind 127.0.0.1 --save '' --appendonly no >/dev/null & pids+=($!)
sa=$(free_port)
bin/kv serve --resp "127.0.0.1:$sa" --standalone --log-level warn 2>"$tmp/standalone.log" & pids+=($!)
declare -a resp raft
for i in 1 2 3; do resp[$i]=$(free_port); raft[$i]=$(free_port); done
boot="n1=127.0.0.1:${raft[1]},n2=127.0.0.1:${raft[2]},n3=127.0.0.1:${raft[3]}"
for i in 1 2 3; do
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" --data "$tmp/n$i" \
		--bootstrap "$boot" --log-level warn 2>"$tmp/n$i.log" & pids+=($!)
done
wait_ok "$rs"
wait_ok "$sa"
wait_ok "${resp[1]}"
leader=$(redis-cli -p "${resp[1]}" raft info | tr -d '\r' | sed -n 's/^leader_client_addr:.*://p')
follower=${resp[1]}
[[ $follower == "$leader" ]] && follower=${resp[2]}

echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD); requests $N; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | command | -P | redis-server | kv standalone | cluster leader | cluster follower |"
echo "|---|---|---|---:|---:|---:|---:|"
rps() { # port P command...
	local port=$1 p=$2
	shift 2
	redis-benchmark -p "$port" -q -c 50 -n "$N" -P "$p" "$@" 2>/dev/null | tr '\r' '\n' | awk 'match($0, /[0-9.]+ requests per second/) {split(substr($0, RSTART, RLENGTH), a, " "); print a[1]; exit}'
}
for round in $(seq "$ROUNDS"); do
	for P in 1 16; do
		for cmd in "XADD s * name value-12345678 n 12345" "XRANGE s - + COUNT 10" "XREAD COUNT 10 STREAMS s 0"; do
			# shellcheck disable=SC2086
			row="| $round | \`$cmd\` | $P |"
			for port in "$rs" "$sa" "$leader" "$follower"; do
				row+=" $(rps "$port" "$P" $cmd) |"
			done
			echo "$row"
		done
	done
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
