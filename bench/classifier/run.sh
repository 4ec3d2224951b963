#!/bin/sh
# Instructions per classifier lookup for 1, 100, 10,000 and 100,000 flows over 10 masks, on the
# exact-match cache path, the classifier hit path and the miss path, as ratios against 1 flow
# measured in the same run. Goal (issue 4): 100,000 flows at most 3x one flow when cached,
# at most 12x on a miss.
set -eu
BUILD=${1:-build}
BIN=$BUILD/bench/classifier/bench_classifier
OUT=${2:-bench/results}
LOOKUPS=20000
mkdir -p "$OUT/tmp"

instr() { # N MODE -> instructions per lookup
	f="$OUT/tmp/cg.$1.$2"
	valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$f" \
		"$BIN" "$1" "$LOOKUPS" "$2" >/dev/null 2>&1
	awk -v m="$LOOKUPS" '/^totals:/ { printf "%.1f", $2 / m; exit }' "$f"
}

{
	echo "# Classifier: instructions per lookup (callgrind), ratio against 1 flow"
	echo
	echo "| flows | emc (cached) | ratio | hit | ratio | miss | ratio |"
	echo "|---|---|---|---|---|---|---|"
	for mode in emc hit miss; do eval "base_$mode=\$(instr 1 $mode)"; done
	for n in 1 100 10000 100000; do
		row="| $n"
		for mode in emc hit miss; do
			v=$(instr "$n" "$mode")
			eval "b=\$base_$mode"
			row="$row | $v | $(awk -v v="$v" -v b="$b" 'BEGIN { printf "%.2fx", v / b }')"
		done
		echo "$row |"
	done
	echo
	echo "Goal: 100,000 flows within 3x of 1 flow on the cached path, 12x on a miss."
} | tee "$OUT/classifier.md"
rm -rf "$OUT/tmp"
