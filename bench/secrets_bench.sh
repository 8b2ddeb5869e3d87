#!/bin/bash
# secrets_bench.sh - throughput of the secrets detector (MB/s per core) on a text corpus
# with planted secrets and on a Debian root, side by side with `yara -N -r` running
# equivalent rules on the same files (and secretlint when it is installed).
#
#   bench/secrets_bench.sh [LAOCOON] [MB]
#
# Env: BENCH_DIR (default /tmp/laocoon-bench-secrets), RUNS (default 3),
#      DEBIAN_ROOT (default: scripts/fixture-debootstrap.sh --check).
# MB/s per core = corpus bytes / (user + sys CPU seconds) of a --parallel 1 run; the
# compiled matcher database is warm (it lives in BENCH_DIR/cache), as in everyday use.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
lc="${1:-$src/build/laocoon}"
mb="${2:-200}"
dir="${BENCH_DIR:-/tmp/laocoon-bench-secrets}"
runs="${RUNS:-3}"
mkdir -p "$dir"

if [ ! -f "$dir/corpus/planted.tsv" ]; then
	echo "generating a ${mb} MB corpus in $dir/corpus ..." >&2
	python3 "$src/bench/secrets_corpus.py" "$dir/corpus" "$mb" >&2
fi
tree="$dir/corpus/tree"
bytes=$(du -sb "$tree" | cut -f1)

# cpu seconds (user+sys) and wall of a command, median of $runs
measure() {
	local out=() i
	for i in $(seq "$runs"); do
		/usr/bin/time -f "%U %S %e %M" -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/err.txt" || true
		out+=("$(awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}' "$dir/time.txt")")
	done
	printf '%s\n' "${out[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

report() { # name cpu wall rss bytes
	awk -v n="$1" -v c="$2" -v w="$3" -v r="$4" -v b="$5" \
		'BEGIN { printf "%-34s %8.2f s cpu %8.2f s wall %8.1f MB/s/core %7.1f MB rss\n", n, c, w, b / 1e6 / c, r / 1024 }'
}

find "$tree" -type f -exec cat {} + >/dev/null # page cache warm for everyone
# warm the matcher cache once
"$lc" scan --scanners secrets --cache-dir "$dir/cache" --format json "rootfs:$tree" >"$dir/scan.json" || true

echo "corpus: $bytes bytes, $(wc -l <"$dir/corpus/planted.tsv") planted secrets; $(nproc) cores; $(uname -m)"
read -r c w r <<<"$(measure "$lc" scan --scanners secrets --parallel 1 --cache-dir "$dir/cache" --format json "rootfs:$tree")"
report "laocoon secrets (1 thread)" "$c" "$w" "$r" "$bytes"
read -r c w r <<<"$(measure "$lc" scan --scanners secrets --cache-dir "$dir/cache" --format json "rootfs:$tree")"
report "laocoon secrets ($(nproc) threads)" "$c" "$w" "$r" "$bytes"
python3 - "$dir/scan.json" "$dir/corpus/planted.tsv" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
got = {(f.get('path'), f.get('line')) for f in doc['findings']}
planted = [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
missed = [p for p in planted if (p[0], int(p[1])) not in got]
print('planted secrets found: %d/%d; findings: %d' % (len(planted) - len(missed), len(planted),
                                                        len(doc['findings'])))
for m in missed[:10]:
    print('  missed', m)
EOF

# yara with the same token formats (the planted families), written for this benchmark
cat >"$dir/tokens.yar" <<'EOF'
rule aws_access_key { strings: $a = /(AKIA|ASIA)[A-Z2-7]{16}/ condition: $a }
rule github_pat { strings: $a = /ghp_[0-9a-zA-Z]{36}/ condition: $a }
rule github_fine_grained { strings: $a = /github_pat_[0-9a-zA-Z_]{82}/ condition: $a }
rule gitlab_pat { strings: $a = /glpat-[0-9a-zA-Z_\-]{20}/ condition: $a }
rule slack_bot { strings: $a = /xoxb-[0-9]{10,13}-[0-9]{10,13}-[a-zA-Z0-9]{24}/ condition: $a }
rule stripe_live { strings: $a = /sk_live_[0-9a-zA-Z]{24,99}/ condition: $a }
rule npm_token { strings: $a = /npm_[0-9a-zA-Z]{36}/ condition: $a }
rule openai_key { strings: $a = /sk-proj-[0-9a-zA-Z_\-]{20,200}T3BlbkFJ/ condition: $a }
rule anthropic_key { strings: $a = /sk-ant-api03-[0-9a-zA-Z_\-]{93}AA/ condition: $a }
rule sendgrid_key { strings: $a = /SG\.[0-9a-zA-Z_\-]{22}\.[0-9a-zA-Z_\-]{43}/ condition: $a }
rule pypi_token { strings: $a = /pypi-AgEIcHlwaS5vcmc[0-9a-zA-Z_\-]{50,}/ condition: $a }
rule dockerhub_pat { strings: $a = /dckr_pat_[0-9a-zA-Z_\-]{27}/ condition: $a }
rule gcp_api_key { strings: $a = /AIza[0-9a-zA-Z_\-]{35}/ condition: $a }
rule do_pat { strings: $a = /dop_v1_[a-f0-9]{64}/ condition: $a }
rule shopify_token { strings: $a = /shpat_[a-fA-F0-9]{32}/ condition: $a }
rule twilio_key { strings: $a = /SK[0-9a-fA-F]{32}/ condition: $a }
rule hf_token { strings: $a = /hf_[a-zA-Z]{34}/ condition: $a }
rule jwt { strings: $a = /eyJ[0-9a-zA-Z_\-]{10,}\.eyJ[0-9a-zA-Z_\-]{10,}\.[0-9a-zA-Z_\-]{10,}/ condition: $a }
EOF
if command -v yara >/dev/null; then
	read -r c w r <<<"$(measure yara -N -r -p 1 "$dir/tokens.yar" "$tree")"
	report "yara -N -r -p 1 (18 token rules)" "$c" "$w" "$r" "$bytes"
	echo "yara files with a match: $(yara -N -r "$dir/tokens.yar" "$tree" 2>/dev/null | awk '{print $2}' | sort -u | wc -l)"
fi
# secretlint (npm, recommended preset) is ~20x slower: it gets the first 200 files (~19 MB)
sl="${SECRETLINT:-$(command -v secretlint || true)}"
if [ -n "$sl" ]; then
	sub="$dir/sl-subset"
	rm -rf "$sub" && mkdir -p "$sub"
	(cd "$tree" && find . -type f | sort | head -200 | cpio -pdm --quiet "$sub")
	sbytes=$(du -sb "$sub" | cut -f1)
	echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$dir/secretlintrc.json"
	read -r c w r <<<"$(measure "$sl" --secretlintrc "$dir/secretlintrc.json" "$sub/**/*")"
	report "secretlint (200-file subset)" "$c" "$w" "$r" "$sbytes"
	read -r c w r <<<"$(measure "$lc" scan --scanners secrets --parallel 1 --cache-dir "$dir/cache" --format json "rootfs:$sub")"
	report "laocoon secrets (same subset)" "$c" "$w" "$r" "$sbytes"
	(cd "$sub" && find . -type f | sed 's|^\./||') >"$dir/sl-files.txt"
	echo "planted in the subset: $(awk -F'\t' 'NR==FNR{f[$1]=1;next} ($1 in f)' "$dir/sl-files.txt" "$dir/corpus/planted.tsv" | wc -l);" \
	     "secretlint reports: $("$sl" --secretlintrc "$dir/secretlintrc.json" "$sub/**/*" 2>/dev/null | grep -cE '^ +[0-9]+:[0-9]+ +error' || true)"
else
	echo "secretlint: not installed (npm i secretlint@11.7.1 @secretlint/secretlint-rule-preset-recommend; SECRETLINT=path)"
fi

deb="${DEBIAN_ROOT:-$("$src/scripts/fixture-debootstrap.sh" --check 2>/dev/null || true)}"
if [ -n "$deb" ] && [ -d "$deb" ]; then
	dbytes=$(du -sb --apparent-size "$deb" 2>/dev/null | cut -f1)
	find "$deb" -type f -exec cat {} + >/dev/null 2>&1 || true
	read -r c w r <<<"$(measure "$lc" scan --scanners secrets --parallel 1 --cache-dir "$dir/cache" --format json "rootfs:$deb")"
	report "laocoon secrets, Debian root (1 thr)" "$c" "$w" "$r" "$dbytes"
	if command -v yara >/dev/null; then
		read -r c w r <<<"$(measure yara -N -r -p 1 "$dir/tokens.yar" "$deb")"
		report "yara -N -r -p 1, Debian root" "$c" "$w" "$r" "$dbytes"
	fi
fi
