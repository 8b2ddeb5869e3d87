#!/bin/bash
# fixture-debootstrap.sh - build a Debian 12 (bookworm) minbase root filesystem ONCE and cache
# it outside the repository, for tests that scan a real root filesystem.
#
#   scripts/fixture-debootstrap.sh          build if missing, print the rootfs directory
#   scripts/fixture-debootstrap.sh --check  print the directory if cached, exit 1 if not
#
# Cache: ${LAOCOON_FIXTURES:-/var/cache/laocoon/fixtures}/bookworm-minbase/
#   rootfs/       the debootstrap result (owned by root, device nodes included)
#   rootfs.tar    a tar of it (numeric owners, paths relative to the root)
#   .complete     written last: a half-built cache (interrupted run) is rebuilt
# Needs root and debootstrap to build; uses Debian's archive (the only network it touches).
set -euo pipefail

base="${LAOCOON_FIXTURES:-/var/cache/laocoon/fixtures}/bookworm-minbase"
mirror="${LAOCOON_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ -f "$base/.complete" ]; then
	echo "$base/rootfs"
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "fixture-debootstrap: no cached rootfs at $base" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "fixture-debootstrap: building the rootfs needs root (debootstrap); run: sudo $0" >&2
	exit 1
fi
command -v debootstrap >/dev/null || { echo "fixture-debootstrap: debootstrap is not installed" >&2; exit 1; }

mkdir -p "$base"
# One builder at a time (tests may call this concurrently).
exec 9>"$base/.lock"
flock 9
if [ -f "$base/.complete" ]; then
	echo "$base/rootfs"
	exit 0
fi
rm -rf "$base/rootfs" "$base/rootfs.tar" "$base/rootfs.tmp"
echo "fixture-debootstrap: debootstrap --variant=minbase bookworm (takes a few minutes)" >&2
if ! debootstrap --variant=minbase bookworm "$base/rootfs.tmp" "$mirror" >"$base/debootstrap.log" 2>&1; then
	echo "fixture-debootstrap: debootstrap failed, see $base/debootstrap.log" >&2
	tail -20 "$base/debootstrap.log" >&2
	exit 1
fi
mv "$base/rootfs.tmp" "$base/rootfs"
tar -C "$base/rootfs" --numeric-owner --sort=name -cf "$base/rootfs.tar.tmp" .
mv "$base/rootfs.tar.tmp" "$base/rootfs.tar"
touch "$base/.complete"
echo "$base/rootfs"
