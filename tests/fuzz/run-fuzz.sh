#!/bin/bash
# run-fuzz.sh NAME FUZZER SRC_DIR WORK_DIR: runs the libFuzzer target FUZZER for
# $FUZZ_SECONDS (default 60) seconds on a scratch copy (WORK_DIR/corpus) of its seeds
# (SRC_DIR/corpus-NAME) and kept crashing inputs (SRC_DIR/regress-NAME), and prints its
# final stats and executions. A crash, leak or timeout fails it: the input is left in
# WORK_DIR, and the message says where, and where to keep it.
set -euo pipefail

name=${1:?usage: run-fuzz.sh NAME FUZZER SRC_DIR WORK_DIR}
fuzzer=${2:?}
src=${3:?}
work=${4:?}
seconds=${FUZZ_SECONDS:-60}
max_len=70000     # more than one frame of [intake] max_message_bytes (65536)
timeout_s=25      # one input slower than this is a hang
rss_mb=2048

rm -rf "$work"
mkdir -p "$work/corpus"
cp "$src/corpus-$name"/* "$work/corpus/"
if compgen -G "$src/regress-$name/[!.]*" >/dev/null; then
	cp "$src/regress-$name"/[!.]* "$work/corpus/"
fi
seeds=$(find "$work/corpus" -type f | wc -l)
echo "fuzz_$name: ${seconds}s on $seeds seeds (log: $work/fuzz.log)"

rc=0
"$fuzzer" -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
	-max_len="$max_len" -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
	>"$work/fuzz.log" 2>&1 || rc=$?

grep '^stat::' "$work/fuzz.log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
if [ "$rc" != 0 ]; then
	tail -n 60 "$work/fuzz.log" >&2
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$f" ] || continue
		echo "fuzz_$name: FAILED: the input is $f" >&2
		echo "fuzz_$name: once fixed, keep it: cp '$f' $src/regress-$name/" >&2
	done
	echo "fuzz_$name: FAILED (exit $rc) after ${execs:-?} executions" >&2
	exit 1
fi
echo "fuzz_$name: ${execs:-?} executions in ${seconds}s, no crash; corpus now $(find "$work/corpus" -type f | wc -l) inputs"
