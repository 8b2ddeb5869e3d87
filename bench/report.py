#!/usr/bin/env python3
"""report.py - the generated part of bench/RESULTS.md from bench/bench.sh's raw runs.

    bench/report.py --data DIR --laocoon BIN --results bench/RESULTS.md [--print]

Reads DIR/runs.tsv (image, contender, threads, run, wall s, user+sys CPU s, peak RSS KiB,
exit code, load average), the images' sizes, the saved reports and peer outputs, and
writes the tables between the markers <!-- bench:begin --> and <!-- bench:end --> of the
results file (the text outside them, the analysis, is kept; a new file gets both).
Medians for time, maximum for peak RSS.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
from collections import defaultdict

BEGIN, END = '<!-- bench:begin -->', '<!-- bench:end -->'


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except Exception:
        return ''


def load_runs(path):
    runs = defaultdict(list)
    order = []
    if not os.path.exists(path):
        return runs, order
    for line in open(path):
        p = line.rstrip('\n').split('\t')
        if len(p) < 9:
            continue
        key = (p[0], p[1], int(p[2]))
        if key not in runs:
            order.append(key)
        runs[key].append({'wall': float(p[4]), 'cpu': float(p[5]), 'rss': int(p[6]),
                          'rc': int(p[7]), 'load': float(p[8])})
    return runs, order


class Stat:
    def __init__(self, rs):
        self.n = len(rs)
        self.wall = statistics.median(r['wall'] for r in rs)
        self.cpu = statistics.median(r['cpu'] for r in rs)
        self.rss = max(r['rss'] for r in rs) / 1024.0
        self.load = statistics.median(r['load'] for r in rs)
        self.rcs = sorted({r['rc'] for r in rs})


def stats(runs):
    # the newest series of each key: a key measured again (a rerun) replaces the older runs
    return {k: Stat(v[-max(1, min(len(v), 5)):]) for k, v in runs.items()}


def read_int(path):
    """The number a bench step wrote to a file, 0 when it did not."""
    try:
        return int(open(path).read())
    except (OSError, ValueError):
        return 0


def fmt_s(x):
    return '%.2f' % x if x < 100 else '%.0f' % x


def ratio(a, b):
    return '%.2f' % (a / b) if b else 'n/a'


def image_info(data, img):
    d = os.path.join(data, img)
    info = {'content': 0, 'compressed': 0, 'layers': 0, 'files': None}
    try:
        info['content'] = int(open(os.path.join(d, '.content_bytes')).read().split()[0])
        idx = json.load(open(os.path.join(d, 'index.json')))
        m = json.load(open(os.path.join(d, 'blobs/sha256',
                                        idx['manifests'][0]['digest'].split(':')[1])))
        info['layers'] = len(m['layers'])
        info['compressed'] = sum(l['size'] for l in m['layers'])
    except (OSError, ValueError, KeyError):
        pass
    for f in ('p1', 'pN'):
        p = os.path.join(data, '%s.%s.json' % (img, f))
        if os.path.exists(p):
            try:
                doc = json.load(open(p))
                info[f] = doc
            except ValueError:
                pass
    return info


def findings_key(doc):
    return sorted((f.get('id'), f.get('detector'), f.get('path') or '', f.get('layer_index') or 0)
                  for f in doc.get('findings', []))


def planted_check(data, img, doc):
    p = os.path.join(data, img, 'planted.tsv')
    if not os.path.exists(p) or doc is None:
        return None
    paths = defaultdict(set)
    evid = set()
    for f in doc.get('findings', []):
        if f.get('path'):
            paths[f['path']].add(f['detector'])
        if f.get('evidence'):
            evid.add(f['evidence'])
        ind = (f.get('details') or {}).get('indicator')
        if ind:
            evid.add(ind)
    rows = [l.rstrip('\n').split('\t') for l in open(p) if l.strip()]
    found, missed = 0, []
    for path, kind, detail in rows:
        if kind == 'ioc':
            ok = detail in evid
        elif kind == 'hidden':
            ok = any(f.get('path') == path and f.get('removed_in_layer') is not None
                     for f in doc['findings'])
        elif kind == 'demo':
            ok = True  # the demo's expectations are tested by the demo; counted, not checked
            continue
        else:
            ok = path in paths
        if ok:
            found += 1
        else:
            missed.append((path, kind, detail))
    return found, found + len(missed), missed


def versions(laocoon):
    v = {}
    v['laocoon'] = sh('%s version | head -1' % laocoon)
    v['cc'] = sh('cc --version | head -1')
    v['yara'] = sh('yara --version')
    v['clamscan'] = sh('clamscan --version')
    v['node'] = sh('node --version')
    v['ISA-L'] = sh("dpkg-query -W -f='${Version}' libisal2")
    v['zstd'] = sh("dpkg-query -W -f='${Version}' libzstd1")
    v['OpenSSL'] = sh('openssl version')
    v['Hyperscan'] = sh("dpkg-query -W -f='${Version}' libhyperscan5")
    v['gzip (zcat)'] = sh('gzip --version | head -1')
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--laocoon', required=True)
    ap.add_argument('--results', required=True)
    ap.add_argument('--print', action='store_true')
    a = ap.parse_args()
    runs, order = load_runs(os.path.join(a.data, 'runs.tsv'))
    st = stats(runs)
    ncpu = os.cpu_count() or 1
    out = []
    w = out.append
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
    mem = sh("free -g | awk '/Mem:/ {print $2}'")
    w('Generated by `bench/bench.sh` (bench/report.py) on %s: %d cores (%s), %s GiB, Linux %s.'
      % (sh('date -u +%Y-%m-%dT%H:%MZ'), ncpu, cpu, mem, platform.release()))
    w('')
    w('| component | version |')
    w('|---|---|')
    for k, v in versions(a.laocoon).items():
        w('| %s | %s |' % (k, v or 'not installed'))
    sl = os.path.join(a.data, 'sl/node_modules/secretlint/package.json')
    if os.path.exists(sl):
        w('| secretlint | %s (+ @secretlint/secretlint-rule-preset-recommend) |'
          % json.load(open(sl)).get('version'))
    w('')
    images = []
    for (img, _, _) in order:
        if img not in images and os.path.isdir(os.path.join(a.data, img)):
            images.append(img)
    infos = {img: image_info(a.data, img) for img in images}
    w('### Images')
    w('')
    w('| image | layers | content (tar bytes) | compressed | files in the extracted tree |')
    w('|---|---|---|---|---|')
    for img in images:
        i = infos[img]
        tf = os.path.join(a.data, img + '.tree', '.files')
        files = open(tf).read().strip() if os.path.exists(tf) else '—'
        w('| %s | %d | %.0f MB | %.0f MB | %s |' % (img, i['layers'], i['content'] / 1e6,
                                                   i['compressed'] / 1e6, files))
    w('')
    w('Per image: median wall and CPU (user+sys) seconds of N runs, peak RSS = the largest of')
    w('the runs. "× floor" = this wall / the floor\'s wall with the same number of threads')
    w('(1 thread: `floor -j 1`); "CPU × floor" = this CPU / `floor -j 1` CPU, the ratio that')
    w('other work on the machine disturbs least. MB/s = content bytes / wall.')
    targets = {}
    for img in images:
        i = infos[img]
        f1 = st.get((img, 'floor', 1))
        fN = st.get((img, 'floor', ncpu))
        w('')
        w('#### %s (%.0f MB content, %d layers)' % (img, i['content'] / 1e6, i['layers']))
        w('')
        w('| contender | threads | runs | wall s | CPU s | peak RSS MiB | × floor | CPU × floor | MB/s | load |')
        w('|---|---|---|---|---|---|---|---|---|---|')
        for key in order:
            if key[0] != img:
                continue
            s = st[key]
            fl = f1 if key[2] == 1 or fN is None else fN
            mbs = i['content'] / 1e6 / s.wall if s.wall else 0
            rc = '' if s.rcs in ([0], [0, 1], [1]) else ' (exit %s)' % ','.join(map(str, s.rcs))
            w('| %s%s | %d | %d | %s | %s | %.0f | %s | %s | %.0f | %.1f |' % (
                key[1], rc, key[2], s.n, fmt_s(s.wall), fmt_s(s.cpu), s.rss,
                ratio(s.wall, fl.wall) if fl else 'n/a',
                ratio(s.cpu, f1.cpu) if f1 else 'n/a', mbs, s.load))
        a1 = st.get((img, 'laocoon all', 1))
        aN = st.get((img, 'laocoon all', ncpu))
        warm = st.get((img, 'laocoon warm', ncpu))
        yN = st.get((img, 'yara -N -r', ncpu)) or st.get((img, 'yara -N -r', 1))
        y1 = st.get((img, 'yara -N -r', 1))
        cl = st.get((img, 'clamscan -r', 1))
        t = targets[img] = {}
        if a1 and f1:
            t['p1/floor'] = (a1.wall / f1.wall, a1.cpu / f1.cpu)
        if a1 and aN:
            t['speedup'] = a1.wall / aN.wall
        if warm and aN:
            t['warm'] = warm.wall / aN.wall
        if aN or a1:
            t['rss'] = max(x.rss for x in (a1, aN) if x)
        if aN and yN and cl:
            t['peers'] = (aN.wall, yN.wall + cl.wall, a1.cpu if a1 else aN.cpu,
                          (y1.cpu if y1 else yN.cpu) + cl.cpu)
        # findings identical whatever N, planted threats found
        notes = []
        if 'p1' in i and 'pN' in i:
            same = findings_key(i['p1']) == findings_key(i['pN'])
            notes.append('findings with --parallel 1 and %d: %s (%d findings)' % (
                ncpu, 'identical' if same else '**DIFFERENT**', len(i['p1'].get('findings', []))))
        pc = planted_check(a.data, img, i.get('p1'))
        if pc:
            found, total, missed = pc
            notes.append('planted threats reported (secrets, IOC domains, miner ELF, EICAR, '
                         'hidden files): %d / %d%s' % (found, total, '' if not missed else
                                                      '; missed: ' + ', '.join('%s %s' % (m[1], m[2]) for m in missed[:6])))
        for tool in ('yara', 'clamscan'):
            p = os.path.join(a.data, '%s.%s.txt' % (img, tool))
            if os.path.exists(p):
                lines = [l for l in open(p) if l.strip() and 'FOUND' in l or (tool == 'yara' and l.strip())]
                notes.append('%s on the tree: %d matches' % (tool, len(lines)))
        if notes:
            w('')
            for n in notes:
                w('- ' + n)
    # secrets
    sp = os.path.join(a.data, 'secrets.txt')
    if os.path.exists(sp):
        w('')
        w('### Secrets throughput (bench/secrets_bench.sh, called by bench.sh)')
        w('')
        w('```')
        w(open(sp).read().rstrip())
        w('```')
    ss = [k for k in order if k[0] == 'secrets-subset']
    if ss:
        b = read_int(os.path.join(a.data, 'secrets-subset.bytes'))
        w('')
        w('secretlint against laocoon on the first 200 files of the corpus (%.1f MB), from inside'
          ' the directory (secretlint lints only below its working directory):' % (b / 1e6))
        w('')
        w('| contender | runs | wall s | CPU s | MB/s per core | peak RSS MiB |')
        w('|---|---|---|---|---|---|')
        for k in ss:
            s_ = st[k]
            w('| %s | %d | %s | %s | %.0f | %.0f |' % (k[1], s_.n, fmt_s(s_.wall), fmt_s(s_.cpu),
                                                      b / 1e6 / s_.cpu if s_.cpu else 0, s_.rss))
        p = os.path.join(a.data, 'secrets-subset.txt')
        if os.path.exists(p):
            w('')
            for line in open(p).read().splitlines():
                w('- ' + line)
    dr = [k for k in order if k[0] == 'debian-root']
    if dr:
        b = read_int(os.path.join(a.data, 'debian-root.bytes'))
        w('')
        w('Debian minbase root directory (%.0f MB), secrets only, side by side:' % (b / 1e6))
        w('')
        w('| contender | runs | wall s | CPU s | MB/s per core | peak RSS MiB | exit |')
        w('|---|---|---|---|---|---|---|')
        for k in dr:
            s = st[k]
            rc = ','.join(map(str, s.rcs))
            if 124 in s.rcs:
                rc += ' (timed out: did not finish; MB/s is an upper bound)'
            w('| %s | %d | %s | %s | %s%.0f | %.0f | %s |' % (
                k[1], s.n, fmt_s(s.wall), fmt_s(s.cpu), '< ' if 124 in s.rcs else '',
                b / 1e6 / s.cpu if s.cpu else 0, s.rss, rc))
    # targets
    w('')
    w('### Targets (issue 6)')
    w('')
    w('| target | image | measured | met? |')
    w('|---|---|---|---|')
    for img, t in targets.items():
        if 'p1/floor' in t:
            r, rc = t['p1/floor']
            w('| full scan, 1 thread <= 1.5x floor | %s | %.2fx wall, %.2fx CPU | %s |' % (
                img, r, rc, 'yes' if r <= 1.5 else ('CPU only' if rc <= 1.5 else 'no')))
    for img in images:
        ab = st.get((img, 'laocoon all but yara', 1))
        f1 = st.get((img, 'floor', 1))
        if ab and f1:
            w('| (for reference) all detectors but YARA, 1 thread | %s | %.2fx wall, %.2fx CPU | %s |' % (
                img, ab.wall / f1.wall, ab.cpu / f1.cpu, 'yes' if ab.cpu / f1.cpu <= 1.5 else 'no'))
    for img, t in targets.items():
        if 'speedup' in t and infos[img]['layers'] > 1:
            w('| %d threads >= 1.7x faster than 1 | %s | %.2fx | %s |' % (
                ncpu, img, t['speedup'], 'yes' if t['speedup'] >= 1.7 else 'no'))
    for img, t in targets.items():
        if 'warm' in t:
            w('| warm rescan <= 5%% of cold | %s | %.1f%% | %s |' % (
                img, 100 * t['warm'], 'yes' if t['warm'] <= 0.05 else 'no'))
    for img, t in targets.items():
        if 'rss' in t and (img.endswith('5G') or infos[img]['content'] > 3e9):
            w('| peak RSS <= 256 MB on the 5 GB image | %s | %.0f MiB | %s |' % (
                img, t['rss'], 'yes' if t['rss'] <= 256 else 'no'))
    for img, t in targets.items():
        if 'peers' in t:
            lw, pw, lc, pc = t['peers']
            w('| faster than yara -N -r + clamscan | %s | %s s vs %s s wall (%.1fx); %s vs %s s CPU | %s |' % (
                img, fmt_s(lw), fmt_s(pw), pw / lw, fmt_s(lc), fmt_s(pc), 'yes' if lw < pw else 'no'))
    # ratios to each peer (same content extracted to a directory)
    prow = []
    for img in images:
        aN = st.get((img, 'laocoon all', ncpu))
        a1 = st.get((img, 'laocoon all', 1))
        ab = st.get((img, 'laocoon all but yara', 1))
        for peer, thr in (('yara -N -r', 1), ('yara -N -r', ncpu), ('clamscan -r', 1)):
            ps = st.get((img, peer, thr))
            if not ps:
                continue
            mine = a1 if thr == 1 and a1 else aN
            prow.append('| %s | %s (%d thr) | %s s / %s s CPU | laocoon all, %d thr: %s s / %s s CPU | %.2f | %.2f |' % (
                img, peer, thr, fmt_s(ps.wall), fmt_s(ps.cpu), 1 if mine is a1 else ncpu,
                fmt_s(mine.wall), fmt_s(mine.cpu), ps.wall / mine.wall, ps.cpu / mine.cpu))
    if prow:
        w('')
        w('### laocoon against each peer (peer time / laocoon time: > 1 means laocoon is faster)')
        w('')
        w('laocoon reads the compressed image (verifying every digest) and runs all 13 detectors;')
        w('the peers read the extracted tree from the page cache and run one kind of check.')
        w('')
        w('| image | peer | peer wall / CPU | laocoon wall / CPU | wall ratio | CPU ratio |')
        w('|---|---|---|---|---|---|')
        for r in prow:
            w(r)
    fp = os.path.join(a.data, 'foundation.md')
    if os.path.exists(fp):
        w('')
        w('### Issue 2 foundation benchmark (bench/run.sh; the run below was copied in from its last run, `bench.sh foundation` reruns it)')
        w('')
        for line in open(fp).read().splitlines()[1:]:
            w(line)
    gen = '\n'.join(out) + '\n'
    if a.print:
        print(gen)
        return
    old = open(a.results).read() if os.path.exists(a.results) else ''
    if BEGIN in old and END in old:
        pre, rest = old.split(BEGIN, 1)
        post = rest.split(END, 1)[1]
        new = pre + BEGIN + '\n' + gen + END + post
    else:
        new = ('# Benchmark results (issue 6)\n\n' + BEGIN + '\n' + gen + END + '\n')
    with open(a.results, 'w') as f:
        f.write(new)
    print('report: wrote %s' % a.results)


if __name__ == '__main__':
    main()
