#!/usr/bin/env bash
# Old and new nodes in one cluster: node n1 runs bin/kv built from REV, n2
# and n3 the working tree's. Each node leads in turn (RAFT TRANSFER), and
# through every node the script writes (SET, PUBLISH, MULTI/EXEC, a 1 MB
# value) and reads back through every node, so batches are forwarded from
# old to new and from new to old: without a password, with --requirepass
# (AUTH on the client port) and with --cluster-secret-file (peer channel).
# Exits non-zero on the first mode that fails.
#
#   scripts/mixed-versions.sh REV      e.g. scripts/mixed-versions.sh main
set -euo pipefail
"$(dirname "$0")/deps.sh" # redis-cli and the rest, on a fresh machine
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/mixed-versions.sh REV}
tmp=$(mktemp -d /tmp/redraft-mixed.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/old"
git archive "$rev" | tar -x -C "$tmp/old"
(cd "$tmp/old" && go build -o "$tmp/kv-old" ./cmd/kv)
go build -o "$tmp/kv-new" ./cmd/kv

# freeports prints a base port B with B+1..3 and B+101..103 free.
freeports() {
	python3 -c 'import socket, random
while True:
    b = random.randint(20000, 40000)
    try:
        for p in (1, 2, 3, 101, 102, 103):
            s = socket.socket(); s.bind(("127.0.0.1", b + p)); s.close()
    except OSError:
        continue
    print(b); break'
}

run() { # run MODE: none | pass | secret
	local mode=$1 d=$tmp/$1 base boot cli=(redis-cli --no-auth-warning) extra=() fail=0
	mkdir "$d"
	base=$(freeports)
	boot="n1=127.0.0.1:$((base + 101)),n2=127.0.0.1:$((base + 102)),n3=127.0.0.1:$((base + 103))"
	case $mode in
	pass) extra=(--requirepass s3cret) cli+=(-a s3cret) ;;
	secret) head -c 32 /dev/urandom | base64 >"$d/secret" && extra=(--cluster-secret-file "$d/secret") ;;
	esac
	local mine=()
	for i in 1 2 3; do
		local bin=$tmp/kv-new
		[ "$i" = 1 ] && bin=$tmp/kv-old
		"$bin" serve --resp "127.0.0.1:$((base + i))" --id "n$i" --raft "127.0.0.1:$((base + 100 + i))" \
			--data "$d/n$i" --bootstrap "$boot" "${extra[@]}" >"$d/n$i.log" 2>&1 &
		pids+=($!) mine+=($!)
	done
	c() { "${cli[@]}" -p $((base + $1)) "${@:2}"; }
	leader() { for i in 1 2 3; do c "$i" raft info 2>/dev/null | grep -q '^role:leader' && echo "$i" && return; done; true; }
	local big l r k
	big=$(head -c 1000000 /dev/zero | tr '\0' x)
	for want in 1 2 3; do
		for _ in $(seq 150); do l=$(leader); [ -n "$l" ] && break; sleep 0.1; done
		if [ "$l" != "$want" ]; then
			c "$l" raft transfer "n$want" >/dev/null
			for _ in $(seq 150); do l=$(leader); [ "$l" = "$want" ] && break; sleep 0.1; done
		fi
		echo "$mode: leader n$l"
		[ "$l" = "$want" ] || { echo "  n$want did not become the leader"; fail=1; }
		for i in 1 2 3; do
			k=k$want$i
			r=$(c "$i" set "$k" "v$i"); [ "$r" = OK ] || { echo "  SET via n$i: $r"; fail=1; }
			r=$(c "$i" publish ch m); [[ $r =~ ^[0-9]+$ ]] || { echo "  PUBLISH via n$i: $r"; fail=1; }
			r=$(printf 'MULTI\nINCR c%s\nINCR c%s\nEXEC\n' "$k" "$k" | c "$i" | tr '\n' ' ')
			[ "$r" = "OK QUEUED QUEUED 1 2 " ] || { echo "  MULTI via n$i: $r"; fail=1; }
			c "$i" -x set "big$k" <<<"$big" >/dev/null
			for j in 1 2 3; do
				r=$(c "$j" get "$k"); [ "$r" = "v$i" ] || { echo "  GET $k via n$j: $r"; fail=1; }
				r=$(c "$j" strlen "big$k"); [ "$r" = 1000001 ] || { echo "  STRLEN big$k via n$j: $r"; fail=1; }
			done
		done
	done
	for p in "${mine[@]}"; do kill "$p"; done
	if [ "$fail" != 0 ]; then
		tail -n 20 "$d"/n*.log
		echo "mixed-versions $mode: FAILED"
		return 1
	fi
	echo "mixed-versions $mode: ok"
}

for mode in none pass secret; do run "$mode"; done
