# shellcheck shell=bash
# bench-cluster.sh: helpers shared by the benchmark scripts that run a
# three-node cluster on 127.0.0.1 (bench-scale.sh, bench-bigvalues.sh).
# Source it after declaring the associative arrays pid (node number -> PID)
# and resp (node number -> RESP port) and the array bg (background helpers);
# it stops them all on exit.

cleanup() {
	local p
	for p in "${bg[@]}" "${pid[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
secs_since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b-a}'; }
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
field() { # node name: one RAFT INFO field ("" when the node does not answer)
	timeout 5 redis-cli -p "${resp[$1]}" RAFT INFO 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p" || true
}
leader() { # the leader's node number among 1 2 3, once it says so itself
	local i _
	for _ in $(seq 600); do
		for i in 1 2 3; do
			[[ $(field "$i" role) == leader ]] && { echo "$i"; return 0; }
		done
		sleep 0.1
	done
	echo "$(basename "$0"): no leader after 60 s" >&2
	return 1
}
max_term() { # the highest term the nodes of pid report
	local i t m=0
	for i in "${!pid[@]}"; do t=$(field "$i" term); [[ -n $t && $t -gt $m ]] && m=$t; done
	echo "$m"
}
