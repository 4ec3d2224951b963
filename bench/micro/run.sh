#!/bin/sh
# Instructions per packet (callgrind) of the in-process datapath: VM frame -> flow_extract ->
# exact-match cache (emc) or cache miss + classifier (miss) -> README-lisp's actions -> lisp port
# encapsulation -> sendmmsg batch, with 1 and 100,000 flows. See bench_micro.c.
set -eu
BUILD=${1:-build}
BIN=$BUILD/bench/micro/bench_micro
OUT=${2:-bench/results}
PACKETS=${PACKETS:-20000}
mkdir -p "$OUT/micro.tmp"

instr() { # N MODE -> instructions per packet
	f="$OUT/micro.tmp/cg.$1.$2"
	valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$f" \
		"$BIN" "$1" "$PACKETS" "$2" >"$f.out" 2>"$f.err" || {
		echo "bench_micro $1 $2 failed:" >&2; cat "$f.out" "$f.err" >&2; exit 1; }
	awk -v m="$PACKETS" '/^totals:/ { printf "%.0f", $2 / m; exit }' "$f"
}

{
	echo "# Datapath micro benchmark: instructions per packet (callgrind)"
	echo
	echo "VM frame (64-byte UDP payload) -> flow_extract -> cache -> README-lisp flows -> lisp"
	echo "port encapsulation -> sendmmsg batch of 32 (user-space instructions only)."
	echo
	echo "| flows | emc hit | classifier (cache miss) |"
	echo "|---|---|---|"
	for n in 1 100000; do
		echo "| $n | $(instr "$n" emc) | $(instr "$n" miss) |"
	done
} | tee "$OUT/micro.md"
# The profile of the 100,000-flow miss case, by function (inclusive), for docs/performance.md.
callgrind_annotate --inclusive=no "$OUT/micro.tmp/cg.1.emc" 2>/dev/null | head -40 > "$OUT/micro-profile-emc.txt" || true
callgrind_annotate --inclusive=no "$OUT/micro.tmp/cg.100000.miss" 2>/dev/null | head -40 > "$OUT/micro-profile-miss.txt" || true
rm -rf "$OUT/micro.tmp"
