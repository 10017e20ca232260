#!/usr/bin/env bash
# Runs every Fuzz* target in the module for a short time each.
# Usage: scripts/fuzz.sh [duration, default 20s]
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-20s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
	pkg=./$(dirname "${f#./}")
	for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/func //'); do
		echo "== $pkg $name ($t)"
		go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t"
	done
done
