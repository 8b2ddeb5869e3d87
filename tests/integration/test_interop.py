#!/usr/bin/env python3
"""Images made by real tools, skopeo and umoci (required: make check installs them), in
every supported format, must read identically: same finding ids, diff_ids, file index."""
import os

from common import files_by_path, inspect_ok, same_everywhere, scan_ok, sev
from lctest import OK, TestFailure, eq, main, need_tool, sh, test
import imgwriter as w


def skopeo(src, dst, *opts):
    need_tool('skopeo')
    sh(['skopeo', 'copy', '-q'] + list(opts) + [src, dst])


def skopeo_everywhere(tmp, src, name='interop:latest'):
    """Copy src with skopeo to every destination format; -> {label: reference}."""
    refs = {}
    skopeo(src, 'oci:%s/sk-oci:latest' % tmp)
    refs['skopeo-oci'] = 'oci:%s/sk-oci:latest' % tmp
    skopeo(src, 'oci-archive:%s/sk-oci.tar:latest' % tmp)
    refs['skopeo-oci-archive'] = 'oci-archive:%s/sk-oci.tar:latest' % tmp
    skopeo(src, 'docker-archive:%s/sk-docker.tar:%s' % (tmp, name))
    refs['skopeo-docker-archive'] = 'docker-archive:%s/sk-docker.tar' % tmp
    refs['skopeo-docker-archive-named'] = 'docker-archive:%s/sk-docker.tar:%s' % (tmp, name)
    skopeo(src, 'dir:%s/sk-dir' % tmp)
    refs['skopeo-dir'] = 'dir:%s/sk-dir' % tmp
    skopeo(src, 'dir:%s/sk-dir-plain' % tmp, '--dest-decompress')
    refs['skopeo-dir-uncompressed'] = 'dir:%s/sk-dir-plain' % tmp
    skopeo(src, 'oci:%s/sk-zstd:latest' % tmp, '--dest-compress-format', 'zstd')
    refs['skopeo-oci-zstd'] = 'oci:%s/sk-zstd:latest' % tmp
    # and back: from the docker archive (uncompressed layers) to an OCI layout
    skopeo('docker-archive:%s/sk-docker.tar' % tmp, 'oci:%s/sk-back:latest' % tmp)
    refs['skopeo-docker-to-oci'] = 'oci:%s/sk-back:latest' % tmp
    return refs


@test
def skopeo_formats(tmp):
    w.sample_image().write_oci(tmp + '/src', tag='latest')
    refs = {'imgwriter': 'oci:%s/src:latest' % tmp}
    refs.update(skopeo_everywhere(tmp, refs['imgwriter']))
    s, i = same_everywhere(refs)
    if not s['findings']:
        raise TestFailure('no findings')


@test
def skopeo_reads_what_imgwriter_writes(tmp):
    """The writer's own formats are valid for skopeo (guards the test helper itself)."""
    img = w.sample_image()
    img.write_oci_archive(tmp + '/a.tar')
    img.write_docker_archive(tmp + '/d.tar', ['x:y'])
    img.write_docker_archive(tmp + '/d25.tar', ['x:y'], layout='docker25')
    img.write_dir(tmp + '/dir')
    for src in ('oci-archive:%s/a.tar:latest', 'docker-archive:%s/d.tar',
                'docker-archive:%s/d25.tar', 'dir:%s/dir'):
        skopeo(src % tmp, 'oci:%s/out:x' % tmp)


@test
def skopeo_multi_platform(tmp):
    """skopeo copy --all of a multi-platform index to dir: and oci-archive:."""
    a = w.sample_image()
    b = w.sample_image()
    b.layers[1].file('usr/bin/armonly', b'arm', mode=0o4755)
    b.platform = ('linux', 'arm64', 'v8')
    w.Layout().add(w.Index([a, b]), 'multi').write_dir(tmp + '/oci')
    skopeo('oci:%s/oci:multi' % tmp, 'dir:%s/skdir' % tmp, '--all')
    skopeo('oci:%s/oci:multi' % tmp, 'oci-archive:%s/sk.tar:multi' % tmp, '--all')
    for ref in ('oci:%s/oci:multi', 'dir:%s/skdir', 'oci-archive:%s/sk.tar:multi'):
        ref = ref % tmp
        amd = scan_ok(ref)
        arm = scan_ok(ref, '--platform', 'linux/arm64')
        paths = lambda d: [f['path'] for f in d['findings']]  # noqa: E731
        if 'usr/bin/armonly' in paths(amd) or 'usr/bin/armonly' not in paths(arm):
            raise TestFailure('%s: platform selection wrong' % ref)


def umoci_image(tmp):
    """An image made with umoci: init, new, insert (two layers), a whiteout, config."""
    need_tool('umoci')
    src = tmp + '/src'
    os.makedirs(src + '/etc')
    os.makedirs(src + '/usr/local/bin')
    os.makedirs(src + '/srv/share')
    with open(src + '/etc/passwd', 'w') as f:
        f.write('root:x:0:0:root:/root:/bin/sh\n')
    with open(src + '/etc/removed', 'w') as f:
        f.write('gone later\n')
    with open(src + '/usr/local/bin/helper', 'w') as f:
        f.write('#!/bin/sh\n')
    os.chmod(src + '/usr/local/bin/helper', 0o4755)
    os.chmod(src + '/srv/share', 0o777)
    lay = tmp + '/umoci'
    sh(['umoci', 'init', '--layout', lay])
    sh(['umoci', 'new', '--image', lay + ':t'])
    sh(['umoci', 'insert', '--image', lay + ':t', src, '/'])
    sh(['umoci', 'insert', '--image', lay + ':t', '--whiteout', '/etc/removed'])
    sh(['umoci', 'config', '--image', lay + ':t', '--config.entrypoint', '/bin/sh',
        '--config.user', '1000', '--config.env', 'A=b', '--config.exposedports', '8080/tcp'])
    return 'oci:%s:t' % lay


@test
def umoci_image_reads(tmp):
    ref = umoci_image(tmp)
    s = scan_ok(ref)
    eq(sev(s, 'usr/local/bin/helper'), ['HIGH'], 'setuid in usr/local/bin')
    eq(sev(s, 'srv/share'), ['MEDIUM'], 'world-writable dir')
    i = inspect_ok(ref)
    f = files_by_path(i)
    eq([x['removed_in_layer'] for x in f['etc/removed']], [1], 'umoci whiteout')
    eq(len(i['image']['layers']), 2)
    # umoci 0.4.7 writes the root as its first entry ("/" or "./"): not a file of the view
    for p in f:
        if p in ('', '.', '/'):
            raise TestFailure('root entry in the file index: %r' % p)


@test
def umoci_image_every_format(tmp):
    ref = umoci_image(tmp)
    refs = {'umoci': ref}
    refs.update(skopeo_everywhere(tmp, ref))
    same_everywhere(refs)


@test
def umoci_repack_whiteout(tmp):
    """umoci unpack + repack: real whiteouts written by a real tool."""
    if os.geteuid() != 0:
        from lctest import Skip
        raise Skip('umoci unpack/repack as non-root needs --rootless')
    ref = umoci_image(tmp)
    lay = ref[len('oci:'):].rsplit(':', 1)[0]
    bundle = tmp + '/bundle'
    sh(['umoci', 'unpack', '--image', lay + ':t', bundle])
    os.unlink(bundle + '/rootfs/usr/local/bin/helper')
    with open(bundle + '/rootfs/etc/new', 'w') as f:
        f.write('new\n')
    sh(['umoci', 'repack', '--image', lay + ':t2', bundle])
    s = scan_ok('oci:%s:t2' % lay)
    hits = [x for x in s['findings'] if x['path'] == 'usr/local/bin/helper']
    if not hits:
        raise TestFailure('the removed setuid file is not reported')
    eq([x['removed_in_layer'] for x in hits], [2] * len(hits))
    i = inspect_ok('oci:%s:t2' % lay)
    if 'etc/new' not in files_by_path(i):
        raise TestFailure('etc/new missing')


if __name__ == '__main__':
    main()
