#!/usr/bin/env bash
# jepsen-matrix.sh: Jepsen-style runs of the real TCP cluster (docs/jepsen.md)
# over nodes x workloads x nemeses x seeds, one after another (each run needs
# the machine's attention: its nodes, namespaces and clients), then the table
# of every report in OUT/README.md (bin/linkv index).
#
#   scripts/jepsen-matrix.sh [-n SEEDS] [-f FIRST] [-t SECONDS] [-o OUT]
#                            [-N "3 5"] [-w "register set list-append queue"]
#                            [-m "partition kill pause member all"]
#
#   -n SEEDS    seeds per cell (default 3); -f FIRST first seed (default 1)
#   -t SECONDS  --time-limit of each run (default 120)
#   -o OUT      report root (default results/jepsen-matrix)
#   -N, -w, -m  node counts, workloads, nemeses (defaults above)
#
# A cell whose report directory exists already is not run again, so the
# script can be stopped and restarted and seeds added later. Needs root;
# installs iproute2 and nftables when missing (linkv --install). Exit status
# 1 when any run was invalid or crashed, 2 when one was unknown, else 0.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=3 first=1 limit=120 out=results/jepsen-matrix
nodes="3 5" workloads="register set list-append queue" nemeses="partition kill pause member all"
while getopts "n:f:t:o:N:w:m:" opt; do
	case $opt in
	n) seeds=$OPTARG ;; f) first=$OPTARG ;; t) limit=$OPTARG ;; o) out=$OPTARG ;;
	N) nodes=$OPTARG ;; w) workloads=$OPTARG ;; m) nemeses=$OPTARG ;;
	*) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[[ -x bin/kv && -x bin/linkv ]] || make build
mkdir -p "$out"

worst=0
for ((s = first; s < first + seeds; s++)); do
	for n in $nodes; do
		for w in $workloads; do
			for m in $nemeses; do
				name="$n-$w-$m-s$s"
				nemname=$m
				[[ $m == all ]] && nemname=partition+kill+pause+member
				if compgen -G "$out/*-$w-${n}n-$nemname-s$s" >/dev/null; then
					echo "jepsen-matrix: $name done already"
					continue
				fi
				echo "jepsen-matrix: $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg): $name"
				rc=0
				bin/linkv test --cluster netns --install --bin bin/kv -w "$w" --node-count "$n" --nemesis "$m" \
					--time-limit "$limit" --seed "$s" --results "$out" >"$out/.last.log" 2>&1 || rc=$?
				tail -2 "$out/.last.log" | head -1
				case $rc in
				0) ;;
				2) if ((worst == 0)); then worst=2; fi ;;
				*) worst=1; echo "jepsen-matrix: $name exit $rc (see $out/.last.log)"; cp "$out/.last.log" "$out/$name.failed.log" ;;
				esac
			done
		done
	done
done
rm -f "$out/.last.log"
bin/linkv index --results "$out"
exit "$worst"
