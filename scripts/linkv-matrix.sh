#!/usr/bin/env bash
# linkv-matrix.sh: the issue-4 matrix of lin-kv runs of bin/kv under bin/linkv.
#
#   scripts/linkv-matrix.sh [-n SEEDS] [-f FIRST] [-j JOBS] [-t SECONDS] [-c CONFIGS]
#                           [-s STORE] [-o OUT] [-r]
#
#   -n SEEDS    seeds per configuration (default 10)
#   -f FIRST    first seed (default 1): seeds FIRST .. FIRST+SEEDS-1
#   -j JOBS     runs in parallel (default 2)
#   -t SECONDS  --time-limit of each run (default 60)
#   -c CONFIGS  configurations to run, e.g. "a b g" (default: a b c d e f g)
#   -s STORE    store root (default store/matrix; not committed)
#   -o OUT      markdown report (default results/lin-kv-matrix.md)
#   -r          report only: run nothing, rebuild the tables from the store
#
# Configurations (all: --concurrency 2n --rate 100):
#   a  3 nodes, partition, latency 0          e  3 nodes, partition,kill, latency 0
#   b  5 nodes, partition, latency 0          f  3 nodes, partition,pause, latency 0
#   c  3 nodes, partition, latency 10 uniform g  3 nodes, no nemesis, latency 0
#   d  5 nodes, partition, latency 10 uniform
#
# Each run gets its own store, STORE/<config>/s<seed>/lin-kv/<time>/ (linkv's
# layout, with a `latest` link), plus linkv.out (its output), rc (its exit
# code), wall (seconds) and load (/proc/loadavg before and after) beside it.
# A run whose rc file exists is not run again, so the script can be stopped
# and restarted, and seeds added later (-f 4 -n 7 after -n 3). Runs go
# seed-major (every configuration at seed 1, then at seed 2, ...), so a
# partial matrix covers every configuration.
#
# The report lists every run found in STORE (not only this invocation's),
# per-configuration aggregates (mean and worst) and the issue-4 targets.
# Anything below the line "<!-- notes -->" in an existing OUT is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDS=10 FIRST=1 JOBS=2 TIME=60 CONFIGS="a b c d e f g"
STORE=store/matrix OUT=results/lin-kv-matrix.md REPORT_ONLY=0
while getopts "n:f:j:t:c:s:o:rh" opt; do
	case $opt in
	n) SEEDS=$OPTARG ;;
	f) FIRST=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	t) TIME=$OPTARG ;;
	c) CONFIGS=$OPTARG ;;
	s) STORE=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) REPORT_ONLY=1 ;;
	*) sed -n '2,/^set -e/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 2 ;;
	esac
done

# flags of configuration $1
cfg_flags() {
	case $1 in
	a) echo "--node-count 3 --nemesis partition --latency 0" ;;
	b) echo "--node-count 5 --nemesis partition --latency 0" ;;
	c) echo "--node-count 3 --nemesis partition --latency 10 --latency-dist uniform" ;;
	d) echo "--node-count 5 --nemesis partition --latency 10 --latency-dist uniform" ;;
	e) echo "--node-count 3 --nemesis partition,kill --latency 0" ;;
	f) echo "--node-count 3 --nemesis partition,pause --latency 0" ;;
	g) echo "--node-count 3 --latency 0" ;;
	*) echo "linkv-matrix: unknown configuration $1" >&2; return 1 ;;
	esac
}
cfg_name() {
	case $1 in
	a) echo "3n partition lat0" ;;
	b) echo "5n partition lat0" ;;
	c) echo "3n partition lat10u" ;;
	d) echo "5n partition lat10u" ;;
	e) echo "3n partition+kill lat0" ;;
	f) echo "3n partition+pause lat0" ;;
	g) echo "3n none lat0" ;;
	esac
}
base_cmd() { echo "bin/linkv test -w lin-kv --bin bin/kv --concurrency 2n --time-limit $TIME --rate 100"; }

# run_one CONFIG SEED: one linkv run into its own store.
run_one() {
	local c=$1 s=$2 dir="$STORE/$1/s$2"
	[ -e "$dir/rc" ] && return 0
	rm -rf "$dir" && mkdir -p "$dir"
	local cmd
	cmd="$(base_cmd) $(cfg_flags "$c") --seed $s --store $dir"
	echo "$cmd" >"$dir/cmd"
	cat /proc/loadavg >"$dir/load"
	local t0 rc=0
	t0=$(date +%s.%N)
	$cmd </dev/null >"$dir/linkv.out" 2>&1 || rc=$?
	echo "$(date +%s.%N) - $t0" | bc >"$dir/wall"
	cat /proc/loadavg >>"$dir/load"
	echo "$rc" >"$dir/rc"
	printf 'linkv-matrix: %s seed %s: exit %s (%s)\n' "$c" "$s" "$rc" \
		"$(grep -m1 -E '^linkv: (valid|invalid|unknown|crash)' "$dir/linkv.out" || tail -n1 "$dir/linkv.out")"
}

if [ "$REPORT_ONLY" = 0 ]; then
	[ -x bin/linkv ] && [ -x bin/kv ] || make build
	for c in $CONFIGS; do cfg_flags "$c" >/dev/null; done
	export -f run_one cfg_flags base_cmd
	export STORE TIME
	start=$(date +%s)
	for ((s = FIRST; s < FIRST + SEEDS; s++)); do
		for c in $CONFIGS; do echo "$c $s"; done
	done | xargs -P "$JOBS" -L 1 bash -c 'run_one "$0" "$1"'
	echo "linkv-matrix: wall time $(($(date +%s) - start)) s"
fi

# ---- report -----------------------------------------------------------------

# One TSV row per run found in the store:
# config seed verdict rc ops info ok answered bound ans/bound mpo mpo-srv p50 p99 wall load
rows() {
	local c d s r
	for c in a b c d e f g; do
		for d in "$STORE/$c"/s*; do
			[ -e "$d/rc" ] || continue
			s=${d##*/s}
			r="$d/lin-kv/latest/results.json"
			if [ -f "$r" ]; then
				jq -r --arg c "$c" --arg s "$s" --arg rc "$(cat "$d/rc")" \
					--arg wall "$(cat "$d/wall")" --arg load "$(awk '{printf "%s%s", (NR>1?"->":""), $1}' "$d/load")" '
					[$c, ($s|tonumber), (.["valid?"]|tostring), $rc, .stats.count, .stats["info-count"],
					 .availability["ok-fraction"], .availability["answered-fraction"],
					 .availability["structural-bound"], .availability["answered-over-bound"],
					 .net.all["msgs-per-op"], .net.servers["msgs-per-op"],
					 .latency.all["p50-ms"], .latency.all["p99-ms"], ($wall|tonumber), $load] | @tsv' "$r"
			else
				printf '%s\t%s\tno-report\t%s\t\t\t\t\t\t\t\t\t\t\t%s\t\n' "$c" "$s" "$(cat "$d/rc")" "$(cat "$d/wall")"
			fi
		done
	done | sort -t$'\t' -k1,1 -k2,2n
}

TSV=$(rows)
if [ -z "$TSV" ]; then
	echo "linkv-matrix: no runs in $STORE" >&2
	exit 1
fi
echo "$TSV" >"$STORE/runs.tsv"

runs_table() {
	echo "| config | seed | verdict | exit | ops | info | ok-fraction | answered | bound | answered/bound | msgs/op | srv msgs/op | p50 ms | p99 ms | wall s | load 1m |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	echo "$TSV" | awk -F'\t' '{
		f = "%.4f"
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			$1, $2, ($3 == "true" ? $3 : "**" $3 "**"), $4, $5, $6,
			($7 == "" ? "" : sprintf(f, $7)), ($8 == "" ? "" : sprintf(f, $8)),
			($9 == "" ? "" : sprintf(f, $9)), ($10 == "" ? "" : sprintf("%.3f", $10)),
			($11 == "" ? "" : sprintf("%.2f", $11)), ($12 == "" ? "" : sprintf("%.2f", $12)),
			($13 == "" ? "" : sprintf("%.2f", $13)), ($14 == "" ? "" : sprintf("%.2f", $14)),
			($15 == "" ? "" : sprintf("%.0f", $15)), $16 }'
}

# Per configuration: valid/runs, mean and worst of each figure
# (worst = min for fractions, max for latency and messages).
AGG=$(echo "$TSV" | awk -F'\t' '
	function upd(k, i, v, lo) {
		if (v == "") return
		sum[k, i] += v; n[k, i]++
		if (!((k, i) in w) || (lo && v < w[k, i]) || (!lo && v > w[k, i])) w[k, i] = v
	}
	{
		k = $1; runs[k]++; if ($3 == "true") valid[k]++
		if (!(k in seen)) { seen[k] = 1; order[++no] = k }
		upd(k, 7, $7, 1); upd(k, 8, $8, 1); upd(k, 9, $9, 1); upd(k, 10, $10, 1)
		upd(k, 11, $11, 0); upd(k, 12, $12, 0); upd(k, 13, $13, 0); upd(k, 14, $14, 0)
	}
	END {
		for (j = 1; j <= no; j++) {
			k = order[j]; line = k "\t" (valid[k] + 0) "\t" runs[k]
			for (i = 7; i <= 14; i++)
				line = line "\t" (n[k, i] ? sum[k, i] / n[k, i] : "") "\t" (n[k, i] ? w[k, i] : "")
			print line
		}
	}')
echo "$AGG" >"$STORE/configs.tsv"

config_table() {
	echo "| config | | valid / runs | ok-fraction mean (min) | answered mean (min) | bound mean (min) | answered/bound mean (min) | msgs/op mean (max) | srv msgs/op mean (max) | p50 ms mean (max) | p99 ms mean (max) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	echo "$AGG" | while IFS=$'\t' read -r k v r okm okw am aw bm bw rm rw mm mw sm sw p5m p5w p9m p9w; do
		printf '| %s | %s | %s / %s | %.4f (%.4f) | %.4f (%.4f) | %.4f (%.4f) | %.3f (%.3f) | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) |\n' \
			"$k" "$(cfg_name "$k")" "$v" "$r" "$okm" "$okw" "$am" "$aw" "$bm" "$bw" "$rm" "$rw" "$mm" "$mw" "$sm" "$sw" "$p5m" "$p5w" "$p9m" "$p9w"
	done
}

# agg CONFIG FIELD: a column of AGG: 1 config, 2 valid, 3 runs, then mean and
# worst of ok-fraction 4 5, answered 6 7, bound 8 9, answered/bound 10 11,
# msgs/op 12 13, server msgs/op 14 15, p50 16 17, p99 18 19.
agg() {
	echo "$AGG" | awk -F'\t' -v k="$1" -v f="$2" '$1 == k { print $f }'
}
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if (v == "") print "no runs"; else if ((op == "ge" && v >= t) || (op == "le" && v <= t)) print "met"; else print "**missed**" }'; }

# target_row LABEL CONFIG MEANCOL WORSTCOL THRESHOLD ge|le FORMAT
target_row() {
	local m w
	m=$(agg "$2" "$3") w=$(agg "$2" "$4")
	[ -n "$m" ] || { echo "| $1 | $2 | no runs | | | |"; return; }
	printf "| %s | %s ($(cfg_name "$2")) | $7 | $7 | %s | %s |\n" "$1" "$2" "$m" "$w" "$(verdict "$m" "$5" "$6")" "$(verdict "$w" "$5" "$6")"
}

targets_table() {
	echo "| target | config | mean | worst | mean vs target | worst vs target |"
	echo "|---|---|---|---|---|---|"
	target_row "answered fraction >= 0.995, no nemesis" g 6 7 0.995 ge "%.4f"
	for c in a b c d; do target_row "answered/bound >= 0.98, partition" "$c" 10 11 0.98 ge "%.3f"; done
	for c in g a b e f; do target_row "ok-op latency p99 <= 5 ms, latency 0" "$c" 18 19 5 le "%.2f ms"; done
	target_row "msgs-per-op (all) <= 7, 3 nodes, no nemesis" g 12 13 7 le "%.2f"
	target_row "(server-to-server msgs-per-op, for reference)" g 14 15 7 le "%.2f"
}

# Where the server-to-server messages of configuration g go, per client
# operation, from the "messages sent" counts each node logs every 5 s
# (maelstrom/stats.go; the last record of each node, so the final seconds
# are missing from both the counts and the operations they are divided by).
breakdown_table() {
	local d f
	echo "| seed | ops counted | srv msgs/op | AppendEntries with entries | heartbeats | of which surely VerifyLeader-triggered | AppendEntries without entries | fwd + fwd_ok | votes | heartbeats held |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for d in "$STORE/g"/s*; do
		[ -d "$d/lin-kv/latest/node-logs" ] || continue
		for f in "$d"/lin-kv/latest/node-logs/n*.log; do grep "messages sent" "$f" | tail -n1; done |
			tr ' ' '\n' | grep '=' | grep -v '^node=\|^msg=\|^time=\|^level=' |
			awk -F= -v seed="${d##*/s}" '{ s[$1] += $2 } END {
				ops = s["recv:read"] + s["recv:write"] + s["recv:cas"]
				if (ops == 0) exit
				srv = s["raft_append"] + s["raft_ok"] + s["fwd"] + s["fwd_ok"] + s["raft_vote"] + s["raft_prevote"] + s["raft_timeout_now"] + s["raft_snapshot"] + s["error"]
				printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.3f | %d |\n", seed, ops, srv / ops,
					2 * s["append.entries"] / ops, 2 * s["append.heartbeat"] / ops, 2 * s["append.heartbeat.quick"] / ops,
					2 * s["append.empty"] / ops, (s["fwd"] + s["fwd_ok"]) / ops, 2 * (s["raft_vote"] + s["raft_prevote"]) / ops,
					s["append.heartbeat.held"] }'
	done | sort -t'|' -k2,2n
}

commit=$(git rev-parse HEAD)
dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo " (with uncommitted changes)" || true)
notes=""
if [ -f "$OUT" ] && grep -q '^<!-- notes -->' "$OUT"; then
	notes=$(sed -n '/^<!-- notes -->/,$p' "$OUT")
fi
commits=$(cat "$STORE"/*/s*/lin-kv/latest/results.json 2>/dev/null | jq -r '.test.commit' | sort -u | tr '\n' ' ')
mkdir -p "$(dirname "$OUT")"
{
	cat <<EOF
# lin-kv matrix: bin/kv under bin/linkv (issue 4)

Generated by \`scripts/linkv-matrix.sh\` from the runs in \`$STORE\` (not committed).
Every run: \`$(base_cmd) <config flags> --seed S --store $STORE/<config>/s<S>\`.

## Machine and build

- generated at: $(date -u '+%Y-%m-%d %H:%M UTC'), from commit \`$commit\`$dirty
- commits recorded by the runs (results.json \`test.commit\`): \`$commits\`
- nproc: $(nproc); $(uname -srm)
- $(go version)
- memory (\`free -h\`):

\`\`\`
$(free -h)
\`\`\`

The machine is shared: other sessions ran TCP-cluster system tests at the same time, and the
matrix itself ran up to $JOBS linkv runs at once (each with its 3 or 5 node processes). The
last column of the run table is the 1-minute load average before -> after each run.

## Configurations

| config | | flags |
|---|---|---|
$(for c in a b c d e f g; do echo "| $c | $(cfg_name $c) | \`$(cfg_flags $c)\` |"; done)

Replay any run: \`$(base_cmd) <flags> --seed S\` (add \`--store DIR\` or \`--results DIR\`).

## Per configuration

Mean over the runs and, in parentheses, the worst run (lowest fraction, highest messages and
latency). Latencies are of ok operations (linkv's \`latency.all\`), msgs/op over all client
operations (all messages, and server-to-server only).

$(config_table)

## Issue-4 targets

The partition target is stated for latency 0 (a, b) and shown for latency 10 (c, d) too; the
latency target is for latency 0, with no fault (g) and under each nemesis (a, b, e, f).

$(targets_table)

## Where the server-to-server messages go (g)

Per client operation, request and reply counted (each node's last "messages sent" log record,
maelstrom/stats.go): AppendEntries with log entries (writes), heartbeats (of which those that
followed the previous heartbeat to the same follower sooner than raft's timer can, i.e. sent
for a VerifyLeader read round; the others are timer heartbeats or rounds that came later),
AppendEntries without entries (commit-index news), forwarded batches, votes.

$(breakdown_table)

## Every run

$(runs_table)

EOF
	if [ -n "$notes" ]; then echo "$notes"; else echo "<!-- notes -->"; fi
} >"$OUT"
echo "linkv-matrix: $(echo "$TSV" | wc -l) runs; report in $OUT"
config_table
echo
targets_table
