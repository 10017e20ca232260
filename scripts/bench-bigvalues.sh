#!/usr/bin/env bash
# bench-bigvalues.sh: big values and big collections through a three-node
# Redraft cluster on 127.0.0.1 (issue 15, part 4), with default node flags:
#
#   1. write, through the leader: a STR_MB MiB string of random bytes (one
#      SET), a sorted set of ZSET_N members and a hash of HASH_N fields (ZADD
#      and HSET of BATCH elements each, through redis-cli --pipe);
#   2. read them back through a follower (reads are linearizable: served
#      behind the leader's read barrier) and compare with what was written:
#      the string's SHA-256, ZRANGE 0 -1 WITHSCORES in chunks (SHA-256 of the
#      whole order), HSCAN of every field (sorted, SHA-256);
#   3. RAFT SNAPSHOT on the leader (time, size, RSS before and peak during);
#   4. a fourth node joins with an empty data directory (--join): it gets the
#      leader's snapshot by InstallSnapshot (the three nodes keep 16 entries
#      after a snapshot, --trailing-logs 1, so the log cannot serve it); the same three checks on its own
#      state (it runs with --read-consistency stale, so reads are local);
#   5. kv restore of the leader's newest snapshot into a fresh one-node
#      cluster, and the same checks there;
#
# and reports the time of each step, leader changes over the whole run
# (terms: pre-vote is on, so a term only grows by an election), each node's
# RSS after each step and its peak, and the data's raw size. With REDIS=1
# (the default) the same data is loaded into a redis-server on a free port
# for its used_memory and RSS.
#
# Env: STR_MB=100 ZSET_N=10000000 HASH_N=10000000 BATCH=1000 REDIS=1
#      KV_FLAGS (extra flags for every node). Needs redis-cli, curl, python3.
# Node logs and check files are kept in data/bench-bigvalues/.
set -euo pipefail
"$(dirname "$0")/deps.sh" # redis-cli and the rest, on a fresh machine
cd "$(dirname "$0")/.."
STR_MB=${STR_MB:-100} ZSET_N=${ZSET_N:-10000000} HASH_N=${HASH_N:-10000000} BATCH=${BATCH:-1000}
REDIS=${REDIS:-1} KV_FLAGS=${KV_FLAGS:-}
make -s build
DIR=data/bench-bigvalues
rm -rf "$DIR"
mkdir -p "$DIR"

declare -A pid resp raft
bg=()
# shellcheck source=scripts/lib/bench-cluster.sh
source scripts/lib/bench-cluster.sh
cli() { local n=$1; shift; timeout 600 redis-cli -p "${resp[$n]}" "$@"; }
wait_applied() { # node target: wait (10 min at most) until node applied target
	local a _
	for _ in $(seq 6000); do
		a=$(field "$1" applied_index)
		[[ -n $a && $a -ge $2 ]] && return 0
		sleep 0.1
	done
	return 1
}
rss_line() {
	local i out=""
	for i in $(printf '%s\n' "${!pid[@]}" | sort -n); do out+="${out:+, }n$i $(rss_mib "${pid[$i]}")"; done
	echo "$out"
}
# peak_during CMD...: runs CMD (in this shell) while sampling every node's
# RSS every 0.2 s; sets SECS (its duration) and PEAK (peak RSS MiB per node).
peak_during() {
	local t0 s
	t0=$(now)
	(
		set +e
		while :; do
			for i in "${!pid[@]}"; do echo "n$i $(rss_mib "${pid[$i]}")"; done
			sleep 0.2
		done
	) >"$DIR/peak.samples" &
	s=$!
	"$@" || true
	kill "$s" 2>/dev/null
	wait "$s" 2>/dev/null || true
	SECS=$(secs_since "$t0")
	PEAK=$(awk '{if ($2 > m[$1]) m[$1] = $2} END {for (n in m) printf "%s %d, ", n, m[n]}' "$DIR/peak.samples" | sed 's/, $//')
}

# The data, written as RESP (a file each: the same bytes go to Redraft and
# redis-server) and as the expected check outputs.
gen() {
	head -c $((STR_MB << 20)) /dev/urandom >"$DIR/str.bin"
	{
		printf '*3\r\n$3\r\nSET\r\n$6\r\nbigstr\r\n$%d\r\n' $((STR_MB << 20))
		cat "$DIR/str.bin"
		printf '\r\n'
	} >"$DIR/str.resp"
	sha256sum <"$DIR/str.bin" | cut -d' ' -f1 >"$DIR/str.want"
	# Members m:%09d with score i.
	awk -v n="$ZSET_N" -v b="$BATCH" 'BEGIN {
		for (i = 0; i < n; i += b) {
			k = (n - i < b) ? n - i : b
			printf "*%d\r\n$4\r\nZADD\r\n$7\r\nbigzset\r\n", 2 + 2 * k
			for (j = i; j < i + k; j++) { s = sprintf("%d", j); printf "$%d\r\n%s\r\n$11\r\nm:%09d\r\n", length(s), s, j }
		}
	}' >"$DIR/zset.resp"
	awk -v n="$ZSET_N" 'BEGIN { for (j = 0; j < n; j++) printf "m:%09d\n%d\n", j, j }' | sha256sum | cut -d' ' -f1 >"$DIR/zset.want"
	awk -v n="$HASH_N" -v b="$BATCH" 'BEGIN {
		for (i = 0; i < n; i += b) {
			k = (n - i < b) ? n - i : b
			printf "*%d\r\n$4\r\nHSET\r\n$7\r\nbighash\r\n", 2 + 2 * k
			for (j = i; j < i + k; j++) printf "$11\r\nf:%09d\r\n$11\r\nv:%09d\r\n", j, j
		}
	}' >"$DIR/hash.resp"
	awk -v n="$HASH_N" 'BEGIN { for (j = 0; j < n; j++) printf "f:%09d v:%09d\n", j, j }' | sha256sum | cut -d' ' -f1 >"$DIR/hash.want"
}

# check N: the three checks on node N's answers; prints one line.
check() {
	local n=$1 got want out="" ok=1 i c
	cli "$n" GET bigstr >"$DIR/str.got.$n" 2>&1
	got=$(head -c $((STR_MB << 20)) "$DIR/str.got.$n" | sha256sum | cut -d' ' -f1)
	want=$(cat "$DIR/str.want")
	if [[ $got == "$want" ]]; then
		out+="string ok"
	else # say how: the reply's size and first bytes (an error reply, a nil), and STRLEN now
		out+="string DIFFERS ($(wc -c <"$DIR/str.got.$n") bytes: $(head -c 80 "$DIR/str.got.$n" | tr -c '[:print:]' '.'); STRLEN now $(cli "$n" STRLEN bigstr))"
		ok=0
	fi
	rm -f "$DIR/str.got.$n"
	c=1000000
	for ((i = 0; i < ZSET_N; i += c)); do cli "$n" ZRANGE bigzset "$i" $((i + c - 1)) WITHSCORES; done >"$DIR/zset.got.$n"
	if [[ $(sha256sum <"$DIR/zset.got.$n" | cut -d' ' -f1) == "$(cat "$DIR/zset.want")" ]]; then
		out+=", zset ok ($(cli "$n" ZCARD bigzset) members)"
	else # say how: lines, and the first that is neither a member nor a score
		out+=", zset DIFFERS ($(wc -l <"$DIR/zset.got.$n") lines; $(grep -v -m1 '^m:[0-9]*$\|^[0-9]*$' "$DIR/zset.got.$n" | cut -c1-80))"
		ok=0
	fi
	rm -f "$DIR/zset.got.$n"
	local cur=0 page
	: >"$DIR/hash.got.$n"
	while :; do
		page=$(cli "$n" HSCAN bighash "$cur" COUNT 200000)
		cur=$(head -1 <<<"$page")
		tail -n +2 <<<"$page" | paste -d' ' - - >>"$DIR/hash.got.$n"
		[[ $cur == 0 ]] && break
	done
	got=$(LC_ALL=C sort -u "$DIR/hash.got.$n" | sha256sum | cut -d' ' -f1)
	[[ $got == "$(cat "$DIR/hash.want")" ]] && out+=", hash ok ($(cli "$n" HLEN bighash) fields)" || { out+=", hash DIFFERS"; ok=0; }
	rm -f "$DIR/hash.got.$n"
	echo "$out"
	((ok))
}
pipe_to() { # node file out: redis-cli --pipe of file into node; its summary line goes to out
	cli "$1" --pipe <"$2" >"$3.full" 2>&1 || true
	echo "$(tail -1 "$3.full" | tr -d '\r')$(grep -v '^All data transferred\|^Last reply received\|^errors: ' "$3.full" | sort | uniq -c | head -3 | tr -s ' \r\n' ' ' | sed 's/^/; /')" >"$3"
}
write_all() { # file out: pipe_to the leader, then wait until every node applied it
	local i target
	pipe_to "$l" "$1" "$2"
	target=$(field "$l" applied_index)
	for i in 1 2 3; do wait_applied "$i" "$target" || true; done
}
snapshot() { cli "$1" RAFT SNAPSHOT >"$DIR/snap.out" 2>&1; }
suffrage() { # node: its suffrage in the leader's RAFT NODES
	cli "$l" RAFT NODES 2>/dev/null | tr -d '\r' | awk -v n="n$1" '$0 == "id" {getline; id = $0} $0 == "suffrage" {getline; if (id == n) print $0}'
}

echo "## bench-bigvalues: a ${STR_MB} MiB string, a ${ZSET_N}-member sorted set, a ${HASH_N}-field hash"
echo
echo "- machine: $(nproc) cores, $(free -h | awk '/Mem:/ {print $2}') RAM, shared; $(go version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- kv replication cmd || echo ' (dirty)')"
echo "- env: STR_MB=$STR_MB ZSET_N=$ZSET_N HASH_N=$HASH_N BATCH=$BATCH KV_FLAGS='$KV_FLAGS'"
echo "- start: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now)
gen
raw=$(awk -v s="$((STR_MB << 20))" -v z="$ZSET_N" -v h="$HASH_N" 'BEGIN {printf "%.0f", (s + z * (11 + 8) + h * (11 + 11)) / 1048576}')
echo "- data: raw size $raw MiB (string bytes; 11-byte members with an 8-byte score; 11-byte fields with 11-byte values); generated in $(secs_since "$t0")s"

for i in 1 2 3 4; do resp[$i]=$(free_port); raft[$i]=$(free_port); done
boot=""
for i in 1 2 3; do boot+="${boot:+,}n$i=127.0.0.1:${raft[$i]}"; done
start_node() { # i [flags...]
	local i=$1
	shift
	# shellcheck disable=SC2086
	bin/kv serve --id "n$i" --resp "127.0.0.1:${resp[$i]}" --raft "127.0.0.1:${raft[$i]}" \
		--data "$DIR/n$i" --log-level warn "$@" $KV_FLAGS 2>>"$DIR/n$i.log" &
	pid[$i]=$!
}
# --trailing-logs 1: the leader keeps only 1 entry after its snapshot,
# so the new member cannot be caught up from the log and must install it
# (the writes above take fewer entries than raft's default of 10240).
for i in 1 2 3; do start_node "$i" --bootstrap "$boot" --trailing-logs 1; done
l=$(leader)
term0=$(max_term)
for f in 1 2 3; do [[ $f != "$l" ]] && break; done
echo
echo "| step | time s | result | term after | RSS after, MiB | peak RSS during, MiB |"
echo "|---|---:|---|---:|---|---|"
for kind in str zset hash; do
	peak_during write_all "$DIR/$kind.resp" "$DIR/$kind.pipe"
	echo "| write $kind (leader n$l) | $SECS | $(cat "$DIR/$kind.pipe") | $(max_term) | $(rss_line) | $PEAK |"
done
t1=$(now)
res=$(check "$f") || res+=" (FAILED)"
echo "| read back through follower n$f | $(secs_since "$t1") | $res | $(max_term) | $(rss_line) | |"

l=$(leader) # leadership may have moved during the writes
peak_during snapshot "$l"
size=$(du -sm "$DIR/n$l/objects" | cut -f1)
echo "| RAFT SNAPSHOT on n$l | $SECS | $(tr -d '\r\n' <"$DIR/snap.out"); objects dir $size MiB | $(max_term) | $(rss_line) | $PEAK |"

met4=$(free_port)
start_node 4 --join "127.0.0.1:${resp[$l]}" --read-consistency stale --metrics-addr "127.0.0.1:$met4"
join_node() {
	local _
	for _ in $(seq 6000); do
		[[ $(suffrage 4) == voter ]] && return 0
		sleep 0.1
	done
	return 1
}
peak_during join_node
target=$(field "$l" applied_index)
wait_applied 4 "$target" || true
installs=$(curl -s --max-time 5 "http://127.0.0.1:$met4/metrics" | awk '$1 == "redraft_snapshot_restores_total" {print $2}')
echo "| n4 joins (InstallSnapshot) until a voter | $SECS | suffrage $(suffrage 4), applied $(field 4 applied_index) of the leader's $target, snapshots installed ${installs:-?} | $(max_term) | $(rss_line) | $PEAK |"
t1=$(now)
res=$(check 4) || res+=" (FAILED)"
echo "| read back on n4 (local state) | $(secs_since "$t1") | $res | $(max_term) | $(rss_line) | |"
term1=$(max_term)

# kv restore of the leader's newest snapshot into a fresh one-node cluster.
for i in 1 2 3 4; do kill -TERM "${pid[$i]}" 2>/dev/null || true; done
wait "${pid[@]}" 2>/dev/null || true
unset 'pid[1]' 'pid[2]' 'pid[3]' 'pid[4]'
resp[5]=$(free_port) raft[5]=$(free_port)
t1=$(now)
bin/kv restore --from "$DIR/n$l/objects" --from-node "n$l" --id n5 --bootstrap "n5=127.0.0.1:${raft[5]}" --data "$DIR/n5" >"$DIR/restore.out" 2>&1 || echo "- kv restore failed: $(tail -1 "$DIR/restore.out")"
rsecs=$(secs_since "$t1")
t1=$(now)
bin/kv serve --id n5 --resp "127.0.0.1:${resp[5]}" --raft "127.0.0.1:${raft[5]}" --data "$DIR/n5" --log-level warn 2>>"$DIR/n5.log" &
pid[5]=$!
for _ in $(seq 6000); do [[ $(field 5 role) == leader ]] && break; sleep 0.1; done
echo "| kv restore, then kv serve until leader | $rsecs + $(secs_since "$t1") | $(tail -1 "$DIR/restore.out" | cut -c1-120) | $(max_term) | $(rss_line) | |"
t1=$(now)
res=$(check 5) || res+=" (FAILED)"
echo "| read back on the restored node | $(secs_since "$t1") | $res | $(max_term) | $(rss_line) | |"
echo
echo "- leader changes: terms $term0 -> $term1 over the cluster's life ($((term1 - term0)) elections)"

if ((REDIS)); then
	rp=$(free_port)
	redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile "$DIR/redis.log" &
	rpid=$!
	bg+=("$rpid")
	for _ in $(seq 100); do redis-cli -p "$rp" ping >/dev/null 2>&1 && break; sleep 0.1; done
	for kind in str zset hash; do redis-cli -p "$rp" --pipe <"$DIR/$kind.resp" >/dev/null; done
	um=$(redis-cli -p "$rp" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" {printf "%.0f", $2/1048576}')
	echo "- redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) with the same data: used_memory $um MiB, RSS $(rss_mib "$rpid") MiB"
fi
echo "- end: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
