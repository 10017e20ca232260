#!/usr/bin/env bash
# Three-member etcd cluster on 127.0.0.1, for comparing with Redraft
# (scripts/bench-etcd.sh).
#
#   scripts/etcd-cluster.sh start|stop|status|ensure
#
# Member N (1..3): name eN, client 127.0.0.1:2379N, peer 127.0.0.1:2380N
# (23791-23793 / 23801-23803, clear of cluster.sh's 6381-6383 / 7381-7383),
# data and log under ./data/etcd/eN/ (pid in ./data/etcd/eN/pid); override
# the directory with DATA_ETCD=dir (not an ETCD_* name: etcd reads ETCD_*
# variables as flags). Only the pids this script recorded are ever
# signalled. Default etcd settings (fsync on every commit).
#
# Which etcd: ETCD_BIN=path (relative to the repository root) or a command
# name, default `etcd`: Debian's etcd-server (3.4), installed (apt-get
# update, then install) when missing. ETCD_BIN=bin/etcd36 is etcd v3.6,
# go.etcd.io/etcd/server/v3 built from the Go module proxy as the nested
# module scripts/etcd36, (re)built when missing or older than that module's
# files. Both take the same flags, ports and data layout. ETCD_BIN is kept
# out of etcd's own environment (it would warn about an unknown ETCD_*
# variable). `ensure` only installs or builds the chosen etcd and prints
# its --version.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA_ETCD:-data/etcd}
ETCD=${ETCD_BIN:-etcd}
unset ETCD_BIN
ETCD36=bin/etcd36 ETCD36_SRC=scripts/etcd36
MEMBERS=(1 2 3)
client_port() { echo $((23790 + $1)); }
peer_port() { echo $((23800 + $1)); }
initial_cluster() {
	local out="" i
	for i in "${MEMBERS[@]}"; do out+="${out:+,}e$i=http://127.0.0.1:$(peer_port "$i")"; done
	echo "$out"
}
endpoints() {
	local out="" i
	for i in "${MEMBERS[@]}"; do out+="${out:+,}127.0.0.1:$(client_port "$i")"; done
	echo "$out"
}
pidfile() { echo "$DATA/e$1/pid"; }
running() {
	local f; f=$(pidfile "$1")
	[[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

is_etcd36() { [[ $(realpath -m "$ETCD") == "$(realpath -m "$ETCD36")" ]]; }

# build_etcd36: go build in the nested module (never part of the root
# module's ./...), when bin/etcd36 is missing or older than its sources.
build_etcd36() {
	local f stale=""
	[[ -x $ETCD36 ]] || stale=missing
	for f in "$ETCD36_SRC"/go.mod "$ETCD36_SRC"/go.sum "$ETCD36_SRC"/main.go; do
		[[ -n $stale || ! $f -nt $ETCD36 ]] || stale="older than $f"
	done
	[[ -n $stale ]] || return 0
	echo "building $ETCD36 ($stale) from $ETCD36_SRC: $(sed -n 's/^require go.etcd.io\/etcd\/server\/v3 //p' "$ETCD36_SRC/go.mod")" >&2
	(cd "$ETCD36_SRC" && go build -o "$OLDPWD/$ETCD36" .)
}

ensure_etcd() {
	if is_etcd36; then build_etcd36; return; fi
	command -v "$ETCD" >/dev/null && return
	if [[ $ETCD != etcd ]]; then echo "ETCD_BIN=$ETCD: not found" >&2; return 1; fi
	echo "etcd not found; installing Debian's etcd-server" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
}

start_member() {
	local i=$1 dir
	if running "$i"; then echo "e$i already running (pid $(cat "$(pidfile "$i")"))"; return; fi
	dir="$DATA/e$i"
	mkdir -p "$dir"
	nohup "$ETCD" --name "e$i" --data-dir "$dir/member-data" \
		--listen-client-urls "http://127.0.0.1:$(client_port "$i")" \
		--advertise-client-urls "http://127.0.0.1:$(client_port "$i")" \
		--listen-peer-urls "http://127.0.0.1:$(peer_port "$i")" \
		--initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$i")" \
		--initial-cluster "$(initial_cluster)" --initial-cluster-state new \
		--initial-cluster-token redraft-bench >>"$dir/etcd.log" 2>&1 &
	echo $! >"$(pidfile "$i")"
	echo "e$i started (pid $!, client 127.0.0.1:$(client_port "$i"), peer 127.0.0.1:$(peer_port "$i"))"
}

# health N: the member's /health answers {"health":"true"} once a leader exists.
health() { curl -fsS --max-time 2 "http://127.0.0.1:$(client_port "$1")/health" 2>/dev/null; }

wait_up() {
	local i=$1
	for _ in $(seq 1 150); do
		if health "$i" | grep -q '"health":"true"'; then return 0; fi
		running "$i" || { echo "e$i exited; see $DATA/e$i/etcd.log" >&2; tail -5 "$DATA/e$i/etcd.log" >&2; return 1; }
		sleep 0.1
	done
	echo "e$i not healthy after 15s" >&2
	return 1
}

stop_member() {
	local i=$1 f pid
	f=$(pidfile "$i")
	if ! running "$i"; then rm -f "$f"; return; fi
	pid=$(cat "$f")
	kill -TERM "$pid"
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	rm -f "$f"
	echo "e$i stopped"
}

status() {
	local i
	echo "etcd $("$ETCD" --version 2>/dev/null | sed -n 's/^etcd Version: //p') ($ETCD); endpoints $(endpoints)"
	printf '%-4s %-8s %-6s %s\n' member pid state health
	for i in "${MEMBERS[@]}"; do
		local pid="-" st="down" h="-"
		if running "$i"; then pid=$(cat "$(pidfile "$i")"); st=up; h=$(health "$i" || echo '-'); fi
		printf '%-4s %-8s %-6s %s\n' "e$i" "$pid" "$st" "$h"
	done
}

case "${1:-}" in
start)
	ensure_etcd
	for i in "${MEMBERS[@]}"; do start_member "$i"; done
	for i in "${MEMBERS[@]}"; do wait_up "$i"; done
	status ;;
stop) for i in "${MEMBERS[@]}"; do stop_member "$i"; done ;;
status) status ;;
ensure)
	ensure_etcd
	"$ETCD" --version ;;
*)
	sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
