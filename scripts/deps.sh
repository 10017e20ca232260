#!/usr/bin/env bash
# Installs what the tests and benchmarks need when it is missing (Debian).
# Idempotent: does nothing when everything is present.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || need+=(redis-tools)
command -v tclsh >/dev/null 2>&1 || need+=(tcl) # Redis's own test suite (scripts/redis-suite.sh)
command -v ip >/dev/null 2>&1 || need+=(iproute2)    # network namespaces (tester/netns, docs/jepsen.md)
command -v nft >/dev/null 2>&1 || need+=(nftables)   # partitions in the namespaces
if ((${#need[@]})); then
	if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
	echo "deps: installing ${need[*]}" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Debian's package may start a system redis-server on 6379; tests never use it
# (they start their own on free loopback ports), so leave it alone.
command -v go >/dev/null 2>&1 || { echo "deps: Go is required (https://go.dev/dl/)" >&2; exit 1; }
