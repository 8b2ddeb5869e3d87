#!/usr/bin/env python3
"""The hostile-image corpus (gen.py): every case must end with its expected exit code,
within its time bound, under a memory bound, without a sanitizer report, without raw
control characters on the terminal, and without writing anywhere but laocoon's own
temporary directory and cache."""

import json
import os
import shutil
import resource
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
from lctest import LAOCOON, main, test, Skip  # noqa: E402


def sanitized():
    """ASan builds are slower and cannot run under an address-space limit."""
    with open(LAOCOON, 'rb') as f:
        return b'__asan_init' in f.read()


SAN = sanitized()
RSS_MAX_MB = 1024 if SAN else 512
if SAN:
    os.environ.setdefault('LC_HOSTILE_MANY', '200000')


_RULES = []


def compiled_rules(tmp):
    """The compiled matcher database and YARA rules, built once for every case: a case
    measures the scan of its hostile image, not the one-time rule compilation that every
    image shares and a real cache keeps (under ASan Hyperscan's compile alone peaks over
    1 GB and takes ~10 s)."""
    if not _RULES:
        home = os.path.join(tmp, 'rules-home')
        root = os.path.join(tmp, 'rules-root')
        os.makedirs(os.path.join(root, 'etc'), exist_ok=True)
        with open(os.path.join(root, 'etc', 'hostname'), 'w') as f:
            f.write('warm-up\n')
        env = dict(os.environ, HOME=home, XDG_CACHE_HOME=os.path.join(home, '.cache'))
        subprocess.run([LAOCOON, 'scan', 'rootfs:' + root, '--format', 'json'], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        d = os.path.join(home, '.cache', 'laocoon')
        _RULES.extend(os.path.join(d, n) for n in sorted(os.listdir(d))
                      if n.endswith('.hsdb') or n.endswith('.yarc'))
        assert _RULES, 'the warm-up scan left no compiled rules in %s' % d
    return _RULES


def run_case(name, spec, tmp):
    home = os.path.join(tmp, 'home')
    work = os.path.join(tmp, 'cwd')
    ltmp = os.path.join(tmp, 'ltmp')
    for p in (home, work, ltmp):
        os.makedirs(p, exist_ok=True)
    cache = os.path.join(home, '.cache', 'laocoon')
    os.makedirs(cache, exist_ok=True)
    for f in compiled_rules(os.path.dirname(tmp)):
        shutil.copy(f, cache)
    env = dict(os.environ, HOME=home, XDG_CACHE_HOME=os.path.join(home, '.cache'),
               TMPDIR=ltmp, NO_COLOR='1')
    report = os.path.join(tmp, 'report.json')
    bound = spec.get('seconds', 60) * (4 if SAN else 1)

    def limit():
        if not SAN:
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    out = {}
    for fmt in ('json', 'table'):
        args = [LAOCOON, 'scan', spec['ref'], '--format', fmt] + spec.get('args', [])
        if fmt == 'json':
            args += ['--output', report]
        t0 = time.monotonic()
        so_f = open(os.path.join(tmp, 'stdout'), 'w+b')
        se_f = open(os.path.join(tmp, 'stderr'), 'w+b')
        p = subprocess.Popen(args, stdout=so_f, stderr=se_f, cwd=work, env=env,
                             preexec_fn=limit)
        killer = threading.Timer(bound, p.kill)
        killer.start()
        # wait4 gives this child's own peak RSS (getrusage of all children would not)
        _, status, ru = os.wait4(p.pid, 0)
        killer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        dt = time.monotonic() - t0
        assert dt < bound, '%s: hung: no answer within %ds (%s)' % (name, bound, fmt)
        so_f.seek(0)
        se_f.seek(0)
        so, se = so_f.read(), se_f.read()
        so_f.close()
        se_f.close()
        out[fmt] = (p.returncode, so, se, dt, ru.ru_maxrss // 1024)
        if fmt == 'json' and not spec.get('table'):
            break
    rc, so, se, dt, rss = out['json']
    err = se.decode('utf-8', 'replace')
    assert rc >= 0 and rc < 128, '%s: killed by signal (rc %d): %s' % (name, rc, err[-2000:])
    for bad in ('AddressSanitizer', 'runtime error:', 'LeakSanitizer', 'Segmentation'):
        assert bad not in err, '%s: sanitizer/crash report:\n%s' % (name, err[-3000:])
    assert rc in spec['rc'], '%s: exit %d, expected one of %s\n%s' % (
        name, rc, spec['rc'], err[-1500:])
    assert rss < RSS_MAX_MB, '%s: peak RSS %d MB over %d MB' % (name, rss, RSS_MAX_MB)
    # A report is written even for errors (3-6), marked complete=false.
    assert os.path.exists(report), '%s: no report written (rc %d)' % (name, rc)
    doc = json.load(open(report))
    if rc >= 3:
        assert doc['complete'] is False, '%s: error exit but complete=true' % name
        assert doc['errors'], '%s: error exit but no error listed' % name
        for e in doc['errors']:
            assert '.' in e['code'], '%s: error code not dotted: %r' % (name, e)
    if 'complete' in spec:
        assert doc['complete'] == spec['complete'], (name, doc['complete'])
    rules = {f['rule_id'] for f in doc['findings']}
    for r in spec.get('findings', []):
        assert r in rules, '%s: finding %s missing (have %s)' % (name, r, sorted(rules))
    codes = {x['code'] for x in doc['warnings']}
    for c in spec.get('warnings', []):
        assert c in codes, '%s: warning %s missing (have %s)' % (name, c, sorted(codes))
    # Nothing raw reaches a terminal: no ESC, BEL, CSI or CR in any output.
    for fmt, (_, so_, se_, _, _) in out.items():
        for stream in (so_, se_):
            for ch in (b'\x1b', b'\x07', b'\x9b', b'\r', b'\x08'):
                assert ch not in stream, '%s: raw %r in %s output' % (name, ch, fmt)
    # Nothing written outside: the working directory stays empty, no escape file.
    assert os.listdir(work) == [], '%s: wrote into cwd: %s' % (name, os.listdir(work))
    assert not os.path.exists('/tmp/laocoon-escape'), '%s: wrote /tmp/laocoon-escape' % name
    return dt, rss


def make_test(name):
    def t(tmp):
        spec = gen.generate(os.path.join(tmp, 'corpus'), [name])[name]
        dt, rss = run_case(name, spec, tmp)
        print('# %s: %.2fs, peak RSS %d MB' % (name, dt, rss))
    t.__name__ = name
    return t


for fn in gen.CASES:
    test(make_test(fn.__name__), name='hostile.' + fn.__name__)


@test
def corpus_has_at_least_40_cases():
    assert len(gen.CASES) >= 40, len(gen.CASES)


if __name__ == '__main__':
    if not os.path.exists(LAOCOON):
        raise Skip('no binary')
    main()
