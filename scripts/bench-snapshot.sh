#!/usr/bin/env bash
# bench-snapshot.sh: snapshot write and restore of KEYS string keys
# "key:%012d" with 64-byte values (default 1,000,000) through the node's real
# FSM snapshot path (FSM.Snapshot + Persist; Open + FSM.Restore), on the
# segment/manifest store over objstore.Dir against hashicorp/raft's
# FileSnapshotStore (BenchmarkFSMSnapshot in replication/snapshot_bench_test.go).
# Each case runs in its own process under /usr/bin/time -v (max RSS), cases
# interleaved round by round; prints the machine, the commit, the load average
# before and after, every run, and a markdown table of medians and ranges.
#
# Usage: scripts/bench-snapshot.sh [ROUNDS]       (default 3)
#        KEYS=100000 scripts/bench-snapshot.sh 1
set -euo pipefail

ROUNDS=${1:-3}
KEYS=${KEYS:-1000000}
cd "$(dirname "$0")/.."

tmp=$(mktemp -d /tmp/bench-snapshot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

go test -c -o "$tmp/replication.test" ./replication

commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- replication kv || commit="$commit (dirty)"
echo "commit: $commit"
echo "machine: nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), $(go version | cut -d' ' -f3-)"
echo "keys: $KEYS, rounds: $ROUNDS"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

cases="write/segments-dir write/segments-dir-noreadback write/raft-file restore/segments-dir restore/raft-file"
bench() { # op store: one benchmark process
	TMPDIR=$tmp /usr/bin/time -v -o "$tmp/time" "$tmp/replication.test" -test.run '^$' \
		-test.bench "^BenchmarkFSMSnapshot\$/^$1\$/^$2\$/" -test.benchtime 1x \
		-replication.benchkeys "$KEYS" -replication.benchdir "$tmp/snapshots" >"$tmp/out"
}
# The restore cases read snapshots written once here, so that the measured
# processes (and their max RSS) only restore.
mkdir "$tmp/snapshots"
for store in segments-dir raft-file; do
	bench restore "$store"
done
: >"$tmp/runs"
for r in $(seq "$ROUNDS"); do
	for c in $cases; do
		op=${c%%/*}
		store=${c#*/}
		bench "$op" "$store"
		line=$(grep '^BenchmarkFSMSnapshot' "$tmp/out") || {
			cat "$tmp/out" >&2
			exit 1
		}
		rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
		echo "round $r $c: $line maxrss_kb=$rss_kb"
		echo "$c $line maxrss_kb=$rss_kb" >>"$tmp/runs"
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Summary: for every case and metric, the median and the range.
echo
echo "| case | MB/s | persist MB/s | serialise ms | snapshot MiB | peak heap MiB | extra heap MiB | restored state MiB | max RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in $cases; do
	awk -v c="$c" '
	function stat(name,   n, i, j, t, a, med) {
		n = cnt[name]
		if (n == 0) return "-"
		for (i = 1; i <= n; i++) a[i] = v[name, i]
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		if (n == 1) return sprintf("%.1f", med)
		return sprintf("%.1f (%.1f-%.1f)", med, a[1], a[n])
	}
	$1 == c {
		for (i = 3; i <= NF; i++) {
			if ($i ~ /^maxrss_kb=/) { split($i, kv, "="); v["rss", ++cnt["rss"]] = kv[2] / 1024; continue }
			if (i > 3 && $(i) ~ /^[a-zA-Z\/-]+$/ && $(i-1) ~ /^[0-9.]+$/) { v[$i, ++cnt[$i]] = $(i-1) }
		}
	}
	END {
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, stat("MB/s"), stat("persist-MB/s"), stat("serialise-ms"),
			stat("snapshot-MiB"), stat("peak-heap-MiB"), stat("extra-heap-MiB"), stat("state-heap-MiB"), stat("rss")
	}' "$tmp/runs"
done
