#!/usr/bin/env bash
# Three-node Redraft cluster on 127.0.0.1, for poking with redis-cli.
#
#   scripts/cluster.sh start|stop|status|kill N|restart N|pause N|resume N|logs N
#
# Node N (1..3): id nN, RESP 127.0.0.1:638N, Raft 127.0.0.1:738N,
# data and log under ./data/nN/ (pid in ./data/nN/pid). Only the pids this
# script recorded are ever signalled. Override the binary with KV=path and
# extra flags for every node with KV_FLAGS="...".
set -euo pipefail
cd "$(dirname "$0")/.."

KV=${KV:-bin/kv}
DATA=${DATA:-data}
NODES=(1 2 3)
resp_port() { echo $((6380 + $1)); }
raft_port() { echo $((7380 + $1)); }
bootstrap() {
	local out="" i
	for i in "${NODES[@]}"; do out+="${out:+,}n$i=127.0.0.1:$(raft_port "$i")"; done
	echo "$out"
}
pidfile() { echo "$DATA/n$1/pid"; }
running() {
	local f; f=$(pidfile "$1")
	[[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null
}
need_node() {
	[[ ${1:-} =~ ^[1-3]$ ]] || { echo "node must be 1, 2 or 3" >&2; exit 2; }
}
rcli() { redis-cli -h 127.0.0.1 -p "$(resp_port "$1")" "${@:2}"; }

start_node() {
	local i=$1
	if running "$i"; then echo "n$i already running (pid $(cat "$(pidfile "$i")"))"; return; fi
	mkdir -p "$DATA/n$i"
	# shellcheck disable=SC2086
	nohup "$KV" serve --id "n$i" --resp "127.0.0.1:$(resp_port "$i")" --raft "127.0.0.1:$(raft_port "$i")" \
		--data "$DATA/n$i" --bootstrap "$(bootstrap)" ${KV_FLAGS:-} >>"$DATA/n$i/kv.log" 2>&1 &
	echo $! >"$(pidfile "$i")"
	echo "n$i started (pid $!, resp 127.0.0.1:$(resp_port "$i"), raft 127.0.0.1:$(raft_port "$i"))"
}

wait_up() {
	local i=$1 t
	for t in $(seq 1 100); do
		if rcli "$i" PING >/dev/null 2>&1; then return 0; fi
		running "$i" || { echo "n$i exited; see $DATA/n$i/kv.log" >&2; tail -5 "$DATA/n$i/kv.log" >&2; return 1; }
		sleep 0.1
	done
	echo "n$i not answering after 10s" >&2
	return 1
}

stop_node() {
	local i=$1 f pid t
	f=$(pidfile "$i")
	if ! running "$i"; then rm -f "$f"; return; fi
	pid=$(cat "$f")
	kill -CONT "$pid" 2>/dev/null || true
	kill -TERM "$pid"
	for t in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	rm -f "$f"
	echo "n$i stopped"
}

status() {
	local i
	printf '%-4s %-8s %-7s %-10s %-6s %-8s %-8s %-8s\n' node pid state role term leader commit applied
	for i in "${NODES[@]}"; do
		local pid="-" st="down" info role="-" term="-" leader="-" commit="-" applied="-"
		if running "$i"; then
			pid=$(cat "$(pidfile "$i")")
			st=$(ps -o stat= -p "$pid" | grep -q T && echo paused || echo up)
			if info=$(timeout 2 redis-cli -h 127.0.0.1 -p "$(resp_port "$i")" RAFT INFO 2>/dev/null | tr -d '\r'); then
				field() { sed -n "s/^$1://p" <<<"$info"; }
				role=$(field role); term=$(field term); leader=$(field leader_id)
				commit=$(field commit_index); applied=$(field applied_index)
			fi
		fi
		printf '%-4s %-8s %-7s %-10s %-6s %-8s %-8s %-8s\n' "n$i" "$pid" "$st" "${role:--}" "${term:--}" "${leader:--}" "${commit:--}" "${applied:--}"
	done
}

cmd=${1:-}
case "$cmd" in
start)
	[[ -x $KV ]] || make build
	for i in "${NODES[@]}"; do start_node "$i"; done
	for i in "${NODES[@]}"; do wait_up "$i"; done
	status ;;
stop) for i in "${NODES[@]}"; do stop_node "$i"; done ;;
status) status ;;
kill)
	need_node "${2:-}"
	if running "$2"; then kill -KILL "$(cat "$(pidfile "$2")")"; rm -f "$(pidfile "$2")"; echo "n$2 killed (SIGKILL)"; else echo "n$2 not running"; fi ;;
restart)
	need_node "${2:-}"; stop_node "$2"; start_node "$2"; wait_up "$2" ;;
pause)
	need_node "${2:-}"; running "$2" && kill -STOP "$(cat "$(pidfile "$2")")" && echo "n$2 paused (SIGSTOP)" ;;
resume)
	need_node "${2:-}"; running "$2" && kill -CONT "$(cat "$(pidfile "$2")")" && echo "n$2 resumed (SIGCONT)" ;;
logs)
	need_node "${2:-}"; tail -n 50 -f "$DATA/n$2/kv.log" ;;
*)
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
