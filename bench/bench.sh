#!/bin/bash
# bench/bench.sh - issue 6's benchmark, one command (`make bench`). Not part of check or CI.
#
#   bench/bench.sh [STEP...]        steps: images floor scan detectors warm peers secrets
#                                   foundation report   (default: all but foundation;
#                                   butyara = only the "all but yara" and "yara,hashes,ioc"
#                                   rows of detectors)
#
# Images (generated once, cached under $BENCH_DATA, never in the repository):
#   syn-100M, syn-1G, syn-5G  bench/gen_image.py (text-like content, gzip -6, skewed sizes,
#                             setuid files, world-writable dirs) + bench/plants.py append
#                             (secrets, miner ELF and config, IOC pool domains, EICAR,
#                             hidden files behind whiteouts)
#   debian                    the Debian bookworm minbase rootfs of
#                             scripts/fixture-debootstrap.sh as a one-layer OCI image
# Contenders (each: wall, user+sys CPU, peak RSS via bench/runone.py; every run recorded):
#   floor -j 1 / -j N   (step scan, interleaved with laocoon's runs) bench/floor.c: SHA-256 of each blob + ISA-L/zstd inflate + SHA-256
#                       of the tar stream (what any verifying reader must do)
#   zcat, igzip -dc     decompression alone, for comparison
#   laocoon             all detectors --parallel 1 and N (layer cache emptied before each
#                       run: cold), each detector alone (--parallel 1), warm-cache rescan
#   yara -N -r, clamscan, secretlint   on the same content extracted to a directory
# Raw runs go to $BENCH_DATA/runs.tsv; bench/report.py turns them into the generated part
# of bench/RESULTS.md (medians, ratios; the text outside the markers is kept).
#
# Environment:
#   LAOCOON      the binary (default build/laocoon; a release build is what to measure:
#                meson setup /tmp/b-bench . --buildtype=release -Dwerror=false)
#   BENCH_DATA   data directory (default /var/tmp/laocoon-bench)
#   BENCH_IMAGES images to measure (default "syn-100M syn-1G debian syn-5G")
#   BENCH_RUNS   runs per measurement (default 5; images of 3 GB and more get 3)
#   BENCH_PEERS_MAX  largest image (MB of content) the peers run on (default 1300: clamscan
#                runs at a few MB/s, so it does not get the 5 GB image)
#   BENCH_PEER_RUNS  runs of the peers (yara, clamscan) on images over 500 MB (default 3)
#   BENCH_DETECTORS_MAX  largest image (MB) on which each detector is timed alone (default 300)
#   BENCH_FULL=1 images of 3 GB and more also get zcat, igzip, floor -j N and --parallel 1
#                (by default only floor -j 1, laocoon --parallel N and the warm rescan: the
#                peak RSS and warm targets are what the 5 GB image is for)
#   BENCH_SECRETS_MB size of the secrets text corpus (default 1000)
#   BENCH_RESULTS   the Markdown file (default bench/RESULTS.md)
set -uo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)

LAOCOON="${LAOCOON:-build/laocoon}"
case "$LAOCOON" in /*) ;; *) LAOCOON="$SRC/$LAOCOON" ;; esac
DATA="${BENCH_DATA:-/var/tmp/laocoon-bench}"
IMAGES="${BENCH_IMAGES:-syn-100M syn-1G debian syn-5G}"
RUNS="${BENCH_RUNS:-5}"
PEERS_MAX="${BENCH_PEERS_MAX:-1300}"
SECRETS_MB="${BENCH_SECRETS_MB:-1000}"
PEER_RUNS="${BENCH_PEER_RUNS:-3}"
DET_MAX="${BENCH_DETECTORS_MAX:-300}"
FULL="${BENCH_FULL:-0}"
RESULTS="${BENCH_RESULTS:-bench/RESULTS.md}"
NCPU=$(nproc)
PY=/usr/bin/python3
TSV="$DATA/runs.tsv"
mkdir -p "$DATA"

STEPS="${*:-images floor scan detectors warm peers secrets report}"
want() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$LAOCOON" ] || die "$LAOCOON not built"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time; the secrets step uses it)"
for t in yara yarac clamscan igzip zstd node npm cc; do
	command -v "$t" >/dev/null || echo "bench: $t missing: its rows are skipped (scripts/deps.sh, apt-get install)" >&2
done

# --- helpers ---------------------------------------------------------------------------

spec_of() { # image name -> "size files layers"
	case "$1" in
	syn-100M) echo "100M 10000 4" ;;
	syn-1G) echo "1G 100000 4" ;;
	syn-5G) echo "5G 500000 8" ;;
	*) echo "" ;;
	esac
}

runs_for() { # image -> number of runs
	local mb
	mb=$(content_mb "$1")
	if [ "$mb" -ge 3000 ]; then echo $((RUNS < 3 ? RUNS : 3)); else echo "$RUNS"; fi
}

content_mb() { cat "$DATA/$1/.content_bytes" 2>/dev/null | awk '{printf "%.0f", $1 / 1e6}' || echo 0; }

layer_blobs() { # OCI layout -> its layer blob paths, in order
	$PY - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
idx = json.load(open(os.path.join(d, 'index.json')))
m = json.load(open(os.path.join(d, 'blobs/sha256', idx['manifests'][0]['digest'].split(':')[1])))
for l in m['layers']:
    print(os.path.join(d, 'blobs/sha256', l['digest'].split(':')[1]))
PY
}

warm_cache() { cat "$@" >/dev/null 2>&1 || true; } # page cache warm for every contender

# measure IMAGE CONTENDER THREADS RUNS PRE -- CMD...   (PRE: a shell snippet run before each
# run, untimed, e.g. emptying the layer cache). Appends one TSV row per run:
# image contender threads run wall cpu rss_kb rc load1
measure() {
	local img=$1 name=$2 thr=$3 n=$4 pre=$5
	shift 6
	local i tf rc
	tf=$(mktemp)
	for i in $(seq "$n"); do
		[ -n "$pre" ] && bash -c "$pre"
		rc=0
		"$PY" bench/runone.py "$tf" "$@" >/dev/null 2>"$DATA/last.err" || rc=$?
		tail -1 "$tf" | awk -v img="$img" -v n="$name" -v t="$thr" -v i="$i" -v rc="$rc" \
			-v l="$(cut -d' ' -f1 /proc/loadavg)" \
			'{printf "%s\t%s\t%s\t%d\t%.4f\t%.3f\t%d\t%d\t%s\n", img, n, t, i, $1, $2 + $3, $4, rc, l}' \
			>>"$TSV"
		tail -1 "$TSV" | cut -f2- >&2
	done
	rm -f "$tf"
}

# --- images ----------------------------------------------------------------------------

make_image() {
	local name=$1 d="$DATA/$1" spec size files layers
	[ -f "$d/.complete" ] && return 0
	rm -rf "$d"
	if [ "$name" = debian ]; then
		local deb
		deb=$(scripts/fixture-debootstrap.sh) || die "no Debian rootfs (scripts/fixture-debootstrap.sh needs root once)"
		$PY bench/plants.py oci "$d" "$(dirname "$deb")/rootfs.tar" || die "debian image"
	else
		spec=$(spec_of "$name")
		[ -n "$spec" ] || die "unknown image $name"
		read -r size files layers <<<"$spec"
		echo "bench: generating $name ($size, $files files, $layers layers)" >&2
		$PY bench/gen_image.py "$d" --size "$size" --files "$files" --layers "$layers" >&2 || die "gen_image"
		$PY bench/plants.py append "$d" >&2 || die "plants"
	fi
	# uncompressed tar bytes (sum of the diff streams) = the content every contender reads
	bench_build_floor
	"$DATA/floor" $(layer_blobs "$d") | awk '{s += $4} END {printf "%.0f\n", s}' >"$d/.content_bytes"
	touch "$d/.complete"
}

extract_image() { # the same content as a directory, for yara/clamscan/secretlint
	local d="$DATA/$1" x="$DATA/$1.tree" b
	[ -f "$x/.complete" ] && return 0
	rm -rf "$x" && mkdir -p "$x/root"
	for b in $(layer_blobs "$d"); do
		# later layers overwrite earlier files; device nodes are left out (no root needed)
		tar -x -C "$x/root" --no-same-owner --exclude='dev/*' -f "$b" 2>/dev/null || true
	done
	chmod -R u+rwX "$x/root"
	touch "$x/.complete"
}

bench_build_floor() {
	[ -x "$DATA/floor" ] && [ "$DATA/floor" -nt bench/floor.c ] && return 0
	cc -O2 -Wall -Wextra -o "$DATA/floor" bench/floor.c -lisal -lzstd -lcrypto -lpthread ||
		die "building bench/floor.c (needs libisal-dev libzstd-dev libssl-dev)"
}

# --- steps -----------------------------------------------------------------------------

CACHE="$DATA/cache"     # the layer cache + compiled matcher databases of every laocoon run
COLD="rm -f $CACHE/cache.db $CACHE/cache.db-wal $CACHE/cache.db-shm"
lc() { echo "$LAOCOON" scan --format json --cache-dir "$CACHE" "$@"; } # report to stdout (> /dev/null)

detectors() { "$LAOCOON" detectors 2>/dev/null | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9-]*$/ {print $1}'; }

if want images; then
	bench_build_floor
	for img in $IMAGES; do make_image "$img"; done
fi

{
	echo "started $(date -u +%FT%TZ) steps: $STEPS images: $IMAGES runs: $RUNS"
	echo "laocoon: $($LAOCOON version 2>&1 | head -1)"
} >>"$DATA/log.txt"

for img in $IMAGES; do
	d="$DATA/$img"
	[ -f "$d/.complete" ] || { echo "bench: $img not generated (step images)" >&2; continue; }
	n=$(runs_for "$img")
	mapfile -t blobs < <(layer_blobs "$d")
	ref="oci:$d:latest"
	warm_cache "${blobs[@]}"
	# the compiled matcher database is warm for every measured laocoon run (first use compiles it)
	$(lc) "$ref" >/dev/null 2>&1

	big=0
	[ "$(content_mb "$img")" -ge 3000 ] && [ "$FULL" != 1 ] && big=1
	if want floor && [ $big = 0 ]; then
		measure "$img" zcat 1 "$n" "" -- sh -c 'for b; do zcat "$b"; done' zcat "${blobs[@]}"
		command -v igzip >/dev/null &&
			measure "$img" "igzip -dc" 1 "$n" "" -- sh -c 'for b; do igzip -dc "$b"; done' igzip "${blobs[@]}"
	fi
	if want scan; then
		# interleaved (floor, scan -p 1, floor -j N, scan -p N), run after run: the load that
		# other work puts on the machine then stretches the runs that are compared alike
		for i in $(seq "$n"); do
			measure "$img" floor 1 1 "" -- "$DATA/floor" -j 1 "${blobs[@]}"
			[ $big = 0 ] && measure "$img" "laocoon all" 1 1 "$COLD" -- $(lc --parallel 1) "$ref"
			[ $big = 0 ] && measure "$img" floor "$NCPU" 1 "" -- "$DATA/floor" -j "$NCPU" "${blobs[@]}"
			measure "$img" "laocoon all" "$NCPU" 1 "$COLD" -- $(lc --parallel "$NCPU") "$ref"
		done
		# the findings must not depend on N
		if [ $big = 0 ]; then
			"$LAOCOON" scan --format json --output "$DATA/$img.p1.json" --no-cache --parallel 1 "$ref" >/dev/null 2>&1
			"$LAOCOON" scan --format json --output "$DATA/$img.pN.json" --no-cache --parallel "$NCPU" "$ref" >/dev/null 2>&1
		fi
	fi
	if { want detectors || want butyara; } && [ "$(content_mb "$img")" -le "$DET_MAX" ]; then
		want detectors && for det in $(detectors); do
			measure "$img" "laocoon $det" 1 "$n" "$COLD" -- $(lc --parallel 1 --scanners "$det") "$ref"
		done
		# everything but YARA: what the rest of the pipeline costs (YARA is the hotspot)
		measure "$img" "laocoon all but yara" 1 "$n" "$COLD" -- \
			$(lc --parallel 1 --scanners "$(detectors | grep -vx yara | paste -sd, -)") "$ref"
		# issue 4's combination
		measure "$img" "laocoon yara,hashes,ioc" 1 "$n" "$COLD" -- $(lc --parallel 1 --scanners yara,hashes,ioc) "$ref"
	fi
	if want warm; then
		bash -c "$COLD"
		$(lc) "$ref" >/dev/null 2>&1 # fills the layer cache
		measure "$img" "laocoon warm" "$NCPU" "$n" "" -- $(lc) "$ref"
	fi
	if want peers && [ "$(content_mb "$img")" -le "$PEERS_MAX" ]; then
		extract_image "$img"
		pn=$n
		[ "$(content_mb "$img")" -gt 500 ] && [ "$PEER_RUNS" -lt "$n" ] && pn=$PEER_RUNS
		x="$DATA/$img.tree"
		find "$x/root" -type f -exec cat {} + >/dev/null 2>&1
		cat data/yara/*.yar >"$DATA/rules.yar"
		yarac "$DATA/rules.yar" "$DATA/rules.yarc" 2>/dev/null
		measure "$img" "yara -N -r" 1 "$pn" "" -- yara -C -N -r -w -p 1 "$DATA/rules.yarc" "$x/root"
		measure "$img" "yara -N -r" "$NCPU" "$pn" "" -- yara -C -N -r -w -p "$NCPU" "$DATA/rules.yarc" "$x/root"
		# clamscan: custom database only (no freshclam, no network): the project's .hsb, and
		# .ndb/.ldb signatures for the planted miner and EICAR
		cdb="$DATA/clamdb" && mkdir -p "$cdb"
		grep -v '^#' data/hashes/default.hsb >"$cdb/bench.hsb"
		{
			# hex of ASCII strings: XMRig/%s, --donate-level, stratum+tcp://
			printf 'Bench.Miner.XMRig-1:0:*:%s\n' "$(printf 'XMRig/%%s' | od -An -tx1 | tr -d ' \n')"
			printf 'Bench.Miner.Donate-1:0:*:%s\n' "$(printf -- '--donate-level' | od -An -tx1 | tr -d ' \n')"
			printf 'Bench.Miner.Stratum-1:0:*:%s\n' "$(printf 'stratum+tcp://' | od -An -tx1 | tr -d ' \n')"
		} >"$cdb/bench.ndb"
		printf 'Bench.Miner.ElfXMRig-1;Target:6;(0&1&2);%s;%s;%s\n' \
			"$(printf 'XMRig/%%s' | od -An -tx1 | tr -d ' \n')" \
			"$(printf 'randomx' | od -An -tx1 | tr -d ' \n')" \
			"$(printf 'cpu-max-threads-hint' | od -An -tx1 | tr -d ' \n')" >"$cdb/bench.ldb"
		if command -v clamscan >/dev/null; then
			measure "$img" "clamscan -r" 1 "$pn" "" -- clamscan --no-summary --infected -r -d "$cdb" "$x/root"
			clamscan --infected -r -d "$cdb" "$x/root" >"$DATA/$img.clamscan.txt" 2>&1
		fi
		yara -N -r -w "$DATA/rules.yarc" "$x/root" -C >"$DATA/$img.yara.txt" 2>&1
		du -sb --apparent-size "$x/root" | cut -f1 >"$x/.bytes"
		find "$x/root" -type f | wc -l >"$x/.files"
	fi
done

if want secrets; then
	# secretlint 11.7.1 (Node 20) installed under $DATA/sl by npm, once
	sl="$DATA/sl/node_modules/.bin/secretlint"
	if [ ! -x "$sl" ] && command -v npm >/dev/null; then
		mkdir -p "$DATA/sl" && (cd "$DATA/sl" && npm install --no-audit --no-fund \
			secretlint@11.7.1 @secretlint/secretlint-rule-preset-recommend@11.7.1 >npm.log 2>&1)
	fi
	# bench/secrets_bench.sh (issue 3's): the 1 GB text corpus with planted secrets, the
	# Debian root, yara -N -r with equivalent token rules, secretlint on a 200-file subset
	# (its secretlint part is skipped: secretlint refuses paths outside its working directory;
	# the same subset is timed below from inside it)
	RUNS="$RUNS" BENCH_DIR="$DATA/secrets" SECRETLINT= \
		bench/secrets_bench.sh "$LAOCOON" "$SECRETS_MB" 2>&1 | grep -v '^secretlint: not installed' | tee "$DATA/secrets.txt"
	sub="$DATA/secrets/sl-subset"
	if [ -x "$sl" ]; then
		if [ ! -d "$sub" ]; then # the first 200 files of the corpus (~20 MB), as secrets_bench.sh picks them
			mkdir -p "$sub" && (cd "$DATA/secrets/corpus/tree" && find . -type f | sort | head -200 |
				while read -r f; do mkdir -p "$sub/$(dirname "$f")" && cp "$f" "$sub/$f"; done)
		fi
		echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$DATA/secretlintrc.json"
		du -sb --apparent-size "$sub" | cut -f1 >"$DATA/secrets-subset.bytes"
		measure secrets-subset secretlint 1 "$RUNS" "" -- \
			sh -c 'cd "$1" && exec "$2" --secretlintrc "$3" "**/*"' sh "$sub" "$sl" "$DATA/secretlintrc.json"
		measure secrets-subset "laocoon secrets" 1 "$RUNS" "" -- $(lc --parallel 1 --scanners secrets) "rootfs:$sub"
		(cd "$sub" && find . -type f | sed 's|^\./||') >"$DATA/sl-files.txt"
		{
			echo "planted in the subset: $(awk -F'\t' 'NR==FNR{f[$1]=1;next} ($1 in f)' "$DATA/sl-files.txt" \
				"$DATA/secrets/corpus/planted.tsv" | wc -l)"
			echo "secretlint reports: $(cd "$sub" && "$sl" --secretlintrc "$DATA/secretlintrc.json" "**/*" 2>/dev/null |
				grep -cE '^ +[0-9]+:[0-9]+ +error' || true)"
			echo "laocoon reports: $($(lc --parallel 1 --scanners secrets) "rootfs:$sub" 2>/dev/null |
				$PY -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')"
		} | tee "$DATA/secrets-subset.txt"
	fi
	# secretlint on the whole Debian root (issue 3: "run side by side on the same files")
	deb="$(scripts/fixture-debootstrap.sh --check 2>/dev/null || true)"
	if [ -x "$sl" ] && [ -n "$deb" ]; then
		echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$DATA/secretlintrc.json"
		# secretlint only globs below its working directory; binaries make it slow: bounded
		# by BENCH_SECRETLINT_TIMEOUT seconds (default 600; 0 skips; exit 124 = timed out)
		slt="${BENCH_SECRETLINT_TIMEOUT:-600}"
		[ "$slt" != 0 ] && measure debian-root secretlint 1 1 "" -- timeout "$slt" \
			sh -c 'cd "$1" && exec "$2" --secretlintrc "$3" "**/*"' sh "$deb" "$sl" "$DATA/secretlintrc.json"
		measure debian-root "laocoon secrets" 1 3 "" -- $(lc --parallel 1 --scanners secrets) "rootfs:$deb"
		du -sb --apparent-size "$deb" 2>/dev/null | cut -f1 >"$DATA/debian-root.bytes"
	fi
fi

if want foundation; then
	# issue 2's benchmark (bench/run.sh), its table kept beside ours
	BENCH_DIR="$DATA" BENCH_RESULTS="$DATA/foundation.md" LAOCOON="$LAOCOON" bench/run.sh
fi

if want report; then
	$PY bench/report.py --data "$DATA" --laocoon "$LAOCOON" --results "$RESULTS"
fi
