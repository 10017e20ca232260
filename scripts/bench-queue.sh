#!/bin/bash
# LPUSH + BRPOP queue throughput (results/blocking-bench.md): 20 LPUSH and 20 BRPOP
# connections at once, against redis-server, bin/kv serve --standalone, and a three-node
# cluster (both on the leader; producers on one follower, consumers on the other).
#   CF="extra cluster flags" scripts/bench-queue.sh
cd "$(dirname "$0")/.."
scripts/deps.sh # redis-server, redis-cli, redis-benchmark on a fresh machine
make -s build
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
run() { # label push-port pop-port N
  redis-cli -p $2 del q >/dev/null
  redis-benchmark -p $2 -c 20 -n $4 -q LPUSH q x > $tmp/bq.push 2>&1 &
  pp=$!
  redis-benchmark -p $3 -c 20 -n $4 -q BRPOP q 0 > $tmp/bq.pop 2>&1
  wait $pp
  echo "$1 | $4 | $(tr '\r' '\n' < $tmp/bq.pop | grep -o '[0-9.]* requests per second, p50=[0-9.]* msec' | tail -1) | $(tr '\r' '\n' < $tmp/bq.push | grep -o '[0-9.]* requests per second, p50=[0-9.]* msec' | tail -1) | LLEN $(redis-cli -p $2 llen q)"
}
echo "commit $(git rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
P=$(fp); redis-server --port $P --save '' --appendonly no >/dev/null 2>&1 & R=$!; sleep 0.5
run "redis-server 7.0.15" $P $P 50000; kill $R
P=$(fp); bin/kv serve --standalone --resp 127.0.0.1:$P --log-level warn 2>/dev/null & K=$!; sleep 0.5
run "kv standalone" $P $P 50000; kill $K
d=$(mktemp -d); r1=$(fp); r2=$(fp); r3=$(fp); a1=$(fp); a2=$(fp); a3=$(fp)
B="n1=127.0.0.1:$a1,n2=127.0.0.1:$a2,n3=127.0.0.1:$a3"
bin/kv serve --id n1 --resp 127.0.0.1:$r1 --raft 127.0.0.1:$a1 --data $d/n1 --bootstrap $B --log-level warn $CF 2>/dev/null & p1=$!
bin/kv serve --id n2 --resp 127.0.0.1:$r2 --raft 127.0.0.1:$a2 --data $d/n2 --bootstrap $B --log-level warn $CF 2>/dev/null & p2=$!
bin/kv serve --id n3 --resp 127.0.0.1:$r3 --raft 127.0.0.1:$a3 --data $d/n3 --bootstrap $B --log-level warn $CF 2>/dev/null & p3=$!
for i in $(seq 100); do [ "$(redis-cli -p $r1 set probe 1 2>/dev/null)" = OK ] && break; sleep 0.1; done
L=$(redis-cli -p $r1 raft info | grep leader_client_addr | cut -d: -f3 | tr -d '\r')
F=(); for p in $r1 $r2 $r3; do [ $p != $L ] && F+=($p); done
run "kv 3 nodes, both on the leader" $L $L 30000
run "kv 3 nodes, producers on one follower, consumers on the other" ${F[0]} ${F[1]} 30000
kill $p1 $p2 $p3; wait 2>/dev/null; rm -rf $d
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"
