#!/usr/bin/env python3
"""Bad input end to end: each case gives the documented exit code, a report marked
complete=false when it could not be read fully, and a stable dotted error or warning code
naming the layer (and the path where there is one). Nothing crashes or hangs."""
import re

from lctest import EIMAGE, EINTEGRITY, OK, TestFailure, eq, main, run, scan_json, \
    inspect_json, test
import imgwriter as w

CODE = re.compile(r'^[a-z0-9_]+(\.[a-z0-9_]+)+$')


def files_by_path(doc):
    out = {}
    for f in doc.get('files', []):
        out.setdefault(f['path'], []).append(f)
    return out


def _img(*layers):
    return w.Image(list(layers))


def _base(comp='gzip'):
    L = w.Layer(comp)
    L.dir('etc').file('etc/passwd', b'root:x:0:0::/root:/bin/sh\n')
    L.file('etc/big', b'0123456789abcdef' * 4096)
    L.file('usr-suid', b'x', mode=0o4755)
    return L


def _bigfile(comp='gzip'):
    """A layer dominated by one incompressible file, so a cut in the middle of the blob
    falls inside `big`'s data."""
    import random
    data = random.Random(7).randbytes(200000)
    return w.Layer(comp).file('small', b'x').file('big', data).file('after', b'y')


def expect(tmp, img, rc_want, kind='errors', layer=None, code_prefix=None, path=None,
           complete=False, fmt='oci', args=()):
    """Write img, scan it, check exit code, completeness and one diagnostic."""
    if fmt == 'oci':
        img.write_oci(tmp + '/oci')
        ref = 'oci:%s/oci' % tmp
    elif fmt == 'docker-archive':
        img.write_docker_archive(tmp + '/d.tar', ['x:y'])
        ref = 'docker-archive:%s/d.tar' % tmp
    else:
        raise ValueError(fmt)
    rc, doc = scan_json(ref, *args)
    if doc is None:
        raise TestFailure('no JSON report (exit %d)' % rc)
    eq(rc, rc_want, 'exit code')
    eq(doc['complete'], complete, 'complete')
    diags = doc.get(kind, [])
    if not diags:
        raise TestFailure('no %s in the report; errors=%r warnings=%r' % (
            kind, doc.get('errors'), doc.get('warnings')))
    for d in diags:
        if not CODE.match(d.get('code') or ''):
            raise TestFailure('unstable or empty code: %r' % d)
        if not d.get('message'):
            raise TestFailure('empty message: %r' % d)
    cands = diags
    if code_prefix:
        cands = [d for d in cands if d['code'].startswith(code_prefix)]
    if layer is not None:
        cands = [d for d in cands if d.get('layer') == layer]
    if path is not None:
        cands = [d for d in cands if d.get('path') == path]
    if not cands:
        raise TestFailure('no %s with code %s*, layer %r, path %r in %r' % (
            kind, code_prefix, layer, path, diags))
    # the same input gives the same codes (stable)
    rc2, doc2 = scan_json(ref, *args)
    eq(rc2, rc)
    eq(sorted(d['code'] for d in doc2[kind]), sorted(d['code'] for d in diags), 'stable codes')
    return doc


@test
def truncated_gzip(tmp):
    L = _bigfile()
    L.truncate(len(L.build()['blob']) // 2)  # digest of the truncated blob: a decode error
    expect(tmp, _img(w.Layer().file('a', b'a'), L), EIMAGE, layer=1,
           code_prefix='layer.gzip', path='big')


@test
def truncated_gzip_wrong_digest(tmp):
    """Truncated and the digest is the good blob's: finish hashing, report integrity (4)."""
    L = _base()
    L.truncate(len(L.build()['blob']) // 2, after_digest=True)
    expect(tmp, _img(L), EINTEGRITY, layer=0)


@test
def truncated_zstd(tmp):
    L = _bigfile('zstd')
    L.truncate(len(L.build()['blob']) // 2)
    expect(tmp, _img(L), EIMAGE, layer=0, code_prefix='layer.zstd', path='big')


@test
def corrupt_gzip_data(tmp):
    L = _base()
    n = len(L.build()['blob'])
    L.flip(n // 2, after_digest=False)
    doc = expect(tmp, _img(L), EIMAGE, layer=0)


@test
def blob_digest_mismatch(tmp):
    L = _base()
    L.flip(40, after_digest=True)
    img = _img(w.Layer().file('a', b'a'), L)
    doc = expect(tmp, img, EINTEGRITY, layer=1)
    digest = img.layers[1].build()['digest']
    if digest not in repr(doc['errors']):
        raise TestFailure('integrity error does not name the blob %s: %r' % (digest,
                                                                          doc['errors']))


@test
def wrong_diff_id(tmp):
    L = _base()
    L.diff_id = 'sha256:' + '1' * 64
    expect(tmp, _img(L), EINTEGRITY, layer=0)


@test
def zstd_claimed_as_gzip(tmp):
    """Compression comes from magic bytes, not the media type: reads fine."""
    L = _base('zstd')
    L.media_type = w.MT_OCI_LAYER['gzip']
    _img(L).write_oci(tmp + '/lie')
    _img(_base('zstd')).write_oci(tmp + '/ok')
    rc, a = scan_json('oci:%s/lie' % tmp)
    eq(rc, OK)
    eq(a['complete'], True)
    rc, b = scan_json('oci:%s/ok' % tmp)
    eq(sorted(f['id'] for f in a['findings']), sorted(f['id'] for f in b['findings']))


@test
def broken_tar_header(tmp):
    L = w.Layer('gzip').file('a', b'a' * 100).file('b', b'b' * 100).file('c', b'c')
    L.tar_mangle(lambda t: w.tar_break_header(t, 1))
    expect(tmp, _img(L), EIMAGE, layer=0)


@test
def tar_truncated_in_data(tmp):
    L = w.Layer('none').file('a', b'a' * 100).file('big', b'b' * 5000)
    L.tar_mangle(lambda t: t[:512 + 512 + 512 + 2000])  # inside big's data
    expect(tmp, _img(L), EIMAGE, layer=0, path='big')


@test
def tar_unterminated_is_a_warning(tmp):
    """umoci 0.4.7 style: last entry complete, no padding, no end blocks: read, warn."""
    L = w.Layer('gzip').dir('etc').file('etc/x', b'x' * 700)
    L.tar_mangle(w.tar_strip_eof)
    doc = expect(tmp, _img(L), OK, kind='warnings', layer=0, code_prefix='layer.tar_unterminated',
                 complete=True)


@test
def bad_config_json(tmp):
    img = _img(_base())
    img.config_raw = '{"architecture": "amd64", "os": '
    expect(tmp, img, EIMAGE)


@test
def bad_manifest_json(tmp):
    img = _img(_base())
    img.manifest_raw = '{"schemaVersion": 2, "layers": [}'
    expect(tmp, img, EIMAGE)


@test
def bad_index_json(tmp):
    img = _img(_base())
    lay = w.Layout().add(img, 'latest')
    lay.index_raw = '{"manifests": ['
    lay.write_dir(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp)
    eq(rc, EIMAGE)
    eq(doc['complete'], False)
    if not doc['errors']:
        raise TestFailure('no error')


@test
def bad_docker_manifest_json(tmp):
    img = _img(_base())
    da = w.DockerArchive('legacy').add(img, ['x:y'])
    da.manifest_raw = '[{"Config": 3}]'
    da.write(tmp + '/d.tar')
    rc, doc = scan_json('docker-archive:%s/d.tar' % tmp)
    eq(rc, EIMAGE)
    eq(doc['complete'], False)


@test
def missing_layer_blob(tmp):
    L = _base()
    L.omit = True
    expect(tmp, _img(w.Layer().file('a', b'a'), L), EIMAGE, layer=1)


@test
def missing_layer_in_docker_archive(tmp):
    L = _base()
    L.omit = True
    expect(tmp, _img(w.Layer().file('a', b'a'), L), EIMAGE, layer=1, fmt='docker-archive')


@test
def missing_config_blob(tmp):
    img = _img(_base())
    img.omit_config = True
    expect(tmp, img, EIMAGE)


@test
def wrong_config_digest(tmp):
    img = _img(_base())
    img.config_digest = 'sha256:' + '2' * 64
    expect(tmp, img, EINTEGRITY)


@test
def wrong_manifest_digest(tmp):
    img = _img(_base())
    img.manifest_digest = 'sha256:' + '3' * 64
    expect(tmp, img, EINTEGRITY)


@test
def diff_ids_count_mismatch(tmp):
    img = _img(_base(), w.Layer().file('b', b'b'))
    img.extra_config = {'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + '4' * 64]}}
    img.write_oci(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp)
    if rc not in (EIMAGE, EINTEGRITY):
        raise TestFailure('diff_ids count mismatch: exit %d' % rc)


@test
def invalid_utf8_and_escapes(tmp):
    bad = b'etc/bad\xff\x1b[31mname\x07'
    L = w.Layer('gzip').dir('etc').file(bad, b'x', mode=0o4755)
    _img(L).write_oci(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp)
    eq(rc, OK)
    eq(doc['complete'], True)
    text = repr(doc)
    if '\x1b' in text or '\x07' in text:
        raise TestFailure('raw control character in the JSON report')
    paths = [f['path'] for f in doc['findings']]
    if not any(p.startswith('etc/bad') for p in paths):
        raise TestFailure('no finding on the odd name: %r' % paths)
    for cmd in (['scan'], ['inspect', '--files']):
        p = run(cmd + ['oci:%s/oci' % tmp])
        eq(p.returncode, OK)
        for ch in ('\x1b', '\x07', '\udcff'):
            if ch in p.stdout or ch in p.stderr:
                raise TestFailure('%r printed raw by %s' % (ch, cmd))


@test
def duplicate_entries(tmp):
    L = w.Layer('gzip').dir('etc').file('etc/dup', b'first').file('etc/dup', b'second!')
    doc = expect(tmp, _img(L), OK, kind='warnings', layer=0, code_prefix='layer.duplicate',
                 path='etc/dup', complete=True)
    rc, i = inspect_json('oci:%s/oci' % tmp, '--files')
    eq(rc, OK)
    eq([f['size'] for f in files_by_path(i)['etc/dup']], [7], 'the last entry wins')


@test
def path_traversal_and_absolute(tmp):
    L = w.Layer('gzip').dir('etc').file('../../evil', b'x').file('/abs/file', b'y')
    L.file('etc/ok', b'z')
    _img(L).write_oci(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp)
    eq(rc in (OK,), True, 'exit %d' % rc)
    rules = ' '.join('%s %s' % (f['rule_id'], f.get('path')) for f in doc['findings'])
    if 'evil' not in rules or 'abs' not in rules:
        raise TestFailure('no findings for path traversal / absolute path: %s' % rules)
    rc, i = inspect_json('oci:%s/oci' % tmp, '--files')
    paths = [f['path'] for f in i['files']]
    for p in paths:
        if 'evil' in p or '..' in p.split('/'):
            raise TestFailure('climbing path in the file index: %r' % p)


@test
def hardlink_outside_layer(tmp):
    L = w.Layer('gzip').dir('bin').hardlink('bin/x', 'etc/shadow')
    _img(L).write_oci(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp)
    if rc not in (OK, EIMAGE):
        raise TestFailure('exit %d' % rc)
    text = repr(doc['findings']) + repr(doc['warnings']) + repr(doc['errors'])
    if 'bin/x' not in text:
        raise TestFailure('hard link to a path outside the layer not reported: ' + text[:800])


@test
def empty_and_garbage_blobs(tmp):
    for name, blob in (('empty', b''), ('garbage', b'not a tar at all' * 100),
                       ('zeros', b'\0' * 10240)):
        L = w.Layer('none')
        L.mangle(lambda b, blob=blob: blob, after_digest=False)
        L.diff_id = w.sha256(blob)
        _img(L).write_oci('%s/%s' % (tmp, name))
        rc, doc = scan_json('oci:%s/%s' % (tmp, name))
        if rc not in (OK, EIMAGE):
            raise TestFailure('%s layer: exit %d' % (name, rc))
        if rc == EIMAGE and not doc['errors']:
            raise TestFailure('%s layer: exit 3 without an error' % name)


if __name__ == '__main__':
    main()
