#!/usr/bin/env bash
# Redraft against etcd under the same closed-loop load (bin/loadgen): a
# three-node Redraft cluster (scripts/cluster.sh, durable default, fsync on)
# and a three-member etcd cluster (scripts/etcd-cluster.sh, default settings,
# fsync on), both on 127.0.0.1, writes then linearizable reads at each client
# count, every client on the leader. Rounds interleave the two systems (the
# order alternates per round) so that machine noise hits both; the table
# reports per-point medians over the rounds.
#
#   scripts/bench-etcd.sh [-d SECONDS=15] [-w WARMUP=2] [-r ROUNDS=1] [-c "1 16 256"] [-o FILE]
#
# Uses the fixed ports of both cluster scripts (6381-6383, 7381-7383,
# 23791-23793, 23801-23803) and refuses to start if any is taken. Data under
# data/bench-etcd/ (wiped before each cluster start); every loadgen JSON line
# is kept in data/bench-etcd/runs.jsonl. LOADGEN_FLAGS adds loadgen flags for
# both systems (e.g. "-nodes all"); KV_FLAGS replaces the Redraft node flags
# (default "--log-level warn").
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=15 WARMUP=2 ROUNDS=1 CLIENTS="1 16 256" OUT=""
while getopts "d:w:r:c:o:h" o; do
	case $o in
	d) DURATION=$OPTARG ;; w) WARMUP=$OPTARG ;; r) ROUNDS=$OPTARG ;; c) CLIENTS=$OPTARG ;; o) OUT=$OPTARG ;;
	*) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
LOADGEN_FLAGS=${LOADGEN_FLAGS:-}
export KV_FLAGS=${KV_FLAGS:---log-level warn}
BENCH=data/bench-etcd
export DATA=$BENCH/redraft DATA_ETCD=$BENCH/etcd
REDRAFT_TARGET=redis://127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383
ETCD_TARGET=etcd://127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793

for p in 6381 6382 6383 7381 7382 7383 23791 23792 23793 23801 23802 23803; do
	if [[ -n $(ss -ltnH "sport = :$p") ]]; then
		echo "port $p is in use (a cluster from make run or scripts/etcd-cluster.sh?); stop it first" >&2
		exit 1
	fi
done

scripts/deps.sh # redis-cli; scripts/etcd-cluster.sh installs etcd-server
go build -o bin/kv ./cmd/kv
(cd cmd/loadgen && go build -o ../../bin/loadgen .)

lg="" # the running loadgen's pid
cleanup() {
	[[ -z $lg ]] || kill -TERM "$lg" 2>/dev/null || true
	scripts/cluster.sh stop >/dev/null 2>&1 || true
	scripts/etcd-cluster.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BENCH"
RUNS=$BENCH/runs.jsonl
: >"$RUNS"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD)$([[ -z $(git status --porcelain --untracked-files=no) ]] || echo "-dirty")

# measure SYSTEM TARGET ROUND: writes then reads at each client count.
# loadgen runs in the background so that a signal reaches the trap at once.
measure() {
	local sys=$1 target=$2 round=$3 op c out=$BENCH/loadgen.out
	for op in write read; do
		for c in $CLIENTS; do
			# shellcheck disable=SC2086
			bin/loadgen -target "$target" -op "$op" -clients "$c" -duration "${DURATION}s" -warmup "${WARMUP}s" $LOADGEN_FLAGS >"$out" &
			lg=$!
			if wait "$lg"; then
				head -1 "$out" | sed "s/^/round $round: /" >&2
				tail -1 "$out" | jq -c --arg sys "$sys" --argjson round "$round" '. + {system: $sys, round: $round}' >>"$RUNS"
			else
				echo "round $round: $sys $op clients=$c failed" >&2
			fi
			lg=""
		done
	done
}

redraft_round() {
	rm -rf "$DATA"
	scripts/cluster.sh start >/dev/null
	local t
	for t in $(seq 1 100); do [[ $(redis-cli -p 6381 set __bench_probe 1 2>/dev/null) == OK ]] && break; sleep 0.1; done
	echo "round $1: redraft leader $(redis-cli -p 6381 raft info | tr -d '\r' | sed -n 's/^leader_client_addr://p')" >&2
	measure redraft "$REDRAFT_TARGET" "$1"
	scripts/cluster.sh stop >/dev/null
}

etcd_round() {
	rm -rf "$DATA_ETCD"
	scripts/etcd-cluster.sh start >/dev/null
	measure etcd "$ETCD_TARGET" "$1"
	scripts/etcd-cluster.sh stop >/dev/null
}

for r in $(seq 1 "$ROUNDS"); do
	if ((r % 2)); then redraft_round "$r"; etcd_round "$r"; else etcd_round "$r"; redraft_round "$r"; fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

report() {
	echo "## Redraft vs etcd: closed-loop writes and linearizable reads"
	echo
	echo "\`scripts/bench-etcd.sh -d $DURATION -w $WARMUP -r $ROUNDS -c \"$CLIENTS\"\`${LOADGEN_FLAGS:+ with LOADGEN_FLAGS=\"$LOADGEN_FLAGS\"}, $(date -u +%Y-%m-%d), commit $commit."
	echo
	echo "- machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM, kernel $(uname -r); load average $load_before before, $load_after after"
	echo "- versions: $(go version | cut -d' ' -f3); etcd $(etcd --version | sed -n 's/^etcd Version: //p') (Debian etcd-server, built with $(etcd --version | sed -n 's/^Go Version: //p')); loadgen with go.etcd.io/etcd/client/v3 v3.7.3, go-redis v9.23.0"
	echo "- Redraft: \`scripts/cluster.sh start\` (3 nodes, fsync on, linearizable reads), node flags \`$KV_FLAGS\`; etcd: \`scripts/etcd-cluster.sh start\` (3 members, default settings)"
	echo "- load: \`bin/loadgen -target {redis,etcd}://<3 addresses> -op {write,read} -clients N -duration ${DURATION}s -warmup ${WARMUP}s${LOADGEN_FLAGS:+ $LOADGEN_FLAGS}\`: 64-byte values, 10,000 random keys; clients on the leader (-nodes leader) and etcd clients sharing one clientv3 client per 8 (cmd/loadgen/doc.go) unless LOADGEN_FLAGS says otherwise; Redraft one connection per client"
	echo "- medians over $ROUNDS round(s) of each figure separately; latencies in ms; ratio = Redraft / etcd ops/s"
	echo
	jq -rs '
	  def med: sort | if length == 0 then null elif length % 2 == 1 then .[length/2|floor] else (.[length/2-1] + .[length/2]) / 2 end;
	  def f0: if . == null then "-" else (. + 0.5 | floor | tostring) end;
	  def ms: if . == null then "-" else ((. / 10 + 0.5 | floor) / 100 | tostring) end;
	  def pt(s; o; c): [.[] | select(.system == s and .op == o and .clients == c)];
	  . as $all
	  | ($all | map(.clients) | unique) as $cs
	  | (["write", "read"][] as $op
	    | "| \($op)s, clients | Redraft ops/s | p50 | p99 | errors | etcd ops/s | p50 | p99 | errors | Redraft/etcd |",
	      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
	      ($cs[] as $c
	        | ($all | pt("redraft"; $op; $c)) as $r | ($all | pt("etcd"; $op; $c)) as $e
	        | ($r | map(.ops_per_s) | med) as $ro | ($e | map(.ops_per_s) | med) as $eo
	        | "| \($c) | \($ro | f0) | \($r | map(.latency_p50_us) | med | ms) | \($r | map(.latency_p99_us) | med | ms) | \($r | map(.errors) | add // "-") | \($eo | f0) | \($e | map(.latency_p50_us) | med | ms) | \($e | map(.latency_p99_us) | med | ms) | \($e | map(.errors) | add // "-") | \(if $ro and $eo and $eo > 0 then ($ro / $eo * 100 | floor) / 100 else "-" end) |"),
	      "")' "$RUNS"
}
if [[ -n $OUT ]]; then report | tee "$OUT"; else report; fi
