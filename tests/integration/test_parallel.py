#!/usr/bin/env python3
"""Threads end to end: the report does not depend on --parallel. With two threads or more
a thread left without a layer helps the readers still at work, and then also hashes
their blocks (blob digest and diff_id) while they inflate; these images have a large
layer next to small ones so that happens while the large one is read. Tampered and
corrupt large layers give the same error codes and exit status with every thread count."""
import random

from lctest import EIMAGE, EINTEGRITY, OK, TestFailure, eq, main, scan_json, test
import imgwriter as w

AKIA = 'AKIAQYLPMN5HHHFPZAM2'
AWS_SECRET = '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'
GHP = 'ghp_R7fK2mXq9LzT4vB8nW1cY6pJ3hD5sA0eQ2gU'
THREADS = ('1', '2', '4')


def text(rng, n):
    """n bytes of half-compressible text: many inflated blocks per layer."""
    return rng.randbytes(n).translate(bytes(b'etaoinshrdlucmfw \n'[i % 18] for i in range(256)))


def big_layer(comp='gzip'):
    """About 6 MB: small files (queued to helpers), two larger than 1 MiB (read in place),
    findings among them."""
    rng = random.Random(6)
    L = w.Layer(comp)
    L.dir('srv').dir('srv/data')
    for i in range(60):
        L.file('srv/data/f%02d.txt' % i, text(rng, 64 * 1024))
    L.file('srv/data/big.log', text(rng, 1536 * 1024) + ('\nkey=%s\n' % GHP).encode())
    L.file('home/app/.aws/credentials',
           ('[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
            % (AKIA, AWS_SECRET)).encode())
    L.file('usr/bin/helper', b'\x7fELF' + text(rng, 2 * 1024 * 1024), mode=0o4755)
    return L


def small_layer(name):
    return w.Layer().dir('etc').file('etc/' + name, b'x = 1\n').file('opt/' + name, b'y',
                                                                     mode=0o4755)


def image(big):
    return w.Image([small_layer('a'), big, small_layer('b')])


def scan_all(tmp, img, name):
    """Scan with each thread count: [(threads, rc, doc)]."""
    img.write_oci('%s/%s' % (tmp, name))
    out = []
    for n in THREADS:
        rc, doc = scan_json('oci:%s/%s' % (tmp, name), '--no-cache', '--parallel', n)
        if doc is None:
            raise TestFailure('no JSON report with --parallel %s (exit %d)' % (n, rc))
        out.append((n, rc, doc))
    return out


def same_everywhere(runs):
    n0, rc0, doc0 = runs[0]
    for n, rc, doc in runs[1:]:
        eq(rc, rc0, 'exit status with --parallel %s and %s' % (n, n0))
        eq(doc, doc0, 'report with --parallel %s and %s' % (n, n0))
    return rc0, doc0


def error_codes(doc):
    return sorted((e['code'], e.get('layer')) for e in doc.get('errors', []))


@test
def multi_layer_same_report(tmp):
    for comp in ('gzip', 'zstd', 'none'):
        rc, doc = same_everywhere(scan_all(tmp, image(big_layer(comp)), comp))
        eq(rc, OK, comp)
        eq(doc['complete'], True, comp)
        paths = {f['path'] for f in doc['findings']}
        for p in ('home/app/.aws/credentials', 'srv/data/big.log', 'usr/bin/helper',
                  'opt/a', 'opt/b'):
            if p not in paths:
                raise TestFailure('%s: no finding for %s: %r' % (comp, p, sorted(paths)))


@test
def one_layer_same_report(tmp):
    """One layer: the second thread helps from the first block on."""
    rc, doc = same_everywhere(scan_all(tmp, w.Image([big_layer()]), 'one'))
    eq(rc, OK)
    eq(doc['complete'], True)


def scan_flipped(tmp, name, after_digest):
    """The large layer with one byte flipped in the middle of its blob, scanned with every
    thread count: after_digest flips it after the manifest's digest was taken (a tampered
    blob), else the digest is of the flipped bytes (a corrupt stream)."""
    L = big_layer()
    L.flip(len(L.build()['blob']) // 2, after_digest=after_digest)
    return same_everywhere(scan_all(tmp, image(L), name))


@test
def tampered_layer(tmp):
    rc, doc = scan_flipped(tmp, 'tampered', True)
    eq(rc, EINTEGRITY)
    if ('blob.digest_mismatch', 1) not in error_codes(doc):
        raise TestFailure('no blob.digest_mismatch for layer 1: %r' % doc['errors'])


@test
def wrong_diff_id(tmp):
    L = big_layer()
    L.diff_id = 'sha256:' + '1' * 64
    rc, doc = same_everywhere(scan_all(tmp, image(L), 'diffid'))
    eq(rc, EINTEGRITY)
    eq(error_codes(doc), [('layer.diff_id_mismatch', 1)])


@test
def corrupt_layer(tmp):
    rc, doc = scan_flipped(tmp, 'corrupt', False)
    eq(rc, EIMAGE)
    eq(doc['complete'], False)
    if not any(c.startswith('layer.gzip') for c, _ in error_codes(doc)):
        raise TestFailure('no layer.gzip_* error: %r' % doc['errors'])


if __name__ == '__main__':
    main()
