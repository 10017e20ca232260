#!/usr/bin/env bash
# jepsen-matrix.sh: Jepsen-style runs of the real TCP cluster (docs/jepsen.md)
# over nodes x workloads x nemeses x seeds, J runs at a time (default 1:
# each run needs the machine's attention, its nodes, namespaces and clients;
# runs in parallel have their own namespaces and subnets but share the CPU,
# which lowers availability, never what the checkers accept), then the
# table of every report in OUT/README.md (bin/linkv index).
#
#   scripts/jepsen-matrix.sh [-n SEEDS] [-f FIRST] [-t SECONDS] [-o OUT] [-j J]
#                            [-N "3 5"] [-w "register set list-append"]
#                            [-m "partition kill pause clock member all"]
#
#   -n SEEDS    seeds per cell (default 3); -f FIRST first seed (default 1)
#   -t SECONDS  --time-limit of each run (default 120)
#   -o OUT      report root (default results/jepsen-matrix)
#   -j J        runs at once (default 1)
#   -k          keep every report file; by default a report is compacted
#               after its run (below)
#   -N, -w, -m  node counts, workloads, nemeses (defaults above; queue is a
#               fourth workload)
#
# Compacted reports keep summary.md, results.json and schedule.txt/json,
# with history.txt, history.jsonl and the node logs compressed by xz -9
# (xz -d to read them; the set workload's histories are 10-20 MB each, 100
# KB compressed) and the plots and timelines left out: a hundred full
# reports would add about 700 MB to the repository. `bin/linkv test
# --cluster netns --bin bin/kv --replay DIR`
# runs a report's schedule again with every file.
#
# A cell whose report directory exists already is not run again, so the
# script can be stopped and restarted and seeds added later. Needs root;
# installs iproute2 and nftables when missing (linkv --install). Exit status
# 1 when any run was invalid or crashed, 2 when one was unknown, else 0.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=3 first=1 limit=120 out=results/jepsen-matrix jobs=1 keep=0
nodes="3 5" workloads="register set list-append" nemeses="partition kill pause clock member all"
while getopts "n:f:t:o:j:kN:w:m:" opt; do
	case $opt in
	n) seeds=$OPTARG ;; f) first=$OPTARG ;; t) limit=$OPTARG ;; o) out=$OPTARG ;; j) jobs=$OPTARG ;; k) keep=1 ;;
	N) nodes=$OPTARG ;; w) workloads=$OPTARG ;; m) nemeses=$OPTARG ;;
	*) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[[ -x bin/kv && -x bin/linkv ]] || make build
if ((!keep)) && ! command -v xz >/dev/null; then
	apt-get update -qq && apt-get install -y -qq xz-utils >/dev/null
fi
mkdir -p "$out"

# run NAME ARGS...: one run; its exit status goes to OUT/.NAME.rc.
run() {
	local name=$1 rc=0
	shift
	bin/linkv test --cluster netns --install --bin bin/kv "$@" --time-limit "$limit" --results "$out" \
		>"$out/.$name.log" 2>&1 || rc=$?
	echo "jepsen-matrix: $(date -u +%T) $name: $(tail -2 "$out/.$name.log" | head -1)"
	((keep)) || compact "$(sed -n 's/^linkv: seed [0-9]*; report in //p' "$out/.$name.log")"
	echo "$rc" >"$out/.$name.rc"
}

# compact DIR: histories xz-compressed, plots and timelines left out.
compact() {
	local d=$1
	[[ -n $d && -d $d ]] || return 0
	rm -f "$d"/*.png "$d"/*.html
	for f in "$d/history.txt" "$d/history.jsonl" "$d"/node-logs/*.log; do
		[[ -f $f ]] && xz -9 -f "$f"
	done
	return 0
}

for ((s = first; s < first + seeds; s++)); do
	for n in $nodes; do
		for w in $workloads; do
			for m in $nemeses; do
				name="$n-$w-$m-s$s"
				nemname=$m
				[[ $m == all ]] && nemname=partition+kill+pause+member+clock+loss
				if compgen -G "$out/*-$w-${n}n-$nemname-s$s" >/dev/null; then
					echo "jepsen-matrix: $name done already"
					continue
				fi
				while (($(jobs -rp | wc -l) >= jobs)); do
					wait -n || true
				done
				echo "jepsen-matrix: $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg): $name"
				run "$name" -w "$w" --node-count "$n" --nemesis "$m" --seed "$s" &
			done
		done
	done
done
wait

worst=0
for f in "$out"/.*.rc; do
	[[ -e $f ]] || continue
	name=$(basename "$f" .rc)
	name=${name#.}
	rc=$(cat "$f")
	case $rc in
	0) rm -f "$out/.$name.log" ;;
	2) if ((worst == 0)); then worst=2; fi; mv "$out/.$name.log" "$out/$name.unknown.log" ;;
	*) worst=1; echo "jepsen-matrix: $name exit $rc (see $out/$name.failed.log)"; mv "$out/.$name.log" "$out/$name.failed.log" ;;
	esac
	rm -f "$f"
done
bin/linkv index --results "$out"
exit "$worst"
