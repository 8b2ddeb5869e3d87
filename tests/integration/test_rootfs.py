#!/usr/bin/env python3
"""A real Debian root filesystem (debootstrap --variant=minbase bookworm, built once by
scripts/fixture-debootstrap.sh and cached outside the repo): as rootfs:, as a bare path,
and as an OCI image (imgwriter from its tar; umoci insert) it scans without error."""
import os

from common import scan_ok, sev
from lctest import OK, TestFailure, debootstrap_rootfs, eq, finding_ids, main, need_tool, \
    sh, test
import imgwriter as w

STD_SETUID = ('usr/bin/passwd', 'usr/bin/su', 'usr/bin/mount', 'usr/bin/umount',
              'usr/bin/chsh', 'usr/bin/chfn', 'usr/bin/newgrp', 'usr/bin/gpasswd')


def keyset(doc):
    """What should not depend on how the tree was packaged (ids do: they carry diff_ids)."""
    return sorted((f['rule_id'], f.get('path'), f['severity']) for f in doc['findings']
                  if f['source'] == 'file')


@test
def rootfs_scan():
    root = debootstrap_rootfs()
    doc = scan_ok('rootfs:' + root)
    eq(doc['errors'], [], 'errors')
    for p in ('usr/bin/passwd', 'usr/bin/su', 'usr/bin/mount'):
        eq(sev(doc, p), ['INFO'], 'standard setuid ' + p)
    for p in ('dev/null', 'dev/zero', 'dev/urandom', 'dev/tty', 'dev/ptmx'):
        eq(sev(doc, p), ['LOW'], 'standard device ' + p)
    # the permissions detector must not cry wolf on a clean Debian (other detectors have
    # their own false-positive tests)
    highs = [f for f in doc['findings'] if f['severity'] in ('HIGH', 'CRITICAL')
             and f['detector'] == 'permissions']
    if highs:
        raise TestFailure('HIGH findings on a clean Debian rootfs: %r' % [
            (f['rule_id'], f['path']) for f in highs][:20])
    # dev/fd -> /proc/self/fd must not be followed (no host /proc content)
    for f in doc['findings']:
        if (f.get('path') or '').startswith('proc/'):
            raise TestFailure('a symlink was followed: %r' % f)


@test
def rootfs_bare_path():
    root = debootstrap_rootfs()
    a = scan_ok('rootfs:' + root)
    b = scan_ok(root)
    eq(finding_ids(a), finding_ids(b), 'rootfs: vs bare directory')


@test
def rootfs_as_oci_image(tmp):
    root = debootstrap_rootfs()
    with open(os.path.join(os.path.dirname(root), 'rootfs.tar'), 'rb') as f:
        tar = f.read()
    w.Image([w.Layer.from_tar(tar, 'gzip', created_by='debootstrap')]).write_oci(tmp + '/oci')
    img = scan_ok('oci:%s/oci' % tmp)
    eq(img['errors'], [], 'errors')
    fs = scan_ok('rootfs:' + root)
    if keyset(img) != keyset(fs):
        a, b = set(keyset(img)), set(keyset(fs))
        raise TestFailure('image vs rootfs: only in image %r; only in rootfs %r' % (
            sorted(a - b)[:10], sorted(b - a)[:10]))


@test
def rootfs_umoci_insert(tmp):
    need_tool('umoci')
    root = debootstrap_rootfs()
    lay = tmp + '/umoci'
    sh(['umoci', 'init', '--layout', lay])
    sh(['umoci', 'new', '--image', lay + ':t'])
    sh(['umoci', 'insert', '--image', lay + ':t', root, '/'], timeout=600)
    doc = scan_ok('oci:%s:t' % lay)
    eq(doc['errors'], [], 'errors')
    for p in STD_SETUID[:3]:
        eq(sev(doc, p), ['INFO'], 'standard setuid ' + p)


if __name__ == '__main__':
    main()
