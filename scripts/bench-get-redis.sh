#!/usr/bin/env bash
# Linearizable GET on the leader of a three-node Redraft cluster against
# redis-server's GET, side by side: bin/loadgen -op read (closed loop, 10,000
# keys of 64 bytes written first, one connection per client) for CLIENTS
# clients, DURATION seconds per point, ROUNDS rounds alternating the
# systems: Redraft with each --read-confirm of CONFIRMS (a fresh cluster
# for each), then redis-server.
# redis-server runs with --save '' --appendonly no on a free port;
# the cluster is scripts/cluster.sh's (ports 6381-6383/7381-7383, data under
# data/bench-get-redis/). Prints each run's loadgen line and a markdown table.
#
#   scripts/bench-get-redis.sh   # env: CLIENTS=16 DURATION=15 ROUNDS=3 CONFIRMS="probe heartbeat"
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-16} DURATION=${DURATION:-15} ROUNDS=${ROUNDS:-3}
read -r -a CONFIRMS <<<"${CONFIRMS:-probe heartbeat}"
for p in 6381 6382 6383 7381 7382 7383; do
	if [[ -n $(ss -ltnH "sport = :$p") ]]; then echo "port $p is in use (make run?); stop it first" >&2; exit 1; fi
done
scripts/deps.sh >/dev/null
make -s build
(cd cmd/loadgen && go build -o ../../bin/loadgen .)
export DATA=data/bench-get-redis
FLAGS=${KV_FLAGS:---log-level warn}
rm -rf "$DATA"
mkdir -p "$DATA"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$DATA/redis.log" 2>&1 &
rpid=$!
cleanup() { kill "$rpid" 2>/dev/null || true; scripts/cluster.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM; $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!results' || echo -dirty); load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A ops
systems=()
for c in "${CONFIRMS[@]}"; do systems+=("redraft-$c"); done
systems+=(redis)
for r in $(seq "$ROUNDS"); do
	for sys in "${systems[@]}"; do
		if [[ $sys == redraft-* ]]; then
			scripts/cluster.sh stop >/dev/null 2>&1 || true
			rm -rf "$DATA"/n*
			KV_FLAGS="$FLAGS --read-confirm ${sys#redraft-}" scripts/cluster.sh start >/dev/null
			t=redis://127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383
		else
			scripts/cluster.sh stop >/dev/null 2>&1 || true
			t=redis://127.0.0.1:$port
		fi
		line=$(bin/loadgen -target "$t" -op read -clients "$CLIENTS" -duration "${DURATION}s" -warmup 2s 2>&1 | tail -1)
		echo "round $r $sys $line"
		ops[$r,$sys]=$(sed -n 's/.*"ops_per_s":\([0-9]*\).*/\1/p' <<<"$line")
	done
done
echo
head="| round |"; sep="|---:|"
for sys in "${systems[@]}"; do head+=" $sys GET/s |"; sep+="---:|"; done
for c in "${CONFIRMS[@]}"; do head+=" redraft-$c / redis |"; sep+="---:|"; done
echo "$head"
echo "$sep"
for r in $(seq "$ROUNDS"); do
	row="| $r |"
	for sys in "${systems[@]}"; do row+=" ${ops[$r,$sys]} |"; done
	for c in "${CONFIRMS[@]}"; do row+=" $(awk -v a="${ops[$r,redraft-$c]}" -v b="${ops[$r,redis]}" 'BEGIN {printf "%.2f", a/b}') |"; done
	echo "$row"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
