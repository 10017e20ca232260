#!/usr/bin/env bash
# Runs Maelstrom's lin-kv test on a node binary.
#
#   scripts/maelstrom.sh --bin bin/kv --node-count 3 --time-limit 60 --rate 100 --nemesis partition
#
# With real Maelstrom installed (`maelstrom` on PATH, or $MAELSTROM naming the
# launcher script or its directory), it runs
#   maelstrom test -w lin-kv --concurrency 2n <your flags>
# and copies the run's store (store/lin-kv/latest) into
# results/<date>-lin-kv-<n>n-<nemesis>-maelstrom/. Maelstrom has no --seed, and
# knows no kill or pause nemesis: those flags are refused in that mode.
#
# Without Maelstrom (or with LINKV=1), it runs bin/linkv with the same flags,
# which writes results/<date>-lin-kv-<n>n-<nemesis>-s<seed>/ itself.
#
# Installing Maelstrom (needs a JDK 11+, graphviz and gnuplot; on Debian:
# apt-get install default-jdk graphviz gnuplot): download maelstrom.tar.bz2
# from the latest release at https://github.com/jepsen-io/maelstrom/releases,
# unpack it, and put the unpacked maelstrom/ directory on PATH or point
# MAELSTROM at it.
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
has() { local f; for f in "${args[@]}"; do [[ $f == "$1" || $f == "$1="* ]] && return 0; done; return 1; }
value() { # value of flag $1 in args, or $2
	local i
	for ((i = 0; i < ${#args[@]}; i++)); do
		case ${args[i]} in
		"$1") echo "${args[i + 1]:-}"; return ;;
		"$1="*) echo "${args[i]#*=}"; return ;;
		esac
	done
	echo "$2"
}
has --concurrency || args+=(--concurrency 2n)
has --bin || args+=(--bin bin/kv)

maelstrom=""
if [[ -z ${LINKV:-} ]]; then
	if [[ -n ${MAELSTROM:-} ]]; then
		if [[ -d $MAELSTROM ]]; then maelstrom=$MAELSTROM/maelstrom; else maelstrom=$MAELSTROM; fi
	elif command -v maelstrom >/dev/null 2>&1; then
		maelstrom=$(command -v maelstrom)
	fi
fi

if [[ -z $maelstrom ]]; then
	[[ -x bin/linkv ]] || go build -o bin/linkv ./cmd/linkv
	exec bin/linkv test -w lin-kv "${args[@]}"
fi

# Real Maelstrom: drop the flags it does not know.
margs=()
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--seed | --store | --results | --checker-timeout) i=$((i + 1)) ;;
	--seed=* | --store=* | --results=* | --checker-timeout=*) ;;
	*) margs+=("${args[i]}") ;;
	esac
done
nemesis=$(value --nemesis "")
if [[ $nemesis == *kill* || $nemesis == *pause* ]]; then
	echo "maelstrom.sh: Maelstrom knows only the partition nemesis (run with LINKV=1 for kill/pause)" >&2
	exit 254
fi
set +e
"$maelstrom" test -w lin-kv "${margs[@]}"
code=$?
set -e
if [[ -d store/lin-kv/latest/ ]]; then
	dest="results/$(date +%F)-lin-kv-$(value --node-count 1)n-${nemesis:-none}-maelstrom"
	n=1
	while [[ -e $dest$( ((n > 1)) && echo "-$n") ]]; do n=$((n + 1)); done
	((n > 1)) && dest="$dest-$n"
	mkdir -p "$dest"
	cp -rL store/lin-kv/latest/. "$dest/"
	echo "maelstrom.sh: store copied to $dest"
fi
exit $code
