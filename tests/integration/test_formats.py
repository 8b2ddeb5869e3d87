#!/usr/bin/env python3
"""One image written by imgwriter in every format (oci, oci-archive, docker-archive legacy
and Docker 25, dir, bare paths) must give the same findings (same ids) and file index."""
import os

from common import diff_ids, files_by_path, inspect_ok, same_everywhere, scan_ok, sev, \
    write_all_formats
from lctest import EUSAGE, TestFailure, eq, finding_ids, main, run, scan_json, test
import imgwriter as w


@test
def all_formats_same_findings(tmp):
    refs = write_all_formats(w.sample_image(), tmp)
    s, i = same_everywhere(refs)
    if not s['findings']:
        raise TestFailure('the sample image gave no findings')


@test
def compressions_same_findings(tmp):
    """gzip, zstd and uncompressed layers of the same tars: same diff_ids, same ids."""
    refs = {}
    for comp in ('gzip', 'zstd', 'none'):
        w.sample_image(comp).write_oci(os.path.join(tmp, comp))
        refs[comp] = 'oci:%s/%s' % (tmp, comp)
    # a docker archive that keeps gzip layers (docker load accepts them)
    w.sample_image().write_docker_archive(os.path.join(tmp, 'dgz.tar'), ['a:b'],
                                          compression=None)
    refs['docker-archive-gzip'] = 'docker-archive:%s/dgz.tar' % tmp
    same_everywhere(refs)


@test
def image_summary(tmp):
    img = w.sample_image()
    info = img.write_oci(tmp + '/oci')
    doc = inspect_ok('oci:%s/oci' % tmp)
    eq(diff_ids(doc), [l['diff_id'] for l in info.layers], 'diff_ids')
    layers = doc['image']['layers']
    eq([l.get('digest') for l in layers], [l['digest'] for l in info.layers], 'layer digests')
    eq([l.get('created_by') for l in layers], ['ADD rootfs /', 'RUN install', 'RUN cleanup'])
    text = repr(doc['image'])
    for want in (info.manifest_digest, info.config_digest, 'linux/amd64'):
        if want not in text:
            raise TestFailure('%s not in the image summary: %s' % (want, text[:800]))


@test
def whiteouts_in_file_index(tmp):
    w.sample_image().write_oci(tmp + '/oci')
    doc = inspect_ok('oci:%s/oci' % tmp)
    f = files_by_path(doc)
    eq([x['removed_in_layer'] for x in f['etc/secret.txt']], [2], 'etc/secret.txt removed in 2')
    eq([x['removed_in_layer'] for x in f['var/cache/old']], [2], 'opaque var/cache hides old')
    eq([x['removed_in_layer'] for x in f['var/cache/new']], [None], 'var/cache/new stays')
    eq([x['layer'] for x in f['usr/bin/tool']], [1])
    eq(f['usr/bin/tool'][0]['mode'], '4755')
    eq(f['bin/bash'][0]['link'], 'sh')
    for p in f:
        if '.wh.' in p:
            raise TestFailure('whiteout marker in the file index: %r' % p)


@test
def permissions_findings(tmp):
    w.sample_image().write_oci(tmp + '/oci')
    doc = scan_ok('oci:%s/oci' % tmp, '--scanners', 'permissions')
    eq(sev(doc, 'usr/bin/tool'), ['HIGH'], 'setuid at an odd path')
    eq(sev(doc, 'dev/null'), ['LOW'], 'standard char device')
    eq(sev(doc, 'tmp'), [], 'sticky world-writable dir')
    for f in doc['findings']:
        eq(f['detector'], 'permissions')


@test
def removed_file_still_scanned(tmp):
    """A setuid file added in layer 0 and removed in layer 1 is still reported."""
    l0 = w.Layer().dir('opt').file('opt/suid', b'x', mode=0o4755)
    l1 = w.Layer().whiteout('opt/suid')
    w.Image([l0, l1]).write_oci(tmp + '/oci')
    doc = scan_ok('oci:%s/oci' % tmp)
    hits = [f for f in doc['findings'] if f['path'] == 'opt/suid']
    if not hits:
        raise TestFailure('no finding for the removed setuid file')
    for f in hits:
        eq(f['layer_index'], 0)
        eq(f['removed_in_layer'], 1)


@test
def ids_stable_across_runs(tmp):
    w.sample_image().write_oci(tmp + '/oci')
    a = scan_ok('oci:%s/oci' % tmp)
    b = scan_ok('oci:%s/oci' % tmp, '--parallel', '1')
    eq(finding_ids(a), finding_ids(b))
    eq(a['findings'], b['findings'], 'same findings in the same order')


def _multi(tmp, nested=True):
    a = w.sample_image()
    b = w.sample_image()
    b.layers[1].file('usr/bin/armonly', b'arm', mode=0o4755)
    b.platform = ('linux', 'arm64', 'v8')
    w.Layout().add(w.Index([a, b], nested=nested), 'multi').write_dir(tmp + '/oci')
    return 'oci:%s/oci:multi' % tmp


@test
def platform_selection(tmp):
    for nested in (True, False):
        d = '%s/%d' % (tmp, nested)
        ref = _multi(d, nested)
        doc = scan_ok(ref)
        if 'usr/bin/armonly' in [f['path'] for f in doc['findings']]:
            raise TestFailure('default platform is not linux/amd64')
        doc = scan_ok(ref, '--platform', 'linux/arm64/v8')
        if 'usr/bin/armonly' not in [f['path'] for f in doc['findings']]:
            raise TestFailure('--platform linux/arm64/v8 did not select the arm64 image')
        doc = scan_ok(ref, '--platform', 'linux/arm64')
        if 'usr/bin/armonly' not in [f['path'] for f in doc['findings']]:
            raise TestFailure('--platform linux/arm64 did not select the arm64/v8 image')
        p = run(['scan', ref, '--platform', 'linux/s390x'])
        if p.returncode in (0, 1):
            raise TestFailure('no matching platform: exit %d' % p.returncode)
        if 'linux/arm64' not in p.stderr or 'linux/amd64' not in p.stderr:
            raise TestFailure('error does not list the platforms: %r' % p.stderr)


@test
def docker_schema2_manifests(tmp):
    """Docker media types (schema2 manifest, manifest list) read like OCI ones."""
    refs = {}
    w.sample_image().write_oci(tmp + '/oci')
    refs['oci'] = 'oci:%s/oci' % tmp
    d = w.sample_image()
    d.manifest_format = 'docker'
    d.write_dir(tmp + '/dir')
    refs['dir-schema2'] = 'dir:%s/dir' % tmp
    d.write_oci(tmp + '/oci2')
    refs['oci-schema2'] = 'oci:%s/oci2' % tmp
    arm = w.sample_image()
    arm.manifest_format = 'docker'
    arm.platform = ('linux', 'arm64')
    arm.layers[1].file('usr/bin/armonly', b'arm', mode=0o4755)
    w.Layout().add(w.Index([d, arm], media_type=w.MT_DOCKER_LIST), 'm').write_dir(tmp + '/list')
    refs['docker-list'] = 'oci:%s/list:m' % tmp
    same_everywhere(refs)
    doc = scan_ok('oci:%s/list:m' % tmp, '--platform', 'linux/arm64')
    if 'usr/bin/armonly' not in [f['path'] for f in doc['findings']]:
        raise TestFailure('--platform linux/arm64 in a docker manifest list')


@test
def several_tags_ambiguous(tmp):
    a = w.sample_image()
    b = w.Image([w.Layer().file('x', b'1')])
    w.Layout().add(a, 'one').add(b, 'two').write_dir(tmp + '/oci')
    p = run(['scan', 'oci:%s/oci' % tmp])
    eq(p.returncode, EUSAGE, 'ambiguous oci layout')
    if 'one' not in p.stderr or 'two' not in p.stderr:
        raise TestFailure('ambiguity error does not list the tags: %r' % p.stderr)
    doc = inspect_ok('oci:%s/oci:two' % tmp)
    eq([f['path'] for f in doc['files']], ['x'])
    # the same in an archive
    w.Layout().add(a, 'one').add(b, 'two').write_archive(tmp + '/oci.tar')
    eq(run(['scan', 'oci-archive:%s/oci.tar' % tmp]).returncode, EUSAGE)
    doc = inspect_ok('oci-archive:%s/oci.tar:two' % tmp)
    eq([f['path'] for f in doc['files']], ['x'])


@test
def docker_archive_several_images(tmp):
    a = w.sample_image()
    b = w.Image([w.Layer().file('x', b'1')])
    for layout in ('legacy', 'docker25'):
        f = '%s/%s.tar' % (tmp, layout)
        w.DockerArchive(layout).add(a, ['first:1']).add(b, ['second:2']).write(f)
        p = run(['scan', 'docker-archive:' + f])
        eq(p.returncode, EUSAGE, 'ambiguous docker archive (%s)' % layout)
        if 'second:2' not in p.stderr:
            raise TestFailure('ambiguity error does not list the names: %r' % p.stderr)
        eq([x['path'] for x in inspect_ok('docker-archive:%s:second:2' % f)['files']], ['x'])
        eq([x['path'] for x in inspect_ok('docker-archive:%s:@1' % f)['files']], ['x'])
        doc = inspect_ok('docker-archive:%s:@0' % f)
        if 'usr/bin/tool' not in [x['path'] for x in doc['files']]:
            raise TestFailure('@0 is not the first image')


@test
def config_summary(tmp):
    img = w.sample_image()
    img.config.update(User='1000:1000', ExposedPorts={'3333/tcp': {}},
                      Labels={'org.example': 'v'})
    img.write_oci(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp)
    text = repr(doc['image'])
    for want in ('3333/tcp', '1000:1000', '/bin/sh'):
        if want not in text:
            raise TestFailure('%r not in the image summary %s' % (want, text[:1000]))


if __name__ == '__main__':
    main()
