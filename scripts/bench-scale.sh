#!/usr/bin/env bash
# bench-scale.sh: a three-node Redraft cluster on 127.0.0.1 with KEYS keys
# (default 10,000,000 keys "key:%012d" of 64-byte values), then LOAD_S
# seconds (default 600) of closed-loop load with default node flags:
# WRITERS clients writing random keys of the whole keyspace and READERS
# clients reading (linearizable GET) 10,000 keys, all on the leader.
# Automatic snapshots happen on their own (raft's default threshold, 8192
# entries, checked every 2-4 minutes); at CATCHUP_AT seconds a follower is
# killed (-9) and kept down for DOWN_S seconds, and longer until more than
# 12000 entries were written since (raft keeps the last 10240 after a
# snapshot); then the leader takes a snapshot (RAFT SNAPSHOT) and the
# follower is restarted, so it catches up by InstallSnapshot.
#
# Reports (markdown on stdout; results/BENCHMARKS.md "Large datasets"):
# - the preload: time, keys, each node's RSS after it;
# - write latency p50/p99/p99.9/max with a snapshot in progress on some node
#   and without (bin/loadgen -watch-metric redraft_snapshot_in_progress,
#   scraped every 100 ms), errors, and the same for the reads;
# - leader changes (terms started: pre-vote is on, so a term only grows when
#   an election happens) and each node's redraft_raft_leader_changes_total;
# - every snapshot each node wrote (from a 0.5 s sampler of its metrics):
#   its duration (to the sampler's resolution), the node's RSS before it and
#   its peak RSS during it; snapshot counts, mean durations and sizes from the
#   nodes' own histograms;
# - the follower's catch-up: down and up times, whether it installed a
#   snapshot (the restores started, redraft_snapshot_restore_seconds_count:
#   the load of its own snapshot at start and every installed one, and
#   completed, redraft_snapshot_restores_total: an installed snapshot
#   cancels the load of its own) and the restores' total time
#   (redraft_snapshot_restore_seconds), when its client port answered
#   (once its state is loaded), time to reach the leader's
#   applied index, its peak RSS;
# - each node's peak RSS over the whole run.
#
# Env: KEYS=10000000 LOAD_S=600 WRITERS=16 READERS=8 CATCHUP_AT=240 DOWN_S=120
#      KV_FLAGS (extra flags for every node). Needs redis-cli and curl.
# Node logs, samples and loadgen output are kept in data/bench-scale/.
# GODEBUG (gctrace=1, say) reaches the nodes only: the load generators'
# stderr is read as their errors, and the Go toolchain would print (and
# cache, and replay in later builds) its compilers' traces.
set -euo pipefail
"$(dirname "$0")/deps.sh" # redis-cli and the rest, on a fresh machine
cd "$(dirname "$0")/.."
KEYS=${KEYS:-10000000} LOAD_S=${LOAD_S:-600} WRITERS=${WRITERS:-16} READERS=${READERS:-8}
CATCHUP_AT=${CATCHUP_AT:-240} DOWN_S=${DOWN_S:-120} KV_FLAGS=${KV_FLAGS:-}
((CATCHUP_AT + DOWN_S < LOAD_S)) || { echo "bench-scale: want CATCHUP_AT + DOWN_S < LOAD_S" >&2; exit 2; }
env -u GODEBUG make -s build
(cd cmd/loadgen && env -u GODEBUG go build -o ../../bin/loadgen .)
DIR=data/bench-scale
rm -rf "$DIR"
mkdir -p "$DIR"

declare -A pid resp raft met
bg=()
# shellcheck source=scripts/lib/bench-cluster.sh
source scripts/lib/bench-cluster.sh
metric() { # node name: a metric's value ("" when the node does not answer)
	curl -s --max-time 2 "http://127.0.0.1:${met[$1]}/metrics" 2>/dev/null | awk -v n="$2" '$1 == n {print $2; exit}' || true
}
start_node() {
	local i=$1 boot="" n
	for n in 1 2 3; do boot+="${boot:+,}n$n=127.0.0.1:${raft[$n]}"; done
	# shellcheck disable=SC2086
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" \
		--metrics-addr "127.0.0.1:${met[$i]}" --data "$DIR/n$i" --bootstrap "$boot" --log-level warn $KV_FLAGS \
		2>>"$DIR/n$i.log" &
	pid[$i]=$!
}
for i in 1 2 3; do resp[$i]=$(free_port); raft[$i]=$(free_port); met[$i]=$(free_port); done
echo "## bench-scale: $KEYS keys, ${LOAD_S}s of load"
echo
echo "- machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM, shared; $(go version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- kv replication cmd || echo ' (dirty)')"
echo "- env: KEYS=$KEYS LOAD_S=$LOAD_S WRITERS=$WRITERS READERS=$READERS CATCHUP_AT=$CATCHUP_AT DOWN_S=$DOWN_S KV_FLAGS='$KV_FLAGS'"
echo "- start: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do start_node "$i"; done
l=$(leader)

# Preload: KEYS distinct keys through redis-cli --pipe on the leader.
t0=$(now)
awk -v n="$KEYS" 'BEGIN {
	v = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
	for (i = 0; i < n; i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$64\r\n%s\r\n", i, v
}' | redis-cli -p "${resp[$l]}" --pipe >"$DIR/preload.out" 2>&1 || echo "- preload: redis-cli --pipe failed: $(tail -1 "$DIR/preload.out")"
pre_s=$(secs_since "$t0")
echo "- preload: $(tail -1 "$DIR/preload.out" | tr -d '\r') in ${pre_s}s; leader n$l holds $(redis-cli -p "${resp[$l]}" dbsize) keys"
for i in 1 2 3; do
	target=$(field "$l" applied_index)
	for _ in $(seq 1200); do
		a=$(field "$i" applied_index)
		[[ -n $a && $a -ge $target ]] && break
		sleep 0.1
	done
done
echo "- RSS after the preload (MiB): n1 $(rss_mib "${pid[1]}"), n2 $(rss_mib "${pid[2]}"), n3 $(rss_mib "${pid[3]}")"

# Sampler: every 0.5 s, per node: time, node, pid alive, RSS MiB, snapshot in progress.
(
	set +e +o pipefail # a node that is down must not stop the sampler
	while :; do
		t=$(date +%s.%N)
		for i in 1 2 3; do
			p=$(cat "$DIR/n$i.pid" 2>/dev/null || echo 0)
			s=$(curl -s --max-time 1 "http://127.0.0.1:${met[$i]}/metrics" 2>/dev/null | awk '$1 == "redraft_snapshot_in_progress" {print $2; exit}')
			echo "$t n$i $(rss_mib "$p") ${s:-down}"
		done
		sleep 0.5
	done
) >"$DIR/samples.txt" &
bg+=($!)
for i in 1 2 3; do echo "${pid[$i]}" >"$DIR/n$i.pid"; done

term0=$(max_term)
lg=$(leader) # loadgen -nodes leader puts every client on this node
urls=""
for i in 1 2 3; do urls+="${urls:+,}http://127.0.0.1:${met[$i]}/metrics"; done
addrs="127.0.0.1:${resp[1]},127.0.0.1:${resp[2]},127.0.0.1:${resp[3]}"
env -u GODEBUG bin/loadgen -target "redis://$addrs" -op write -clients "$WRITERS" -keys "$KEYS" -duration "${LOAD_S}s" -warmup 0s \
	-timeout 5s -watch-metric redraft_snapshot_in_progress -watch-urls "$urls" >"$DIR/write.out" 2>"$DIR/write.err" &
w=$!
env -u GODEBUG bin/loadgen -target "redis://$addrs" -op read -clients "$READERS" -keys 10000 -duration "${LOAD_S}s" -warmup 0s \
	-timeout 5s -watch-metric redraft_snapshot_in_progress -watch-urls "$urls" >"$DIR/read.out" 2>"$DIR/read.err" &
r=$!
bg+=("$w" "$r")
load_t0=$(now)

# The follower's catch-up.
sleep "$CATCHUP_AT"
l=$(leader)
# The victim is neither the leader nor the node the clients are on (the
# leader at the start; another one if leadership moved since).
for f in 1 2 3; do [[ $f != "$l" && $f != "$lg" ]] && break; done
last0=$(field "$l" last_log_index)
kill -9 "${pid[$f]}"
wait "${pid[$f]}" 2>/dev/null || true
down_at=$(secs_since "$load_t0")
sleep "$DOWN_S"
# raft keeps 10240 entries after a snapshot: wait (up to 5 more minutes)
# until more than that were written since the kill.
for _ in $(seq 300); do
	l=$(leader)
	last=$(field "$l" last_log_index)
	[[ -n $last && $((last - last0)) -gt 12000 ]] && break
	sleep 1
done
missed=$(( $(field "$l" last_log_index) - last0 ))
t0=$(now)
timeout 300 redis-cli -p "${resp[$l]}" RAFT SNAPSHOT >"$DIR/leader-snapshot.out" 2>&1 || true
leader_snap="RAFT SNAPSHOT on n$l: $(tr -d '\r\n' <"$DIR/leader-snapshot.out") in $(secs_since "$t0")s"
start_node "$f"
echo "${pid[$f]}" >"$DIR/n$f.pid"
up_at=$(secs_since "$load_t0")
t0=$(now)
caught="" answered=""
for _ in $(seq 6000); do
	# The node's client port opens once it restored its own snapshot.
	[[ -z $answered && -n $(field "$f" role) ]] && answered=$(secs_since "$t0")
	ln=$(leader) || break
	target=$(field "$ln" applied_index)
	a=$(field "$f" applied_index)
	if [[ -n $a && -n $target && $a -ge $target ]]; then caught=$(secs_since "$t0"); break; fi
	sleep 0.1
done
restores1=$(metric "$f" redraft_snapshot_restores_total)
restore_s=$(metric "$f" redraft_snapshot_restore_seconds_sum)
restores_started=$(metric "$f" redraft_snapshot_restore_seconds_count)

wait "$w" "$r" || true
term1=$(max_term)
echo "- end: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
js() { grep -o "\"$2\":[0-9.e+-]*" "$1" | head -1 | cut -d: -f2; }
part() { # file part: "p50 / p99 / p99.9 / max ms (ops)" of the during or outside part
	sed -n "s/.*\"$2\":{\([^}]*\)}.*/\1/p" "$1" | tr ',' '\n' | tr -d '"' |
		awk -F: '{v[$1]=$2} END {printf "%.2f / %.2f / %.2f / %.1f ms (%d ops)", v["p50_us"]/1e3, v["p99_us"]/1e3, v["p999_us"]/1e3, v["max_us"]/1e3, v["ops"]}'
}
echo "### Load: $WRITERS writers (random keys of $KEYS), $READERS linearizable readers (10,000 keys), ${LOAD_S}s on the leader"
echo
echo "| op | ops/s | errors (during a snapshot) | p50 / p99 / p99.9 / max, no snapshot in progress | same, a snapshot in progress on some node | snapshot-time share |"
echo "|---|---:|---:|---|---|---:|"
for op in write read; do
	printf '| %s | %.0f | %s (%s) | %s | %s | %.2f |\n' "$op" "$(js "$DIR/$op.out" ops_per_s)" "$(js "$DIR/$op.out" errors)" \
		"$(js "$DIR/$op.out" errors_during)" "$(part "$DIR/$op.out" outside)" "$(part "$DIR/$op.out" during)" "$(js "$DIR/$op.out" on_fraction)"
done
echo
echo "- leader changes: terms $term0 -> $term1 ($((term1 - term0)) elections); redraft_raft_leader_changes_total: n1 $(metric 1 redraft_raft_leader_changes_total), n2 $(metric 2 redraft_raft_leader_changes_total), n3 $(metric 3 redraft_raft_leader_changes_total) (n$f restarted at ${up_at}s counts its own)"
echo "- follower n$f: killed at ${down_at}s, restarted at ${up_at}s, $missed entries behind, after $leader_snap; state-machine restores since its restart: ${restores_started:-?} started, ${restores1:-?} completed (the load of its own snapshot, which an installed snapshot cancels, and one per snapshot installed from the leader), taking $(printf '%.1f' "${restore_s:-0}")s in all; client port answering ${answered:-never}s after its restart (once its state is loaded); reached the leader's applied index ${caught:-never (10 min)}s after its restart"
[[ -s $DIR/write.err ]] && echo "- write errors: $(head -3 "$DIR/write.err" | sed 's/^loadgen: //' | tr '\n' ';')"
echo
echo "### Snapshots (sampled every 0.5 s; durations to that resolution)"
echo
echo "| node | start s | duration s | RSS before MiB | peak RSS during MiB | ratio |"
echo "|---|---:|---:|---:|---:|---:|"
awk -v t0="$load_t0" '
	$4 == "down" { on[$2] = 0; next }
	{
		n = $2; t = $1 - t0
		if ($4 > 0 && !on[n]) { on[n] = 1; st[n] = t; before[n] = last[n]; peak[n] = $3 }
		else if ($4 > 0) { if ($3 > peak[n]) peak[n] = $3 }
		else if (on[n]) {
			on[n] = 0
			r = before[n] > 0 ? peak[n] / before[n] : 0
			printf "| %s | %.1f | %.1f | %d | %d | %.2f |\n", n, st[n], t - st[n], before[n], peak[n], r
		}
		last[n] = $3
		if ($3 > max[n]) max[n] = $3
	}
	END { for (n in max) printf "peak %s %d\n", n, max[n] > "/dev/stderr" }
' "$DIR/samples.txt" 2>"$DIR/peaks.txt" | sort -t'|' -k3 -g
echo
for i in 1 2 3; do
	c=$(metric "$i" redraft_snapshot_duration_seconds_count) s=$(metric "$i" redraft_snapshot_duration_seconds_sum)
	bc=$(metric "$i" redraft_snapshot_size_bytes_count) bs=$(metric "$i" redraft_snapshot_size_bytes_sum)
	awk -v n="n$i" -v c="${c:-0}" -v s="${s:-0}" -v bc="${bc:-0}" -v bs="${bs:-0}" -v peak="$(awk -v n="n$i" '$2 == n {print $3}' "$DIR/peaks.txt")" \
		'BEGIN {printf "- %s: %d snapshots written, mean %.1f s, mean size %.0f MiB; peak RSS %s MiB\n", n, c, c ? s/c : 0, bc ? bs/bc/1048576 : 0, peak}'
done
