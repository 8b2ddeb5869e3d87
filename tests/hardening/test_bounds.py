#!/usr/bin/env python3
"""The resource bounds end a scan cleanly (issue 7): --max-memory refuses work past the
budget, --timeout ends the scan; both give exit code 6, a report marked incomplete that
keeps what was found before the bound, an error with a stable code naming where it
stopped, and `scan.not_scanned` for every layer never reached. --parallel 1 makes the
order of work (and so the point where the bound hits) deterministic."""

import os
import subprocess
import time

import imgwriter as w
from lctest import EINCOMPLETE, LAOCOON, OK, FINDINGS, Skip, eq, main, run, scan_json, test

# not AWS's documented EXAMPLE key: that one is allow-listed as a placeholder
AWS = (b'AWS_ACCESS_KEY_ID=AKIAZ7QWERT2LMNBVC3X\n'
       b'AWS_SECRET_ACCESS_KEY=q8Lr2Vd9Xk4Tn7Bw1Hs6Jf3Pz0Cm5Yg2Ue8Ia4Ko\n')


def image(tmp, big=3 << 20, layers=3, many=0):
    """Layer 0: a secret first, then a file of `big` random bytes (more than a small
    --max-memory lets a detector buffer); `many` small files; then more layers."""
    L0 = w.Layer('gzip')
    L0.file('app/.env', AWS)
    L0.file('app/big.bin', os.urandom(big))
    for i in range(many):
        L0.file('app/many/%d' % i, b'%d\n' % i)
    rest = []
    for i in range(1, layers):
        L = w.Layer('gzip')
        L.file('layer%d/file' % i, b'x' * 1000)
        rest.append(L)
    p = os.path.join(tmp, 'img')
    w.Image([L0] + rest).write_oci(p)
    return 'oci:' + p


def codes(doc):
    return [e['code'] for e in doc['errors']]


@test
def max_memory_refuses_past_the_budget(tmp):
    ref = image(tmp)
    rc, doc = scan_json(ref, '--no-cache', '--parallel', '1', '--max-memory', '1M')
    eq(rc, EINCOMPLETE, 'exit code')
    eq(doc['complete'], False, 'complete')
    errs = [e for e in doc['errors'] if e['code'] == 'scan.memory_limit']
    assert errs, 'no scan.memory_limit error: %s' % doc['errors']
    eq(errs[0]['layer'], 0)
    eq(errs[0]['path'], 'app/big.bin', 'the error names the file refused')
    # partial report: what came before the bound is still there
    rules = {f['rule_id'] for f in doc['findings']}
    assert any(r.startswith('aws') for r in rules), 'the secret before the bound is lost: %s' % rules
    # and what came after is named as not scanned
    later = {e['layer'] for e in doc['errors'] if e['code'] == 'scan.not_scanned'}
    eq(later, {1, 2}, 'layers named as not scanned')


@test
def max_memory_large_enough_is_complete(tmp):
    ref = image(tmp, big=64 << 10)
    rc, doc = scan_json(ref, '--no-cache', '--parallel', '1', '--max-memory', '256M')
    assert rc in (OK, FINDINGS), rc
    eq(doc['complete'], True)
    assert 'scan.memory_limit' not in codes(doc), doc['errors']


@test
def max_memory_table_output(tmp):
    """The table says the scan is incomplete and why, on stdout, still exit 6."""
    ref = image(tmp)
    r = run(['scan', ref, '--no-cache', '--parallel', '1', '--max-memory', '1M'])
    eq(r.returncode, EINCOMPLETE)
    text = r.stdout + r.stderr
    assert 'scan.memory_limit' in text or 'memory' in text.lower(), text[-2000:]


@test
def max_memory_bad_value():
    r = run(['scan', 'oci:/nonexistent', '--max-memory', 'lots'])
    eq(r.returncode, 2, 'a malformed size is a usage error')


@test
def timeout_ends_with_partial_report(tmp):
    ref = image(tmp, big=1 << 10, layers=4, many=20000)
    rc, doc = scan_json(ref, '--no-cache', '--parallel', '1', '--timeout', '1ms')
    eq(rc, EINCOMPLETE, 'exit code')
    eq(doc['complete'], False)
    c = codes(doc)
    assert 'scan.timeout' in c, 'no scan.timeout error: %s' % doc['errors']
    t = [e for e in doc['errors'] if e['code'] == 'scan.timeout'][0]
    eq(t['layer'], 0, 'the layer the bound ended')
    later = {e['layer'] for e in doc['errors'] if e['code'] == 'scan.not_scanned'}
    eq(later, {1, 2, 3}, 'layers named as not scanned')


@test
def timeout_generous_is_complete(tmp):
    ref = image(tmp, big=1 << 10, layers=2)
    rc, doc = scan_json(ref, '--no-cache', '--parallel', '1', '--timeout', '10m')
    assert rc in (OK, FINDINGS), rc
    eq(doc['complete'], True)


@test
def timeout_bad_value():
    eq(run(['scan', 'oci:/nonexistent', '--timeout', 'soon']).returncode, 2)


def sanitized():
    with open(LAOCOON, 'rb') as f:
        data = f.read()
    return b'__asan_init' in data or b'__tsan_init' in data


def as_limit(tmp, *args):
    """The address-space limit of a scan, read from /proc while it waits on a FIFO."""
    fifo = os.path.join(tmp, 'image.tar')
    os.mkfifo(fifo)
    env = dict(os.environ, HOME=tmp, XDG_CACHE_HOME=os.path.join(tmp, 'cache'))
    p = subprocess.Popen([LAOCOON, 'scan', '--no-cache', 'docker-archive:' + fifo] + list(args),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        limit = None
        for _ in range(200):  # until it blocks opening the FIFO (after the options)
            time.sleep(0.05)
            with open('/proc/%d/wchan' % p.pid) as f:
                if f.read().strip() not in ('', '0'):
                    with open('/proc/%d/limits' % p.pid) as f:
                        for line in f:
                            if line.startswith('Max address space'):
                                limit = line.split()[3]
                    break
        with open(fifo, 'wb'):
            pass  # EOF: the open fails cleanly
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return limit


@test
def max_memory_sets_an_address_space_backstop(tmp):
    """--max-memory accounts laocoon's own buffers; an RLIMIT_AS (2x budget + a fixed
    allowance) backs it up in non-sanitizer builds; without --max-memory none is set."""
    if sanitized():
        raise Skip('sanitizer build: no address-space limit (shadow memory)')
    lim = as_limit(tmp, '--max-memory', '64M', '--parallel', '2')
    assert lim and lim != 'unlimited', 'no RLIMIT_AS with --max-memory: %s' % lim
    lim = int(lim)
    assert (2 << 30) < lim < (4 << 30), 'RLIMIT_AS %d not in the expected range' % lim
    os.unlink(os.path.join(tmp, 'image.tar'))
    with open('/proc/self/limits') as f:
        own = [ln.split()[3] for ln in f if ln.startswith('Max address space')][0]
    eq(as_limit(tmp), own, 'no --max-memory: the inherited limit is left alone')


if __name__ == '__main__':
    main()
