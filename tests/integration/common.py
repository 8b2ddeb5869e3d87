"""Shared helpers of the integration tests (end to end through the CLI)."""
import os

import imgwriter as w
from lctest import TestFailure, eq, finding_ids, inspect_json, scan_json


def write_all_formats(img, tmp, tag='latest', name='image:latest'):
    """Write img in every format laocoon reads; -> {label: reference}."""
    refs = {}
    img.write_oci(os.path.join(tmp, 'oci'), tag=tag)
    refs['oci'] = 'oci:%s/oci:%s' % (tmp, tag)
    img.write_oci_archive(os.path.join(tmp, 'oci.tar'), tag=tag)
    refs['oci-archive'] = 'oci-archive:%s/oci.tar:%s' % (tmp, tag)
    img.write_docker_archive(os.path.join(tmp, 'docker.tar'), [name], layout='legacy')
    refs['docker-archive'] = 'docker-archive:%s/docker.tar' % tmp
    img.write_docker_archive(os.path.join(tmp, 'docker25.tar'), [name], layout='docker25')
    refs['docker-archive-25'] = 'docker-archive:%s/docker25.tar' % tmp
    img.write_dir(os.path.join(tmp, 'dir'))
    refs['dir'] = 'dir:%s/dir' % tmp
    # bare paths, auto-detected
    refs['bare-oci'] = '%s/oci' % tmp
    refs['bare-oci-archive'] = '%s/oci.tar' % tmp
    refs['bare-docker-archive'] = '%s/docker.tar' % tmp
    refs['bare-docker-archive-25'] = '%s/docker25.tar' % tmp
    refs['bare-dir'] = '%s/dir' % tmp
    return refs


FILE_KEYS = ('path', 'type', 'mode', 'uid', 'gid', 'size', 'link', 'layer', 'removed_in_layer')


def file_index(doc):
    """The file index of an `inspect --files --format json` report, as comparable tuples."""
    if 'files' not in doc:
        raise TestFailure('no "files" in the report (inspect --files)')
    return sorted(tuple(f.get(k) for k in FILE_KEYS) for f in doc['files'])


def files_by_path(doc):
    out = {}
    for f in doc['files']:
        out.setdefault(f['path'], []).append(f)
    return out


def diff_ids(doc):
    return [l.get('diff_id') for l in doc['image'].get('layers', [])]


def scan_ok(ref, *args):
    rc, doc = scan_json(ref, *args)
    if rc not in (0, 1):
        raise TestFailure('scan %s exited %d: errors %r' % (ref, rc, doc and doc.get('errors')))
    eq(doc['complete'], True, 'complete for ' + ref)
    return doc


def inspect_ok(ref, *args):
    rc, doc = inspect_json(ref, '--files', *args)
    if rc != 0:
        raise TestFailure('inspect %s exited %d: errors %r' % (ref, rc,
                                                             doc and doc.get('errors')))
    return doc


def same_everywhere(refs, scan_args=()):
    """Scan and inspect every reference; all must give the same finding ids, diff_ids
    and file index. -> (scan doc, inspect doc) of the first."""
    first = None
    for label, ref in refs.items():
        s = scan_ok(ref, *scan_args)
        i = inspect_ok(ref)
        cur = (finding_ids(s), diff_ids(i), file_index(i))
        if first is None:
            first = (label, cur, s, i)
            continue
        eq(cur[0], first[1][0], 'finding ids of %s vs %s' % (label, first[0]))
        eq(cur[1], first[1][1], 'diff_ids of %s vs %s' % (label, first[0]))
        if cur[2] != first[1][2]:
            a, b = set(cur[2]), set(first[1][2])
            raise TestFailure('file index of %s differs from %s: only in %s: %r; only in %s: %r'
                              % (label, first[0], label, sorted(a - b)[:10], first[0],
                                 sorted(b - a)[:10]))
    return first[2], first[3]


def sev(doc, path):
    """Severities of the findings on a path."""
    return sorted(f['severity'] for f in doc['findings'] if f.get('path') == path)


__all__ = ['write_all_formats', 'file_index', 'files_by_path', 'diff_ids', 'scan_ok',
           'inspect_ok', 'same_everywhere', 'sev', 'w']
