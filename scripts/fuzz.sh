#!/bin/bash
# fuzz.sh - build the libFuzzer harnesses (clang, ASan+UBSan, coverage) in build-fuzz/ and
# run each for FUZZ_SECONDS (default 60). Seeds come from fuzz/corpus/<name>/; what the
# fuzzer adds stays in build-fuzz/corpus/ (never in the repo). A crash is copied to
# fuzz/artifacts/<name>/: minimise it, then keep it in fuzz/regressions/<name>/ so that
# `make check` replays it forever. Prints one line per harness: runs, execs/s, result.
#   scripts/fuzz.sh [NAME...]
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
bdir=${FUZZ_BUILD:-build-fuzz}
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link </dev/null >/dev/null || exit 1
fi
# stdin from /dev/null: meson runs the compiler on stdin ("cc -E -"), and an odd stdin
# (a pipe from a job runner) made it read megabytes and fail
ninja -C "$bdir" </dev/null >/dev/null || exit 1
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in fuzz/fuzz_*.c; do n=${f#fuzz/fuzz_}; names+=("${n%.c}"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
printf '%-12s %12s %10s  %s\n' harness runs execs/s result
for n in "${names[@]}"; do
	exe="$bdir/fuzz/fuzz_$n"
	[ -x "$exe" ] || { echo "$n: not built"; status=1; continue; }
	work="$bdir/corpus/$n"
	mkdir -p "$work" "fuzz/artifacts/$n"
	dict=()
	[ -f "fuzz/dict/$n.dict" ] && dict=(-dict="fuzz/dict/$n.dict")
	log="$bdir/fuzz-$n.log"
	"$exe" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -max_len=1048576 \
		-artifact_prefix="fuzz/artifacts/$n/" "${dict[@]}" "$work" "fuzz/corpus/$n" \
		>"$log" 2>&1
	rc=$?
	runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')
	res=ok
	if [ $rc -ne 0 ]; then
		res="CRASH (see $log, fuzz/artifacts/$n/)"
		status=1
	fi
	printf '%-12s %12s %10s  %s\n' "$n" "${runs:-?}" "$(( ${runs:-0} / (secs > 0 ? secs : 1) ))" "$res"
done
exit $status
