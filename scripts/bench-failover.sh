#!/usr/bin/env bash
# Failover and leader stability of three-node Redraft clusters on 127.0.0.1,
# for several Raft timer settings measured side by side (results/failover.md).
#
#   scripts/bench-failover.sh [HEARTBEAT/ELECTION/LEASE ...]
#   (default: 150ms/150ms/100ms 500ms/500ms/300ms 1s/1s/500ms)
#
# One cluster per setting, all running at once, each preloaded with KEYS
# SETs of 64-byte values (redis-benchmark -r KEYS). Then, interleaved over
# the settings:
# - KILLS failover trials: bin/loadgen writes with 8 clients spread over the
#   three nodes; bin/failprobe (cmd/failprobe) SIGKILLs the leader (RAFT
#   INFO) and reports the time from the kill to the first acknowledged write
#   sent after it, through the two survivors; the killed node is restarted
#   and waited for until its applied_index reaches the leader's.
# - ROUNDS stability windows of WINDOW seconds without any fault: 8 writers
#   (keyspace KEYS) and 8 linearizable readers (bin/loadgen -nodes all) plus
#   RAFT SNAPSHOT on every node every SNAP_EVERY seconds, on top of the
#   automatic snapshots of --snapshot-threshold THRESHOLD; elections are the
#   growth of the largest term over the window (pre-vote is on, so a term
#   only grows when an election starts for real).
# Env: KILLS=10 ROUNDS=3 WINDOW=60 KEYS=300000 SNAP_EVERY=20 THRESHOLD=1024
# KV_FLAGS (extra flags for every node). Prints markdown; node logs and
# loadgen's error texts are kept in data/bench-failover/.
set -euo pipefail
"$(dirname "$0")/deps.sh" # redis-cli and the rest, on a fresh machine
cd "$(dirname "$0")/.."
KILLS=${KILLS:-10} ROUNDS=${ROUNDS:-3} WINDOW=${WINDOW:-60} KEYS=${KEYS:-300000}
SNAP_EVERY=${SNAP_EVERY:-20} THRESHOLD=${THRESHOLD:-1024} KV_FLAGS=${KV_FLAGS:-}
settings=("$@")
[[ ${#settings[@]} -gt 0 ]] || settings=(150ms/150ms/100ms 500ms/500ms/300ms 1s/1s/500ms)
make -s build
go build -o bin/failprobe ./cmd/failprobe
(cd cmd/loadgen && go build -o ../../bin/loadgen .)
DIR=data/bench-failover
rm -rf "$DIR"
mkdir -p "$DIR"

declare -A pid resp raft
bg=() # loadgen and snapshot-loop pids
cleanup() {
	local p
	for p in "${bg[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
load() { cut -d' ' -f1 /proc/loadavg; }
now() { date +%s.%N; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.0f", (b-a)*1000}'; }

start_node() { # setting node
	local j=$1 i=$2 hb el ls boot="" n
	IFS=/ read -r hb el ls <<<"${settings[$j]}"
	for n in 1 2 3; do boot+="${boot:+,}n$n=127.0.0.1:${raft[$j,$n]}"; done
	# shellcheck disable=SC2086
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$j,$i]}" --raft "127.0.0.1:${raft[$j,$i]}" \
		--data "$DIR/s$j/n$i" --bootstrap "$boot" --heartbeat-timeout "$hb" --election-timeout "$el" \
		--lease-timeout "$ls" --snapshot-threshold "$THRESHOLD" --log-level warn $KV_FLAGS \
		2>>"$DIR/s$j/n$i.log" &
	pid[$j,$i]=$!
}
field() { # setting node name: one RAFT INFO field ("" when the node does not answer)
	timeout 2 redis-cli -p "${resp[$1,$2]}" RAFT INFO 2>/dev/null | tr -d '\r' | sed -n "s/^$3://p" || true
}
max_term() { # setting
	local i t m=0
	for i in 1 2 3; do t=$(field "$1" "$i" term); [[ -n $t && $t -gt $m ]] && m=$t; done
	echo "$m"
}
leader() { # setting: the leader's node number, once a node names it and it says so itself
	local j=$1 i a l _
	for _ in $(seq 300); do
		for i in 1 2 3; do
			a=$(field "$j" "$i" leader_client_addr)
			[[ -n $a ]] || continue
			for l in 1 2 3; do
				if [[ $a == "127.0.0.1:${resp[$j,$l]}" && $(field "$j" "$l" role) == leader ]]; then
					echo "$l"; return 0
				fi
			done
		done
		sleep 0.1
	done
	echo "setting ${settings[$j]}: no leader after 30 s" >&2
	return 1
}
addrs() { # setting [except-node]: comma-separated RESP addresses
	local i out=""
	for i in 1 2 3; do [[ $i == "${2:-}" ]] || out+="${out:+,}127.0.0.1:${resp[$1,$i]}"; done
	echo "$out"
}
stop_bg() {
	local p
	for p in "${bg[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	bg=()
}

echo "- machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM, shared with other sessions; $(go version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)"
echo "- settings (heartbeat/election/lease): ${settings[*]}; KILLS=$KILLS ROUNDS=$ROUNDS WINDOW=${WINDOW}s KEYS=$KEYS SNAP_EVERY=${SNAP_EVERY}s THRESHOLD=$THRESHOLD KV_FLAGS='$KV_FLAGS'"
echo "- start: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for j in "${!settings[@]}"; do
	for i in 1 2 3; do resp[$j,$i]=$(free_port); raft[$j,$i]=$(free_port); done
	mkdir -p "$DIR/s$j"
	for i in 1 2 3; do start_node "$j" "$i"; done
done
for j in "${!settings[@]}"; do
	l=$(leader "$j")
	t0=$(now)
	redis-benchmark -p "${resp[$j,$l]}" -t set -n "$KEYS" -r "$KEYS" -d 64 -P 32 -c 16 -q >/dev/null 2>&1 ||
		echo "- preload ${settings[$j]}: redis-benchmark failed (a leader change?)"
	echo "- preload ${settings[$j]}: $KEYS SETs in $(ms_since "$t0") ms, $(redis-cli -p "${resp[$j,$l]}" dbsize) keys"
done

declare -A fo term0 kills
for j in "${!settings[@]}"; do term0[$j]=$(max_term "$j"); kills[$j]=0; done
echo
echo "### Failover after kill -9 of the leader"
echo
echo "| kill | setting | load | term before -> after | failover ms | restart catch-up ms |"
echo "|---|---|---|---|---:|---:|"
for k in $(seq "$KILLS"); do
	for j in "${!settings[@]}"; do
		la=$(load)
		bin/loadgen -target "redis://$(addrs "$j")" -nodes all -op write -clients 8 -keys "$KEYS" \
			-duration 1h -warmup 0s -timeout 2s >/dev/null 2>>"$DIR/loadgen.err" &
		bg+=($!)
		sleep 2
		l=$(leader "$j") || { stop_bg; continue; }
		tb=$(max_term "$j")
		out=$(bin/failprobe -addrs "$(addrs "$j" "$l")" -pid "${pid[$j,$l]}" 2>&1) || out="failed: $out"
		wait "${pid[$j,$l]}" 2>/dev/null || true
		ms=$(sed -n 's/^failover_ms //p' <<<"$out")
		stop_bg
		t0=$(now)
		start_node "$j" "$l"
		nl=$(leader "$j") || nl=$l
		target=$(field "$j" "$nl" applied_index)
		for _ in $(seq 600); do
			a=$(field "$j" "$l" applied_index)
			[[ -n $a && $a -ge $target ]] && break
			sleep 0.1
		done
		cu=$(ms_since "$t0")
		echo "| $k | ${settings[$j]} | $la | $tb -> $(max_term "$j") | ${ms:-$out} | $cu |"
		fo[$j]+="${ms:-99999} "
		[[ -n $ms ]] && kills[$j]=$((${kills[$j]} + 1))
	done
done
echo
echo "| setting | kills | failover p50 ms | max ms |"
echo "|---|---:|---:|---:|"
for j in "${!settings[@]}"; do
	tr ' ' '\n' <<<"${fo[$j]}" | sed '/^$/d' | sort -g |
		awk -v s="${settings[$j]}" '{v[NR]=$1} END {printf "| %s | %d | %s | %s |\n", s, NR, v[int((NR+1)/2)], v[NR]}'
done

declare -A el
echo
echo "### Leader stability: ${WINDOW}s windows of writes, linearizable reads and snapshots, no faults"
echo
echo "| round | setting | load start / end | term before -> after | elections | write ops/s (errors) | read ops/s (errors) | RAFT SNAPSHOT max ms |"
echo "|---|---|---|---|---:|---|---|---:|"
for r in $(seq "$ROUNDS"); do
	for j in "${!settings[@]}"; do
		leader "$j" >/dev/null || true # loadgen cannot start without a leader
		la=$(load)
		tb=$(max_term "$j")
		bin/loadgen -target "redis://$(addrs "$j")" -nodes all -op write -clients 8 -keys "$KEYS" \
			-duration "${WINDOW}s" -warmup 0s -timeout 2s >"$DIR/w.out" 2>>"$DIR/loadgen.err" &
		w=$!
		bin/loadgen -target "redis://$(addrs "$j")" -nodes all -op read -clients 8 -keys 10000 \
			-duration "${WINDOW}s" -warmup 0s -timeout 2s >"$DIR/r.out" 2>>"$DIR/loadgen.err" &
		rd=$!
		echo 0 >"$DIR/snapmax"
		(
			m=0
			while sleep "$SNAP_EVERY"; do
				for i in 1 2 3; do
					t0=$(now)
					timeout 30 redis-cli -p "${resp[$j,$i]}" RAFT SNAPSHOT >/dev/null 2>&1 || true
					d=$(ms_since "$t0")
					[[ $d -gt $m ]] && m=$d && echo "$m" >"$DIR/snapmax"
				done
			done
		) &
		bg+=($!)
		wait "$w" "$rd" || true
		stop_bg
		ta=$(max_term "$j")
		el[$j]=$((${el[$j]:-0} + ta - tb))
		js() { grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2; }
		printf '| %s | %s | %s / %s | %s -> %s | %s | %.0f (%s) | %.0f (%s) | %s |\n' "$r" "${settings[$j]}" "$la" "$(load)" \
			"$tb" "$ta" "$((ta - tb))" "$(js "$DIR/w.out" ops_per_s)" "$(js "$DIR/w.out" errors)" \
			"$(js "$DIR/r.out" ops_per_s)" "$(js "$DIR/r.out" errors)" "$(cat "$DIR/snapmax")"
	done
done
echo
echo "| setting | fault-free seconds | elections |"
echo "|---|---:|---:|"
for j in "${!settings[@]}"; do echo "| ${settings[$j]} | $((ROUNDS * WINDOW)) | ${el[$j]} |"; done
echo
echo "Every cluster ran for the whole session, idle while another one was measured. Elections over"
echo "the session that no kill explains (largest term at the end minus after the preload minus kills):"
echo
echo "| setting | term after preload -> end | kills | elections without a fault |"
echo "|---|---|---:|---:|"
for j in "${!settings[@]}"; do
	te=$(max_term "$j")
	echo "| ${settings[$j]} | ${term0[$j]} -> $te | ${kills[$j]} | $((te - ${term0[$j]} - ${kills[$j]})) |"
done
echo
echo "- end: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
