#!/usr/bin/env bash
# CPU per durable write on a three-node cluster: every node runs with
# --cpuprofile, redis-benchmark sends SETs to the leader, then the nodes are
# stopped (SIGTERM writes the profiles) and go tool pprof prints the
# leader's and a follower's top functions and the CPU seconds per SET of
# the three nodes together.
#
#   scripts/profile-writes.sh [STORE=wal] [REQUESTS=200000] [CLIENTS=50] [PIPELINE=1]
#
# TEST=get profiles linearizable reads instead (redis-benchmark -t get; the
# "per SET" figure is then per GET); KEEP=1 keeps the nodes' logs.
#
# Profiles stay in OUT (default results/profiles-<store>, not committed).
set -euo pipefail
"$(dirname "$0")/deps.sh" # redis-cli and the rest, on a fresh machine
cd "$(dirname "$0")/.."
STORE=${1:-wal}
TEST=${TEST:-set}
N=${2:-200000}
C=${3:-50}
P=${4:-1}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
read -r -a CLUSTER_FLAGS <<<"${CLUSTER_FLAGS:---heartbeat-timeout 1s --election-timeout 1s --lease-timeout 500ms}"
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [[ -n ${KEEP:-} ]] || rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ok() { for _ in $(seq 600); do [[ $(redis-cli -p "$1" set __bench_probe 1 2>/dev/null) == OK ]] && return 0; sleep 0.05; done; echo "no leader on $1" >&2; return 1; }
declare -a resp raft
for i in 1 2 3; do resp[$i]=$(free_port); raft[$i]=$(free_port); done
boot="n1=127.0.0.1:${raft[1]},n2=127.0.0.1:${raft[2]},n3=127.0.0.1:${raft[3]}"
for i in 1 2 3; do
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" --data "$tmp/n$i" \
		--bootstrap "$boot" --log-store "$STORE" --log-level warn --cpuprofile "$OUT/n$i.prof" "${CLUSTER_FLAGS[@]}" 2>>"$tmp/n$i.log" &
	pids+=($!)
done
wait_ok "${resp[1]}"
info=$(redis-cli -p "${resp[1]}" raft info | tr -d '\r')
leader=$(sed -n 's/^leader_id://p' <<<"$info")
lport=$(sed -n 's/^leader_client_addr:.*://p' <<<"$info")
echo "commit $(git rev-parse --short HEAD); store $STORE; leader $leader; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "redis-benchmark -t $TEST -c $C -P $P -n $N -r 1000000"
redis-benchmark -p "$lport" -q -t "$TEST" -c "$C" -P "$P" -n "$N" -r 1000000 2>&1 | tr '\r' '\n' | grep 'requests per second'
linfo=$(redis-cli -p "$lport" raft info | tr -d '\r')
entries=$(sed -n 's/^proposed_entries://p' <<<"$linfo")
if [[ $TEST == get ]]; then
	rounds=$(sed -n 's/^read_barrier_rounds://p' <<<"$linfo")
	reads=$(sed -n 's/^read_barrier_reads://p' <<<"$linfo")
	echo "read barrier: $reads reads in $rounds rounds ($(echo "$reads / $rounds" | bc -l | xargs printf '%.2f') per round)"
fi
for p in "${pids[@]}"; do kill -TERM "$p"; done
wait 2>/dev/null || true
pids=()
total=0
for i in 1 2 3; do
	# "Duration: 20.5s, Total samples = 12.3s (60%)"; samples in s or ms.
	s=$(go tool pprof -top "$OUT/n$i.prof" 2>/dev/null | awk '/^Duration:/ {for (k=1;k<=NF;k++) if ($k=="Total") v=$(k+3); if (v ~ /ms$/) {sub("ms","",v); v=v/1000} else sub("s","",v); print v}')
	echo "n$i CPU: ${s}s"
	total=$(echo "$total + $s" | bc -l)
done
echo "CPU of the three nodes: ${total}s for $N SETs in $entries log entries: $(echo "$total * 1000000 / $N" | bc -l | xargs printf '%.1f') us per SET"
follower=n1; [[ $leader == n1 ]] && follower=n2
for n in "$leader" "$follower"; do
	echo
	echo "## $n ($([[ $n == "$leader" ]] && echo leader || echo follower)), top 25 by cumulative CPU"
	go tool pprof -top -cum -nodecount 25 "$OUT/$n.prof" 2>/dev/null | sed -n '/flat%/,$p'
	echo
	echo "## $n, top 25 by own CPU"
	go tool pprof -top -nodecount 25 "$OUT/$n.prof" 2>/dev/null | sed -n '/flat%/,$p'
done
echo "profiles in $OUT"
