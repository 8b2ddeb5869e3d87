#!/usr/bin/env python3
"""Image sources end to end: every transport (imgwriter, skopeo, umoci), bare-path
auto-detection, tag / NAME:TAG / @N selection and the ambiguity errors, platform selection
(flat and nested indexes, cycles, depth limit), digest checks of manifest and config, and
bad metadata (JSON, limits, missing blobs) with the documented exit codes."""
import gzip
import hashlib
import json
import os
import shutil
import time

import subprocess

from lctest import EIMAGE, EINTEGRITY, EUSAGE, OK, Skip, TestFailure, eq, inspect_json, main, \
    need_tool, run, sh, test
import imgwriter as w


def inspect_ok(ref, *args):
    rc, doc = inspect_json(ref, '--files', *args)
    if rc != OK:
        raise TestFailure('inspect %s: exit %d, errors %r' % (ref, rc, doc and doc['errors']))
    return doc


def paths(doc):
    return sorted(f['path'] for f in doc['files'])


def diff_ids(doc):
    return [l['diff_id'] for l in doc['image']['layers']]


def fails(ref, code, *words, args=()):
    """ref must fail with exit `code` and a message containing every word."""
    p = run(['inspect', ref] + list(args))
    eq(p.returncode, code, 'exit code of %s (stderr %r)' % (ref, p.stderr[-500:]))
    for wd in words:
        if wd not in p.stderr:
            raise TestFailure('%r not in the message for %s: %r' % (wd, ref, p.stderr[-800:]))
    return p.stderr


def one_layer(name='x', data=b'1', **kw):
    return w.Image([w.Layer().file(name, data)], **kw)


# ---- every transport reads the same image the same way -------------------------------
@test
def all_transports_agree(tmp):
    img = w.sample_image()
    refs = {}
    img.write_oci(tmp + '/oci', tag='v1')
    refs['oci'] = 'oci:%s/oci:v1' % tmp
    img.write_oci_archive(tmp + '/oci.tar', tag='v1')
    refs['oci-archive'] = 'oci-archive:%s/oci.tar:v1' % tmp
    img.write_docker_archive(tmp + '/legacy.tar', ['example/app:1'])
    refs['docker-archive'] = 'docker-archive:%s/legacy.tar' % tmp
    img.write_docker_archive(tmp + '/d25.tar', ['example/app:1'], layout='docker25')
    refs['docker25'] = 'docker-archive:%s/d25.tar:example/app:1' % tmp
    img.write_dir(tmp + '/dir')
    refs['dir'] = 'dir:%s/dir' % tmp
    base = None
    for name, ref in refs.items():
        doc = inspect_ok(ref)
        im = doc['image']
        eq(im['transport'], name if name != 'docker25' else 'docker-archive', ref)
        eq(im['platform'], 'linux/amd64', ref)
        got = (paths(doc), diff_ids(doc), im['config']['entrypoint'],
               [l['created_by'] for l in im['layers']])
        if base is None:
            base = got
        eq(got, base, '%s reads like oci' % name)
        if name.startswith('docker'):
            if 'example/app:1' not in im['names']:
                raise TestFailure('RepoTags not in names: %r' % im['names'])
    eq(base[3], ['ADD rootfs /', 'RUN install', 'RUN cleanup'], 'history mapped to layers')


@test
def real_tools_interop(tmp):
    """umoci builds an image; skopeo copies it to every transport; all read alike."""
    need_tool('umoci')
    need_tool('skopeo')
    os.makedirs(tmp + '/src/etc')
    with open(tmp + '/src/etc/hello', 'w') as f:
        f.write('hello\n')
    sh(['umoci', 'init', '--layout', tmp + '/oci'])
    sh(['umoci', 'new', '--image', tmp + '/oci:t'])
    sh(['umoci', 'insert', '--image', tmp + '/oci:t', tmp + '/src/etc', '/etc'])
    sh(['umoci', 'config', '--image', tmp + '/oci:t', '--config.entrypoint', '/bin/true'])
    src = 'oci:%s/oci:t' % tmp
    sh(['skopeo', 'copy', src, 'oci-archive:%s/oa.tar:t' % tmp])
    sh(['skopeo', 'copy', src, 'docker-archive:%s/da.tar:my/img:t' % tmp])
    sh(['skopeo', 'copy', src, 'dir:%s/dir' % tmp])
    base = inspect_ok(src)
    for ref in ('oci-archive:%s/oa.tar' % tmp, 'docker-archive:%s/da.tar' % tmp,
                'dir:%s/dir' % tmp, tmp + '/oa.tar', tmp + '/da.tar', tmp + '/dir',
                tmp + '/oci:t'):
        doc = inspect_ok(ref)
        eq(paths(doc), paths(base), ref)
        eq(diff_ids(doc), diff_ids(base), ref)
        eq(doc['image']['config']['entrypoint'], ['/bin/true'], ref)
    eq(inspect_ok('docker-archive:%s/da.tar:my/img:t' % tmp)['image']['transport'],
       'docker-archive')
    if 'docker.io/my/img:t' not in inspect_ok(tmp + '/da.tar')['image']['names']:
        raise TestFailure('skopeo RepoTags not in names')


@test
def skopeo_dir_all_multiarch(tmp):
    """skopeo copy --all to dir: writes the index as manifest.json and each instance as
    HEX.manifest.json; we choose by platform there too."""
    need_tool('skopeo')
    a = one_layer('amd', b'a')
    b = one_layer('arm', b'b', platform=('linux', 'arm64', 'v8'))
    w.Layout().add(w.Index([a, b]), 'multi').write_dir(tmp + '/oci')
    sh(['skopeo', 'copy', '--all', 'oci:%s/oci:multi' % tmp, 'dir:%s/dir' % tmp])
    if not any(n.endswith('.manifest.json') for n in os.listdir(tmp + '/dir')):
        raise TestFailure('skopeo did not write instance manifests: %r' % os.listdir(tmp + '/dir'))
    eq(paths(inspect_ok('dir:%s/dir' % tmp)), ['amd'])
    eq(paths(inspect_ok('dir:%s/dir' % tmp, '--platform', 'linux/arm64')), ['arm'])
    eq(inspect_ok('dir:%s/dir' % tmp, '--platform', 'linux/arm64')['image']['platform'],
       'linux/arm64/v8')
    fails('dir:%s/dir' % tmp, EUSAGE, 'linux/amd64', 'linux/arm64', args=['--platform', 'linux/ppc64le'])


@test
def docker_schema2_shapes(tmp):
    """Docker media types: schema 2 manifests and manifest lists, in a layout and in dir:."""
    a = one_layer('amd', manifest_format='docker')
    b = one_layer('arm', manifest_format='docker', platform=('linux', 'arm64'))
    a.write_dir(tmp + '/dir')
    a.write_oci(tmp + '/oci')
    for ref in ('dir:%s/dir' % tmp, 'oci:%s/oci' % tmp):
        doc = inspect_ok(ref)
        eq(paths(doc), ['amd'], ref)
    w.Layout().add(w.Index([a, b], media_type=w.MT_DOCKER_LIST), 'l').write_dir(tmp + '/list')
    eq(paths(inspect_ok('oci:%s/list' % tmp, '--platform', 'linux/arm64')), ['arm'])
    # schema 1 is refused clearly
    c = one_layer()
    c.manifest_raw = '{"schemaVersion": 1, "fsLayers": []}'
    c.write_oci(tmp + '/s1')
    fails('oci:%s/s1' % tmp, EIMAGE, 'schema 1')


# ---- bare paths --------------------------------------------------------------------------
@test
def autodetect(tmp):
    img = one_layer()
    img.write_oci(tmp + '/oci')
    img.write_oci_archive(tmp + '/oci.tar')
    img.write_docker_archive(tmp + '/legacy.tar', ['a:1'])
    img.write_docker_archive(tmp + '/d25.tar', ['a:1'], layout='docker25')
    img.write_dir(tmp + '/dir')
    os.makedirs(tmp + '/root/etc')
    with open(tmp + '/root/etc/os-release', 'w') as f:
        f.write('ID=test\n')
    want = {'oci': 'oci', 'oci.tar': 'oci-archive', 'legacy.tar': 'docker-archive',
            'd25.tar': 'docker-archive', 'dir': 'dir', 'root': 'rootfs'}
    for name, transport in want.items():
        doc = inspect_ok(tmp + '/' + name)
        eq(doc['image']['transport'], transport, name)
    eq(paths(inspect_ok(tmp + '/root')), ['etc', 'etc/os-release'])
    # a directory holding oci-layout is oci even if it also has manifest.json + version
    shutil.copy(tmp + '/dir/manifest.json', tmp + '/oci/manifest.json')
    shutil.copy(tmp + '/dir/version', tmp + '/oci/version')
    eq(inspect_ok(tmp + '/oci')['image']['transport'], 'oci')
    # a bare path with a tag
    eq(paths(inspect_ok(tmp + '/oci:latest')), ['x'])


@test
def compressed_docker_save(tmp):
    one_layer().write_docker_archive(tmp + '/d.tar', ['a:1'])
    with open(tmp + '/d.tar', 'rb') as f, gzip.open(tmp + '/d.tar.gz', 'wb') as g:
        g.write(f.read())
    fails(tmp + '/d.tar.gz', EUSAGE, 'gzip', 'decompress')
    fails('docker-archive:%s/d.tar.gz' % tmp, EUSAGE, 'decompress')
    if shutil.which('zstd'):
        sh(['zstd', '-q', tmp + '/d.tar', '-o', tmp + '/d.tar.zst'])
        fails(tmp + '/d.tar.zst', EUSAGE, 'zstd', 'decompress')


@test
def not_an_image(tmp):
    w.write_tar(tmp + '/plain.tar', {'etc/passwd': b'root:x:0:0::/:/bin/sh\n'})
    fails(tmp + '/plain.tar', EIMAGE, 'rootfs')
    with open(tmp + '/junk', 'wb') as f:
        f.write(b'just some bytes' * 100)
    fails(tmp + '/junk', EIMAGE)
    fails('docker://library/alpine:3.19', EUSAGE, 'not supported')
    fails('alpine', EUSAGE, 'no such file')
    fails('oci:%s/missing' % tmp, EIMAGE, 'missing')
    one_layer().write_dir(tmp + '/dir')
    fails('dir:%s/dir:tag' % tmp, EUSAGE)


# ---- choosing one image ------------------------------------------------------------------
@test
def oci_tags_and_indexes(tmp):
    a, b = one_layer('a'), one_layer('b')
    w.Layout().add(a, 'one').add(b, 'two').write_dir(tmp + '/oci')
    w.Layout().add(a, 'one').add(b, 'two').write_archive(tmp + '/oci.tar')
    for ref in ('oci:%s/oci' % tmp, 'oci-archive:%s/oci.tar' % tmp):
        fails(ref, EUSAGE, 'one', 'two', '@0', '@1')
        eq(paths(inspect_ok(ref + ':two')), ['b'])
        eq(paths(inspect_ok(ref + ':@0')), ['a'])
        eq(paths(inspect_ok(ref + ':@1')), ['b'])
        eq(inspect_ok(ref + ':two')['image']['names'], ['two'])
        fails(ref + ':three', EUSAGE, 'three', 'one', 'two')
        fails(ref + ':@2', EUSAGE, '@2')
    # one image under two tags is not ambiguous
    w.Layout().add(a, 'latest').add(a, 'v1').write_dir(tmp + '/same')
    doc = inspect_ok('oci:%s/same' % tmp)
    eq(paths(doc), ['a'])
    eq(sorted(doc['image']['names']), ['latest', 'v1'])


@test
def docker_archive_selection(tmp):
    a, b = one_layer('a'), one_layer('b')
    for layout in ('legacy', 'docker25'):
        f = '%s/%s.tar' % (tmp, layout)
        w.DockerArchive(layout).add(a, ['first:1', 'alias:x']).add(b, ['library/second:2']).write(f)
        fails('docker-archive:' + f, EUSAGE, 'first:1', 'library/second:2', '@0', '@1')
        eq(paths(inspect_ok('docker-archive:%s:second:2' % f)), ['b'])
        eq(paths(inspect_ok('docker-archive:%s:docker.io/library/second:2' % f)), ['b'])
        eq(paths(inspect_ok('docker-archive:%s:alias:x' % f)), ['a'])
        eq(paths(inspect_ok('docker-archive:%s:@1' % f)), ['b'])
        eq(sorted(inspect_ok('docker-archive:%s:@0' % f)['image']['names']), ['alias:x', 'first:1'])
        fails('docker-archive:%s:third:3' % f, EUSAGE, 'third:3', 'first:1')
        fails('docker-archive:%s:@7' % f, EUSAGE, '@7')


@test
def docker25_layers_have_digests(tmp):
    img = one_layer()
    info = img.write_docker_archive(tmp + '/d25.tar', ['a:1'], layout='docker25')
    doc = inspect_ok(tmp + '/d25.tar')
    eq(doc['image']['layers'][0]['digest'], info.layers[0]['digest'])
    eq(doc['image']['config_digest'], info.config_digest)
    eq(doc['image']['manifest_digest'], info.manifest_digest, 'manifest digest from index.json')


@test
def platform_lie_warned(tmp):
    """The index says arm64, the config says amd64: read, but say so."""
    a = one_layer('amd')
    w.Layout().add(w.Index([a]), 'x').write_dir(tmp + '/oci')
    # rewrite the inner index's platform to arm64
    idx = json.load(open(tmp + '/oci/index.json'))['manifests'][0]
    inner = json.load(open(tmp + '/oci/blobs/sha256/' + idx['digest'][7:]))
    inner['manifests'][0]['platform'] = {'os': 'linux', 'architecture': 'arm64'}
    dg, n = _put_blob(tmp + '/oci', json.dumps(inner).encode())
    _set_index(tmp + '/oci', {'mediaType': w.MT_OCI_INDEX, 'digest': dg, 'size': n})
    rc, doc = inspect_json('oci:%s/oci' % tmp, '--platform', 'linux/arm64')
    eq(rc, OK)
    if 'source.platform_mismatch' not in [x['code'] for x in doc['warnings']]:
        raise TestFailure('no platform mismatch warning: %r' % doc['warnings'])


# ---- platforms ----------------------------------------------------------------------------
def _multi(tmp, nested=True):
    a = one_layer('amd')
    b = one_layer('arm', platform=('linux', 'arm64', 'v8'))
    c = one_layer('armv7', platform=('linux', 'arm', 'v7'))
    w.Layout().add(w.Index([a, b, c], nested=nested), 'multi').write_dir(tmp + '/oci')
    return 'oci:%s/oci' % tmp


@test
def platform_selection(tmp):
    for nested in (True, False):
        ref = _multi('%s/%d' % (tmp, nested), nested)
        doc = inspect_ok(ref)
        eq(paths(doc), ['amd'], 'default linux/amd64')
        eq(doc['image']['platform'], 'linux/amd64')
        eq(paths(inspect_ok(ref, '--platform', 'linux/arm64')), ['arm'])
        eq(paths(inspect_ok(ref, '--platform', 'linux/arm/v7')), ['armv7'])
        eq(inspect_ok(ref, '--platform', 'linux/arm/v7')['image']['platform'], 'linux/arm/v7')
        fails(ref, EUSAGE, 'linux/amd64', 'linux/arm64/v8', 'linux/arm/v7',
              args=['--platform', 'linux/s390x'])


def _put_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, 'blobs', 'sha256', d), 'wb') as f:
        f.write(data)
    return 'sha256:' + d, len(data)


def _set_index(layout, desc):
    with open(os.path.join(layout, 'index.json'), 'w') as f:
        json.dump({'schemaVersion': 2, 'manifests': [desc]}, f)


@test
def nested_indexes(tmp):
    ref = _multi(tmp)
    lay = tmp + '/oci'
    inner = json.load(open(lay + '/index.json'))['manifests'][0]
    # index.json -> outer index -> outer2 -> inner index -> manifests
    d = inner
    for _ in range(2):
        data = json.dumps({'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX,
                           'manifests': [dict(d, platform={'os': 'linux',
                                                           'architecture': 'amd64'})]}).encode()
        dg, n = _put_blob(lay, data)
        d = {'mediaType': w.MT_OCI_INDEX, 'digest': dg, 'size': n}
    _set_index(lay, d)
    eq(paths(inspect_ok(ref)), ['amd'])
    fails(ref, EIMAGE, 'index-depth', args=['--limit', 'index-depth=2'])


@test
def index_cycle(tmp):
    one_layer().write_oci(tmp + '/oci')
    lay = tmp + '/oci'
    # b lists a, a (stored under its old digest) lists b: a loop whichever way it is read
    a0 = json.dumps({'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX, 'manifests': []}).encode()
    ad, an = _put_blob(lay, a0)
    b = json.dumps({'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX, 'manifests': [
        {'mediaType': w.MT_OCI_INDEX, 'digest': ad, 'size': an,
         'platform': {'os': 'linux', 'architecture': 'amd64'}}]}).encode()
    bd, bn = _put_blob(lay, b)
    a1 = json.dumps({'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX, 'manifests': [
        {'mediaType': w.MT_OCI_INDEX, 'digest': bd, 'size': bn,
         'platform': {'os': 'linux', 'architecture': 'amd64'}}]}).encode()
    with open(os.path.join(lay, 'blobs', 'sha256', ad[7:]), 'wb') as f:
        f.write(a1)
    _set_index(lay, {'mediaType': w.MT_OCI_INDEX, 'digest': bd, 'size': bn})
    t0 = time.time()
    fails('oci:' + lay, EIMAGE, 'cycle', bd)
    if time.time() - t0 > 10:
        raise TestFailure('cycle took too long')


# ---- integrity -----------------------------------------------------------------------------
@test
def config_digest_mismatch(tmp):
    img = one_layer()
    img.config_digest = 'sha256:' + '2' * 64
    img.write_oci(tmp + '/oci')
    fails('oci:%s/oci' % tmp, EINTEGRITY, 'sha256:' + '2' * 64, 'config')
    img.write_dir(tmp + '/dir')
    fails('dir:%s/dir' % tmp, EINTEGRITY, 'sha256:' + '2' * 64)
    # legacy docker save names the config by its digest: checked too
    img.write_docker_archive(tmp + '/d.tar', ['a:1'])
    fails('docker-archive:%s/d.tar' % tmp, EINTEGRITY, '2' * 64)


@test
def manifest_digest_mismatch(tmp):
    img = one_layer()
    img.manifest_digest = 'sha256:' + '3' * 64
    img.write_oci(tmp + '/oci')
    fails('oci:%s/oci' % tmp, EINTEGRITY, 'sha256:' + '3' * 64, 'manifest')
    img.write_oci_archive(tmp + '/oci.tar')
    fails('oci-archive:%s/oci.tar' % tmp, EINTEGRITY, 'sha256:' + '3' * 64)


# ---- bad metadata ---------------------------------------------------------------------------
@test
def bad_json(tmp):
    img = one_layer()
    img.config_raw = '{"architecture": "amd64", "rootfs": {"diff_ids": [}'
    info = img.write_oci(tmp + '/oci')
    fails('oci:%s/oci' % tmp, EIMAGE, 'invalid JSON', info.config_digest)
    img = one_layer()
    img.manifest_raw = '{"schemaVersion": 2, "layers": [}'
    img.write_oci(tmp + '/m')
    fails('oci:%s/m' % tmp, EIMAGE, 'invalid JSON')
    da = w.DockerArchive('legacy').add(one_layer(), ['x:y'])
    da.manifest_raw = '[{"Config": 3}]'
    da.write(tmp + '/d.tar')
    fails('docker-archive:%s/d.tar' % tmp, EIMAGE, 'manifest.json')
    with open(tmp + '/oci/oci-layout', 'w') as f:
        f.write('{}')
    fails('oci:%s/oci' % tmp, EIMAGE, 'imageLayoutVersion')


@test
def deep_json(tmp):
    img = one_layer()
    img.config_raw = b'[' * 1000000 + b']' * 1000000
    img.write_oci(tmp + '/oci')
    t0 = time.time()
    fails('oci:%s/oci' % tmp, EIMAGE, 'json-depth')
    if time.time() - t0 > 5:
        raise TestFailure('deep JSON took %.1fs' % (time.time() - t0))


@test
def huge_sparse_manifest(tmp):
    info = one_layer().write_oci(tmp + '/oci')
    mp = os.path.join(tmp, 'oci', 'blobs', 'sha256', info.manifest_digest[7:])
    with open(mp, 'r+b') as f:
        f.truncate(2 << 30)
    t0 = time.time()
    fails('oci:%s/oci' % tmp, EIMAGE, 'manifest-size', info.manifest_digest)
    if time.time() - t0 > 5:
        raise TestFailure('a 2 GB sparse manifest took %.1fs: it was read' % (time.time() - t0))
    # the same for index.json, and for a dir: manifest
    one_layer().write_oci(tmp + '/o2')
    with open(tmp + '/o2/index.json', 'r+b') as f:
        f.truncate(2 << 30)
    fails('oci:%s/o2' % tmp, EIMAGE, 'manifest-size', 'index.json')
    one_layer().write_dir(tmp + '/dir')
    with open(tmp + '/dir/manifest.json', 'r+b') as f:
        f.truncate(2 << 30)
    fails('dir:%s/dir' % tmp, EIMAGE, 'manifest-size')
    # a limit the user lowers applies
    one_layer().write_oci(tmp + '/o3')
    fails('oci:%s/o3' % tmp, EIMAGE, 'manifest-size', args=['--limit', 'manifest-size=10'])


@test
def missing_blobs(tmp):
    img = one_layer()
    img.omit_config = True
    info = img.write_oci(tmp + '/oci')
    fails('oci:%s/oci' % tmp, EIMAGE, info.config_digest, 'missing')
    L = w.Layer().file('gone', b'x')
    L.omit = True
    img = w.Image([w.Layer().file('a', b'a'), L])
    info = img.write_oci(tmp + '/o2')
    rc, doc = inspect_json('oci:%s/o2' % tmp)
    eq(rc, EIMAGE)
    if info.layers[1]['digest'] not in repr(doc['errors']):
        raise TestFailure('missing layer blob not named: %r' % doc['errors'])
    if not any(e.get('layer') == 1 for e in doc['errors']):
        raise TestFailure('missing layer blob error has no layer: %r' % doc['errors'])
    img.write_docker_archive(tmp + '/d.tar', ['a:1'])
    rc, doc = inspect_json('docker-archive:%s/d.tar' % tmp)
    eq(rc, EIMAGE)
    if 'layer.tar' not in repr(doc['errors']):
        raise TestFailure('missing docker layer not named: %r' % doc['errors'])
    # a manifest pointing at an index.json that names a missing manifest
    one_layer().write_oci(tmp + '/o3')
    _set_index(tmp + '/o3', {'mediaType': w.MT_OCI_MANIFEST, 'digest': 'sha256:' + '5' * 64,
                             'size': 10})
    fails('oci:%s/o3' % tmp, EIMAGE, 'sha256:' + '5' * 64, 'missing')


@test
def layer_limits(tmp):
    img = one_layer()
    img.extra_config = {'rootfs': {'type': 'layers',
                                   'diff_ids': ['sha256:%064x' % i for i in range(10000)]}}
    img.write_oci(tmp + '/oci')
    fails('oci:%s/oci' % tmp, EIMAGE, '10000', 'layers')
    img = w.Image([w.Layer().file('a', b'a'), w.Layer().file('b', b'b')])
    img.extra_config = {'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + '4' * 64]}}
    img.write_oci(tmp + '/o2')
    fails('oci:%s/o2' % tmp, EIMAGE, 'diff_ids')
    img = w.Image([w.Layer().file('a', b'a'), w.Layer().file('b', b'b')])
    img.write_oci(tmp + '/o3')
    fails('oci:%s/o3' % tmp, EIMAGE, 'layers', args=['--limit', 'layers=1'])


@test
def symlinked_blob_refused(tmp):
    """A layout cannot point a blob at a file outside it."""
    info = one_layer().write_oci(tmp + '/oci')
    cp = os.path.join(tmp, 'oci', 'blobs', 'sha256', info.config_digest[7:])
    os.unlink(cp)
    with open(tmp + '/outside', 'w') as f:
        f.write('{"secret": true}')
    os.symlink(tmp + '/outside', cp)
    fails('oci:%s/oci' % tmp, EIMAGE, 'symbolic link')


@test
def rootfs_skips_mounted_proc(tmp):
    """rootfs:/ of a live system must not wander into proc (proc/kcore claims 128 TB)."""
    os.makedirs(tmp + '/root/proc')
    os.makedirs(tmp + '/root/etc')
    with open(tmp + '/root/etc/hostname', 'w') as f:
        f.write('box\n')
    os.symlink('/etc', tmp + '/root/hostetc')
    if os.geteuid() != 0 or subprocess.run(['mount', '-t', 'proc', 'proc', tmp + '/root/proc'],
                                           capture_output=True).returncode != 0:
        raise Skip('cannot mount proc here')
    try:
        rc, doc = inspect_json('rootfs:%s/root' % tmp, '--files')
    finally:
        subprocess.run(['umount', tmp + '/root/proc'])
    eq(rc, OK)
    eq(paths(doc), ['etc', 'etc/hostname', 'hostetc', 'proc'])
    if 'rootfs.pseudo_fs' not in [x['code'] for x in doc['warnings']]:
        raise TestFailure('no rootfs.pseudo_fs warning: %r' % doc['warnings'])


@test
def names_and_annotations(tmp):
    img = one_layer()
    img.annotations = {'org.opencontainers.image.base.name': 'docker.io/library/debian:12'}
    img.write_oci(tmp + '/oci', tag='v2')
    names = inspect_ok('oci:%s/oci' % tmp)['image']['names']
    for n in ('v2', 'docker.io/library/debian:12'):
        if n not in names:
            raise TestFailure('%s not in names %r' % (n, names))


@test
def mutated_metadata_never_crashes(tmp):
    """Byte-level mutations of index.json, manifest, config and docker manifest.json (fixed
    seed): every run ends with a documented exit code and a message, never a crash."""
    import random
    rnd = random.Random(1234)
    img = w.sample_image()
    info = img.write_oci(tmp + '/base')
    img.write_docker_archive(tmp + '/base.tar', ['a:1'])
    members = w.tar_members(tmp + '/base.tar')
    targets = ['index.json', 'blobs/sha256/' + info.manifest_digest[7:],
               'blobs/sha256/' + info.config_digest[7:]]

    def mutate(data):
        data = bytearray(data)
        for _ in range(rnd.randint(1, 4)):
            op = rnd.randint(0, 3)
            i = rnd.randrange(len(data)) if data else 0
            if op == 0 and data:
                data[i] = rnd.randrange(256)
            elif op == 1:
                data[i:i] = rnd.choice([b'[', b'{', b'"', b'\\', b'\x00', b'99999999999999999999',
                                        b'-1', b'null', b'}', b']'])
            elif op == 2 and data:
                del data[i:i + rnd.randint(1, 8)]
            else:
                data = data[:i]
        return bytes(data)

    for n in range(60):
        d = '%s/m%d' % (tmp, n)
        shutil.copytree(tmp + '/base', d)
        t = targets[n % 3]
        with open(os.path.join(d, t), 'rb') as f:
            data = f.read()
        with open(os.path.join(d, t), 'wb') as f:
            f.write(mutate(data))
        p = run(['inspect', 'oci:' + d])
        if p.returncode not in (0, 2, 3, 4) or 'Sanitizer' in p.stderr or \
                (p.returncode and not p.stderr.strip()):
            raise TestFailure('mutation %d of %s: exit %d %r' % (n, t, p.returncode, p.stderr[-500:]))
        shutil.rmtree(d)
    for n in range(30):
        m = dict(members)
        key = rnd.choice(['manifest.json', [k for k in m if k.endswith('.json') and k != 'manifest.json'][0]])
        m[key] = mutate(m[key])
        f = '%s/d%d.tar' % (tmp, n)
        w.write_tar(f, m)
        p = run(['inspect', 'docker-archive:' + f])
        if p.returncode not in (0, 2, 3, 4) or 'Sanitizer' in p.stderr:
            raise TestFailure('docker mutation %d of %s: exit %d %r' % (n, key, p.returncode,
                                                                        p.stderr[-500:]))
        os.unlink(f)


if __name__ == '__main__':
    main()
