#!/usr/bin/env bash
# TLS benchmark of the RESP edge: bin/kv serve --standalone with a plaintext
# and a TLS port (the same server), and redis-server with TLS, one after the
# other in each round, ROUNDS rounds; prints every round and the medians.
# Certificates are made by openssl in a temporary directory (ECDSA P-256).
#
#   scripts/bench-tls.sh [ROUNDS=3] [N=100000]
#
# Command per target and pipeline depth (plus --tls --cacert CA for TLS):
#   redis-benchmark -q -t set,get -c 50 -n N -P {1,16}
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
N=${2:-100000}
TESTS=set,get
scripts/deps.sh
make -s build
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TLSARGS=(--tls --cacert "$tmp/ca.crt")
wait_port() { for _ in $(seq 100); do redis-cli "${@:2}" -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
	-keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
	-keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tmp/server.ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial -days 1 \
	-extfile "$tmp/server.ext" -out "$tmp/server.crt" 2>/dev/null

bench() { # target port pipeline round [tls args]
	redis-benchmark -p "$2" "${@:5}" -q -t "$TESTS" -c 50 -n "$N" -P "$3" 2>/dev/null | tr '\r' '\n' |
		awk -v t="$1" -v p="$3" -v r="$4" '/requests per second/ {sub(":","",$1); print r, t, p, $1, $2}' >>"$tmp/raw"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(go version | cut -d' ' -f3); $(redis-server --version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)"
for r in $(seq "$ROUNDS"); do
	p=$(free_port); tp=$(free_port)
	bin/kv serve --resp "127.0.0.1:$p" --tls-port "127.0.0.1:$tp" --standalone --log-level warn \
		--tls-cert-file "$tmp/server.crt" --tls-key-file "$tmp/server.key" --tls-auth-clients no & pids+=($!)
	wait_port "$p"; wait_port "$tp" "${TLSARGS[@]}"
	for P in 1 16; do bench kv-plain "$p" "$P" "$r"; bench kv-tls "$tp" "$P" "$r" "${TLSARGS[@]}"; done
	kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
	tp=$(free_port)
	redis-server --port 0 --tls-port "$tp" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--tls-cert-file "$tmp/server.crt" --tls-key-file "$tmp/server.key" --tls-ca-cert-file "$tmp/ca.crt" \
		--tls-auth-clients no >/dev/null & pids+=($!)
	wait_port "$tp" "${TLSARGS[@]}"
	for P in 1 16; do bench redis-tls "$tp" "$P" "$r" "${TLSARGS[@]}"; done
	kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
echo "round target -P test req/s"; cat "$tmp/raw"
echo
echo "| -P | test | kv plain | kv TLS | redis TLS | kv TLS/plain | kv TLS/redis TLS |"
echo "|---|---|---:|---:|---:|---:|---:|"
python3 - "$tmp/raw" <<'PY'
import sys, statistics, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, t, p, test, v = line.split()
    d[(t, int(p), test)].append(float(v))
for p in (1, 16):
    for test in ["SET", "GET"]:
        m = {t: statistics.median(d[(t, p, test)]) for t in ("kv-plain", "kv-tls", "redis-tls") if d.get((t, p, test))}
        if len(m) < 3: continue
        print(f"| {p} | {test} | {m['kv-plain']:,.0f} | {m['kv-tls']:,.0f} | {m['redis-tls']:,.0f} | {m['kv-tls']/m['kv-plain']:.2f} | {m['kv-tls']/m['redis-tls']:.2f} |")
PY
