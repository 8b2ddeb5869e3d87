#!/bin/bash
# deps.sh - make sure the Debian packages laocoon needs are installed.
#
#   scripts/deps.sh build   what building needs (make build, make demo)
#   scripts/deps.sh check   that, plus the test tools (make check, make fuzz)
#   scripts/deps.sh bench   that, plus the peers measured side by side (make bench)
#
# As root: `apt-get update` (only when something is missing) and `apt-get install -y` the
# missing packages. Not root: print the exact install command and exit 1.
# The package lists live here and nowhere else.
set -euo pipefail

# Build: compiler, Meson, and the libraries meson.build asks pkg-config for.
BUILD_PKGS=(meson ninja-build pkg-config gcc python3 zstd
	libarchive-dev libisal-dev libzstd-dev libssl-dev libjansson-dev libyaml-dev
	libyara-dev libpcre2-dev libsqlite3-dev)
# Tests: clang with its sanitizer/libFuzzer runtime, the interop tools (required, not
# optional), the debootstrap fixture, JSON Schema validation, valgrind.
CHECK_PKGS=(clang libclang-rt-14-dev skopeo umoci debootstrap debian-archive-keyring time
	python3-jsonschema valgrind
	# benchmark: igzip (isal) and the yara CLI to compare against
	isal yara)

# Benchmark peers and helpers (bench/bench.sh): clamscan, cpio, hyperfine. secretlint runs
# on the machine's Node.js 20 and npm (Debian's npm conflicts with it, so not listed).
BENCH_PKGS=(clamav cpio hyperfine)

mode="${1:-build}"
case "$mode" in
build) want=("${BUILD_PKGS[@]}") ;;
check) want=("${BUILD_PKGS[@]}" "${CHECK_PKGS[@]}") ;;
bench) want=("${BUILD_PKGS[@]}" "${CHECK_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
*) echo "usage: $0 build|check|bench" >&2; exit 2 ;;
esac

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done

# libhs: Debian's libhyperscan-dev and libvectorscan-dev conflict. Use whichever one
# provides `pkg-config libhs` already; install one only when neither is there.
if ! pkg-config --exists libhs 2>/dev/null && ! installed libhyperscan-dev &&
	! installed libvectorscan-dev; then
	if [ "$(dpkg --print-architecture)" = amd64 ]; then
		missing+=(libhyperscan-dev)
	else
		missing+=(libvectorscan-dev)
	fi
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "laocoon: missing Debian packages. Install them with:" >&2
	echo >&2
	echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	echo >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
