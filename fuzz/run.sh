#!/bin/sh
# Runs every fuzz target for SECONDS on a scratch copy of its seed corpus (the committed seeds
# stay as they are); SECONDS 0 only replays the corpus, as a regression test. Targets run
# FUZZ_JOBS at a time (default: one per CPU), each for its full SECONDS. Exits non-zero, keeping
# the crashing input, if any target finds a fault.
set -eu
BUILD=$1
SECONDS_EACH=${2:-60}
JOBS=${FUZZ_JOBS:-$(nproc)}

# Runs target 'bin'; its log is $BUILD/fuzz-NAME.log, its exit status $BUILD/fuzz-NAME.status.
run_one() {
	name=${1##*/fuzz_}
	work=$BUILD/fuzz-work/$name
	mkdir -p "$work" "$BUILD/findings"
	if [ "$SECONDS_EACH" = 0 ]; then
		set -- "$1" -runs=0
	else
		set -- "$1" -max_total_time="$SECONDS_EACH"
	fi
	rc=0
	"$@" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$BUILD/findings/$name-" \
		-print_final_stats=0 "$work" "fuzz/corpus/$name" >"$BUILD/fuzz-$name.log" 2>&1 || rc=$?
	echo "$rc" >"$BUILD/fuzz-$name.status"
}

running=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	echo "fuzz ${bin##*/fuzz_}: ${SECONDS_EACH}s"
	run_one "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait
		running=0
	fi
done
wait

status=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	if [ "$(cat "$BUILD/fuzz-$name.status")" != 0 ]; then
		echo "fuzz $name: FAILED (see $BUILD/fuzz-$name.log and $BUILD/findings)"
		tail -30 "$BUILD/fuzz-$name.log"
		status=1
	else
		echo "fuzz $name: $(grep -E "^Done|#[0-9]+.*DONE" "$BUILD/fuzz-$name.log" | tail -1)"
	fi
done
exit $status
