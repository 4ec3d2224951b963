#!/bin/sh
# Runs every fuzz target for SECONDS on a scratch copy of its seed corpus (the committed seeds
# stay as they are); SECONDS 0 only replays the corpus, as a regression test. Exits non-zero,
# keeping the crashing input, if any target finds a fault.
set -eu
BUILD=$1
SECONDS_EACH=${2:-60}
status=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	work=$BUILD/fuzz-work/$name
	mkdir -p "$work" "$BUILD/findings"
	if [ "$SECONDS_EACH" = 0 ]; then
		set -- -runs=0
	else
		set -- -max_total_time="$SECONDS_EACH"
	fi
	echo "fuzz $name: ${SECONDS_EACH}s"
	if ! "$bin" "$@" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$BUILD/findings/$name-" -print_final_stats=0 \
		"$work" "fuzz/corpus/$name" >"$BUILD/fuzz-$name.log" 2>&1; then
		echo "fuzz $name: FAILED (see $BUILD/fuzz-$name.log and $BUILD/findings)"
		tail -30 "$BUILD/fuzz-$name.log"
		status=1
	else
		grep -E "^Done|#[0-9]+.*DONE" "$BUILD/fuzz-$name.log" | tail -1
	fi
done
exit $status
