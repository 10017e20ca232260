#!/usr/bin/env bash
# Redraft against etcd 3.6 and etcd 3.4 under the same closed-loop load
# (bin/loadgen): a three-node Redraft cluster (scripts/cluster.sh, durable
# default, fsync on) and three-member etcd clusters (scripts/etcd-cluster.sh,
# default settings, fsync on) of etcd v3.6 (go.etcd.io/etcd/server/v3 from
# the Go module proxy, built as bin/etcd36 from the nested module
# scripts/etcd36 when missing or stale) and of Debian's etcd-server 3.4
# (installed when missing), all on 127.0.0.1, one system at a time: writes
# then linearizable reads at each client count, every client on the leader.
# Rounds interleave the systems (the order rotates by one per round) so that
# machine noise hits all of them; the table reports per-point medians over
# the rounds and the ratios Redraft/etcd.
#
#   scripts/bench-etcd.sh [-d SECONDS=15] [-w WARMUP=2] [-r ROUNDS=1] [-c "1 16 256"] [-e "3.6 3.4"] [-x redis] [-o FILE]
#
# -e picks the etcd versions (3.6, 3.4, or both; "3.6" alone never installs
# etcd-server). -x redis adds a reference that replicates nothing: one
# redis-server (Debian's, `--appendonly yes --appendfsync always --save ''`:
# each write fsynced on one node) under the same load, rotated with the
# others. It shows what the load generator can drive at all on this machine
# (its clients share the cores with the servers), so the table adds the
# ceiling ratios redis-server/etcd next to Redraft's. Uses the fixed ports of both cluster scripts (6381-6383,
# 7381-7383, 23791-23793, 23801-23803) and refuses to start if any is taken.
# Data under data/bench-etcd/{redraft,etcd3.6,etcd3.4,redis}/ (wiped before
# each start); every loadgen JSON line is kept in data/bench-etcd/runs.jsonl
# (system "redraft", "etcd3.6", "etcd3.4" or "redis"). LOADGEN_FLAGS adds loadgen flags
# for every system (e.g. "-nodes all"); KV_FLAGS replaces the Redraft node
# flags (default "--log-level warn").
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
DURATION=15 WARMUP=2 ROUNDS=1 CLIENTS="1 16 256" ETCDS="3.6 3.4" REFS="" OUT=""
while getopts "d:w:r:c:e:x:o:h" o; do
	case $o in
	d) DURATION=$OPTARG ;; w) WARMUP=$OPTARG ;; r) ROUNDS=$OPTARG ;; c) CLIENTS=$OPTARG ;; e) ETCDS=$OPTARG ;; x) REFS=$OPTARG ;; o) OUT=$OPTARG ;;
	*) usage ;;
	esac
done
SYSTEMS=(redraft)
for v in $ETCDS; do
	case $v in
	3.6 | 3.4) [[ " ${SYSTEMS[*]} " == *" etcd$v "* ]] || SYSTEMS+=("etcd$v") ;;
	*) echo "-e: etcd version $v is neither 3.6 nor 3.4" >&2; usage ;;
	esac
done
ETCD_SYSTEMS=("${SYSTEMS[@]:1}")
for v in $REFS; do
	case $v in
	redis) [[ " ${SYSTEMS[*]} " == *" redis "* ]] || SYSTEMS+=(redis) ;;
	*) echo "-x: unknown reference $v (only redis)" >&2; usage ;;
	esac
done
LOADGEN_FLAGS=${LOADGEN_FLAGS:-}
export KV_FLAGS=${KV_FLAGS:---log-level warn}
BENCH=data/bench-etcd
export DATA=$BENCH/redraft
REDRAFT_TARGET=redis://127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383
ETCD_TARGET=etcd://127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793
# etcd_bin SYSTEM: the ETCD_BIN that scripts/etcd-cluster.sh runs for it.
etcd_bin() { case $1 in etcd3.6) echo bin/etcd36 ;; etcd3.4) echo etcd ;; esac; }

for p in 6381 6382 6383 7381 7382 7383 23791 23792 23793 23801 23802 23803; do
	if [[ -n $(ss -ltnH "sport = :$p") ]]; then
		echo "port $p is in use (a cluster from make run or scripts/etcd-cluster.sh?); stop it first" >&2
		exit 1
	fi
done

scripts/deps.sh # redis-cli
if ! command -v jq >/dev/null; then # the tables are made with jq
	echo "jq not found; installing it" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
fi
go build -o bin/kv ./cmd/kv
(cd cmd/loadgen && go build -o ../../bin/loadgen .)
# Builds bin/etcd36 / installs Debian's etcd-server when missing; --version for the report.
declare -A VERSION GOVERSION SNAPCOUNT
for s in "${ETCD_SYSTEMS[@]}"; do
	v=$(ETCD_BIN=$(etcd_bin "$s") scripts/etcd-cluster.sh ensure)
	VERSION[$s]=$(sed -n 's/^etcd Version: //p' <<<"$v")
	GOVERSION[$s]=$(sed -n 's/^Go Version: //p' <<<"$v")
	[[ ${VERSION[$s]} == "${s#etcd}".* ]] || { echo "$(etcd_bin "$s") is etcd ${VERSION[$s]}, not ${s#etcd}" >&2; exit 1; }
	SNAPCOUNT[$s]=$("$(etcd_bin "$s")" --help 2>&1 | sed -n "s/^ *--snapshot-count '*\([0-9]*\).*/\1/p")
done

lg="" # the running loadgen's pid
rs="" # the running redis-server's pid
cleanup() {
	[[ -z $lg ]] || kill -TERM "$lg" 2>/dev/null || true
	[[ -z $rs ]] || kill -TERM "$rs" 2>/dev/null || true
	scripts/cluster.sh stop >/dev/null 2>&1 || true
	local s
	for s in "${ETCD_SYSTEMS[@]}"; do DATA_ETCD=$BENCH/$s scripts/etcd-cluster.sh stop >/dev/null 2>&1 || true; done
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
	local sys=$1 target=$2 round=$3 extra=${4:-} op c out=$BENCH/loadgen.out
	for op in write read; do
		for c in $CLIENTS; do
			# shellcheck disable=SC2086
			bin/loadgen -target "$target" -op "$op" -clients "$c" -duration "${DURATION}s" -warmup "${WARMUP}s" $extra $LOADGEN_FLAGS >"$out" &
			lg=$!
			if wait "$lg"; then
				head -1 "$out" | sed "s/^/round $round: $sys /" >&2
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
	for _ in $(seq 1 100); do [[ $(redis-cli -p 6381 set __bench_probe 1 2>/dev/null) == OK ]] && break; sleep 0.1; done
	echo "round $1: redraft leader $(redis-cli -p 6381 raft info | tr -d '\r' | sed -n 's/^leader_client_addr://p')" >&2
	measure redraft "$REDRAFT_TARGET" "$1"
	scripts/cluster.sh stop >/dev/null
}

# etcd_round SYSTEM ROUND
etcd_round() {
	local sys=$1 round=$2
	rm -rf "${BENCH:?}/$sys"
	DATA_ETCD=$BENCH/$sys ETCD_BIN=$(etcd_bin "$sys") scripts/etcd-cluster.sh start >/dev/null
	echo "round $round: $sys up (etcd ${VERSION[$sys]}, $(etcd_bin "$sys"))" >&2
	measure "$sys" "$ETCD_TARGET" "$round"
	DATA_ETCD=$BENCH/$sys scripts/etcd-cluster.sh stop >/dev/null
}

# Round r runs the systems in SYSTEMS order rotated by r-1: with all three,
# each system takes each place once in every three rounds.
redis_round() {
	local dir=$BENCH/redis port
	rm -rf "$dir"
	mkdir -p "$dir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly yes --appendfsync always >"$dir/redis.log" 2>&1 &
	rs=$!
	for _ in $(seq 1 100); do [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break; sleep 0.05; done
	echo "round $1: redis-server up on $port ($(redis-server --version | cut -d' ' -f3))" >&2
	measure redis "redis://127.0.0.1:$port" "$1" "-nodes first" # (no RAFT INFO to find a leader with)
	kill -TERM "$rs"
	wait "$rs" 2>/dev/null || true
	rs=""
}

for r in $(seq 1 "$ROUNDS"); do
	n=${#SYSTEMS[@]}
	for ((k = 0; k < n; k++)); do
		s=${SYSTEMS[(r - 1 + k) % n]}
		case $s in
		redraft) redraft_round "$r" ;;
		redis) redis_round "$r" ;;
		*) etcd_round "$s" "$r" ;;
		esac
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# etcd_versions: "etcd 3.6.16 (...); etcd 3.4.23 (...)" for the versions line.
etcd_versions() {
	local s out=""
	for s in "${ETCD_SYSTEMS[@]}"; do
		case $s in
		etcd3.6) out+="; etcd ${VERSION[$s]} (bin/etcd36: go.etcd.io/etcd/server/v3 $(sed -n 's/^require go.etcd.io\/etcd\/server\/v3 //p' scripts/etcd36/go.mod) from the Go module proxy, nested module scripts/etcd36, built with ${GOVERSION[$s]})" ;;
		etcd3.4) out+="; etcd ${VERSION[$s]} (Debian etcd-server, built with ${GOVERSION[$s]})" ;;
		esac
	done
	echo "$out"
}
etcd_setups() {
	local s out=""
	for s in "${ETCD_SYSTEMS[@]}"; do
		out+="; etcd ${s#etcd}: \`$([[ $s == etcd3.4 ]] || echo "ETCD_BIN=$(etcd_bin "$s") ")scripts/etcd-cluster.sh start\` (3 members, default settings, --snapshot-count ${SNAPCOUNT[$s]:-?})"
	done
	[[ -z $REFS ]] || out+="; reference: one redis-server, \`--appendonly yes --appendfsync always --save ''\` (replicates nothing)"
	echo "$out"
}

report() {
	echo "## Redraft vs etcd: closed-loop writes and linearizable reads"
	echo
	echo "\`scripts/bench-etcd.sh -d $DURATION -w $WARMUP -r $ROUNDS -c \"$CLIENTS\" -e \"$ETCDS\"${REFS:+ -x \"$REFS\"}\`${LOADGEN_FLAGS:+ with LOADGEN_FLAGS=\"$LOADGEN_FLAGS\"}, $(date -u +%Y-%m-%d), commit $commit."
	echo
	echo "- machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM, kernel $(uname -r); load average $load_before before, $load_after after"
	echo "- versions: $(go version | cut -d' ' -f3)$(etcd_versions)$([[ -z $REFS ]] || echo "; redis-server $(redis-server --version | cut -d' ' -f3 | sed 's/^v=//') (Debian)"); loadgen with go.etcd.io/etcd/client/v3 v3.7.3, go-redis v9.23.0"
	echo "- Redraft: \`scripts/cluster.sh start\` (3 nodes, fsync on, linearizable reads), node flags \`$KV_FLAGS\`$(etcd_setups); one system at a time, order ${SYSTEMS[*]} rotated by one each round"
	echo "- load: \`bin/loadgen -target {redis,etcd}://<3 addresses> -op {write,read} -clients N -duration ${DURATION}s -warmup ${WARMUP}s${LOADGEN_FLAGS:+ $LOADGEN_FLAGS}\`: 64-byte values, 10,000 random keys; clients on the leader (-nodes leader) and etcd clients sharing one clientv3 client per 8 (cmd/loadgen/doc.go) unless LOADGEN_FLAGS says otherwise; Redraft one connection per client"
	echo "- medians over $ROUNDS round(s) of each figure separately; latencies in ms; ratio = Redraft / etcd ops/s$([[ -z $REFS ]] || echo "; redis/etcd: the same ratio for the reference, the most any server could show under this load here")"
	echo
	jq -rs --argjson systems "$(printf '%s\n' "${SYSTEMS[@]}" | jq -R . | jq -sc .)" '
	  def med: sort | if length == 0 then null elif length % 2 == 1 then .[length/2|floor] else (.[length/2-1] + .[length/2]) / 2 end;
	  def f0: if . == null then "-" else (. + 0.5 | floor | tostring) end;
	  def ms: if . == null then "-" else ((. / 10 + 0.5 | floor) / 100 | tostring) end;
	  def sysname: if . == "redraft" then "Redraft" elif . == "redis" then "redis-server" else "etcd " + ltrimstr("etcd") end;
	  def ratio(a; b): if a and b and b > 0 then (a / b * 100 | floor) / 100 | tostring else "-" end;
	  def pt(s; o; c): [.[] | select(.system == s and .op == o and .clients == c)];
	  . as $all
	  | ($systems | length) as $n
	  | ([range(1; $n) | select($systems[.] | startswith("etcd"))]) as $etcds
	  | ($systems | index("redis")) as $ref
	  | (if $ref then $etcds else [] end) as $refcols
	  | ($all | map(.clients) | unique) as $cs
	  | (["write", "read"][] as $op
	    | "| \($op)s, clients | " + ([$systems[] | (sysname + " ops/s"), "p50", "p99", "errors"] + [$systems[1:][] | "Redraft/\(.)"] + [$refcols[] | "redis/\($systems[.])"] | join(" | ")) + " |",
	      "|" + ("---:|" * (1 + 4 * $n + $n - 1 + ($refcols | length))),
	      ($cs[] as $c
	        | [$systems[] as $s | $all | pt($s; $op; $c)] as $pts
	        | ($pts | map(map(.ops_per_s) | med)) as $ops
	        | "| \($c) | " + ([range(0; $n) as $i
	            | ($ops[$i] | f0), ($pts[$i] | map(.latency_p50_us) | med | ms), ($pts[$i] | map(.latency_p99_us) | med | ms), ($pts[$i] | map(.errors) | add // "-" | tostring)]
	          + [range(1; $n) as $i | ratio($ops[0]; $ops[$i])]
          + [$refcols[] as $i | ratio($ops[$ref]; $ops[$i])]
	          | join(" | ")) + " |"),
	      "")' "$RUNS"
}
if [[ -n $OUT ]]; then report | tee "$OUT"; else report; fi
