#!/usr/bin/env python3
"""gen.py - the hostile-image corpus: images an attacker could craft to crash, hang,
exhaust or steer a scanner. Each case writes its image into a directory and returns what
laocoon must do with it.

    python3 gen.py OUTDIR [NAME...]     writes OUTDIR/<case>/ and OUTDIR/cases.json

A case returns dict(ref=..., args=[...], rc={allowed exit codes}, findings=[rule ids that
must be reported], warnings=[codes], errors=[codes], seconds=bound). Huge inputs are sparse
files or streams, never large files on disk; nothing here is committed as data.
"""

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'helpers'))
import imgwriter as w  # noqa: E402

OK, FINDINGS, EUSAGE, EIMAGE, EINTEGRITY, EINTERNAL, EINCOMPLETE = range(7)
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def base_layer(comp='gzip'):
    L = w.Layer(comp)
    L.dir('etc')
    L.file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    L.file('etc/os-release', b'ID=hostile\n')
    return L


def oci(d, img, tag='latest'):
    img.write_oci(os.path.join(d, 'img'), tag=tag)
    return 'oci:' + os.path.join(d, 'img')


# ---- paths and links ---------------------------------------------------------------
@case
def path_traversal(d):
    L = base_layer()
    L.file('../../../../tmp/laocoon-escape', b'pwned\n')
    L.file('etc/../../outside', b'x')
    return dict(ref=oci(d, w.Image([L])), rc={OK}, findings=['layer.path_traversal'])


@case
def absolute_paths(d):
    L = base_layer()
    L.file('/etc/cron.d/evil', b'* * * * * root sh\n')
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def symlink_loop_and_chain(d):
    L = base_layer()
    L.symlink('a', 'b').symlink('b', 'c').symlink('c', 'a')
    L.symlink('self', 'self')
    L.symlink('up', '../../../../../../')
    L.symlink('root', '/')
    L.symlink('proc-fd', '/proc/self/fd')
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def file_beneath_symlink(d):
    # A file written "through" a symlink must not land outside: it is just a path.
    L = base_layer()
    L.symlink('escape', '/etc')
    L.file('escape/shadow', b'root::0:0:99999:7:::\n')
    L2 = w.Layer()
    L2.file('escape/cron', b'x')
    return dict(ref=oci(d, w.Image([L, L2])), rc={OK})


@case
def hardlink_outside(d):
    L = base_layer()
    L.hardlink('etc/hl', '../../../etc/shadow')
    L.hardlink('etc/hl2', 'does/not/exist')
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def hardlink_to_later_entry(d):
    L = w.Layer()
    L.hardlink('first', 'second')
    L.file('second', b'data')
    L.hardlink('loop', 'loop')
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def devices_and_fifos(d):
    L = base_layer()
    L.dir('dev')
    L.chardev('dev/null', 1, 3).chardev('dev/mem', 1, 1).blockdev('dev/sda', 8, 0)
    L.chardev('dev/huge', 0xFFFFF, 0xFFFFF)
    L.fifo('run/fifo').fifo('dev/initctl')
    ti = tarfile.TarInfo('run/sock')
    ti.type = b'S'  # not a real tar type: unknown types must be handled
    L.raw(ti)
    return dict(ref=oci(d, w.Image([L])), rc={OK}, findings=['perm.block_device'])


@case
def unknown_entry_types(d):
    L = base_layer()
    for t in (b'V', b'M', b'X', b'Z', b'9'):
        ti = tarfile.TarInfo('odd-' + t.decode())
        ti.type = t
        L.raw(ti)
    return dict(ref=oci(d, w.Image([L])), rc={OK, EIMAGE})


# ---- sizes and counts ----------------------------------------------------------------
@case
def sparse_10g_file(d):
    """A 10 GB file that is nearly all hole: GNU tar stores it in a few KB."""
    src = os.path.join(d, 'src')
    os.makedirs(src)
    with open(os.path.join(src, 'big'), 'wb') as f:
        f.truncate(10 << 30)
        f.seek(5 << 30)
        f.write(b'stratum+tcp://pool.example:3333 in the middle of nowhere\n')
    tar = subprocess.run(['tar', '--sparse', '--format=posix', '-C', src, '-cf', '-', 'big'],
                         stdout=subprocess.PIPE, check=True).stdout
    L = w.Layer.from_tar(tar, 'gzip')
    return dict(ref=oci(d, w.Image([base_layer(), L])), rc={OK}, seconds=120)


def empty_files_tar(n):
    """n empty regular files, written header by header (tarfile is too slow for 1M)."""
    out = io.BytesIO()
    for i in range(n):
        ti = tarfile.TarInfo('f/%07d' % i)
        ti.mtime = 0
        out.write(ti.tobuf(tarfile.USTAR_FORMAT))
    out.write(b'\0' * 1024)
    return out.getvalue()


@case
def million_empty_files(d):
    n = int(os.environ.get('LC_HOSTILE_MANY', '1000000'))
    tar = empty_files_tar(n)
    L = w.Layer.from_tar(tar, 'gzip')
    return dict(ref=oci(d, w.Image([L])), rc={OK}, seconds=300)


@case
def too_many_entries(d):
    tar = empty_files_tar(5000)
    L = w.Layer.from_tar(tar, 'gzip')
    return dict(ref=oci(d, w.Image([L])), args=['--limit', 'entries-per-layer=1000'],
                rc={EIMAGE, EINCOMPLETE})


@case
def thousand_layers(d):
    layers = []
    for i in range(1000):
        L = w.Layer('gzip')
        L.file('l/%04d' % i, b'%d' % i)
        layers.append(L)
    return dict(ref=oci(d, w.Image(layers)), rc={EIMAGE}, seconds=120)


@case
def thousand_layers_allowed(d):
    layers = []
    for i in range(1000):
        L = w.Layer('none')
        L.file('l/%04d' % i, b'%d' % i)
        if i % 2:
            L.whiteout('l/%04d' % (i - 1))
        layers.append(L)
    return dict(ref=oci(d, w.Image(layers)), args=['--limit', 'layers=2000'], rc={OK},
                seconds=180)


@case
def name_64k(d):
    L = base_layer()
    L.file('a/' + 'x' * 65536, b'long')
    L.symlink('longlink', 'y' * 65536)
    return dict(ref=oci(d, w.Image([L])), rc={OK})


def bomb(d, comp, mb):
    tar_head = tarfile.TarInfo('zeros')
    tar_head.size = mb << 20
    tar_head.mtime = 0

    def gen():
        yield tar_head.tobuf(tarfile.USTAR_FORMAT)
        chunk = b'\0' * (1 << 20)
        for _ in range(mb):
            yield chunk
        yield b'\0' * 1024
    if comp == 'gzip':
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        blob = b''.join(c.compress(x) for x in gen()) + c.flush()
    else:
        p = subprocess.Popen(['zstd', '-q', '-19', '-c'], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
        import threading
        out = []
        t = threading.Thread(target=lambda: out.append(p.stdout.read()))
        t.start()
        for x in gen():
            p.stdin.write(x)
        p.stdin.close()
        t.join()
        p.wait()
        blob = out[0]
    path = os.path.join(d, 'img')
    # The blob is made outside imgwriter (streamed); wrap it as a layer whose tar we don't
    # keep in memory: build a tiny image, then swap in the bomb blob with right digests.
    L = w.Layer(comp)
    L.file('placeholder', b'')
    img = w.Image([L])
    info = img.write_oci(path)
    import hashlib
    lay = info.layers[0]
    bdig = 'sha256:' + hashlib.sha256(blob).hexdigest()
    blobs = os.path.join(path, 'blobs', 'sha256')
    os.unlink(os.path.join(blobs, lay['digest'].split(':')[1]))
    with open(os.path.join(blobs, bdig.split(':')[1]), 'wb') as f:
        f.write(blob)
    # rewrite manifest (digest, size) and index
    man_p = os.path.join(blobs, info.manifest_digest.split(':')[1])
    man = json.load(open(man_p))
    man['layers'][0]['digest'] = bdig
    man['layers'][0]['size'] = len(blob)
    mb_ = json.dumps(man).encode()
    os.unlink(man_p)
    mdig = 'sha256:' + hashlib.sha256(mb_).hexdigest()
    open(os.path.join(blobs, mdig.split(':')[1]), 'wb').write(mb_)
    idx = json.load(open(os.path.join(path, 'index.json')))
    idx['manifests'][0]['digest'] = mdig
    idx['manifests'][0]['size'] = len(mb_)
    json.dump(idx, open(os.path.join(path, 'index.json'), 'w'))
    return 'oci:' + path


@case
def gzip_bomb(d):
    return dict(ref=bomb(d, 'gzip', 256), args=['--limit', 'decompression-ratio=100'],
                rc={EIMAGE, EINCOMPLETE, EINTEGRITY}, seconds=120)


@case
def zstd_bomb(d):
    return dict(ref=bomb(d, 'zstd', 256), args=['--limit', 'decompression-ratio=100'],
                rc={EIMAGE, EINCOMPLETE, EINTEGRITY}, seconds=120)


# ---- truncation at every structural point ------------------------------------------
def truncated(d, comp, cut):
    L = base_layer(comp)
    L.file('etc/big', os.urandom(1 << 16))
    full = L.build()['blob']
    n = cut(len(full))
    L.truncate(n, after_digest=False)
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE, EINTEGRITY})


@case
def gzip_truncated_header(d):
    return truncated(d, 'gzip', lambda n: 5)


@case
def gzip_truncated_data(d):
    return truncated(d, 'gzip', lambda n: n // 2)


@case
def gzip_truncated_trailer(d):
    return truncated(d, 'gzip', lambda n: n - 4)


@case
def zstd_truncated_header(d):
    return truncated(d, 'zstd', lambda n: 3)


@case
def zstd_truncated_data(d):
    return truncated(d, 'zstd', lambda n: n // 2)


@case
def tar_truncated_in_header(d):
    L = base_layer('none')
    L.file('etc/x', b'y' * 5000)
    L.tar_mangle(lambda t: t[:512 * 3 + 100])
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE})


@case
def tar_truncated_in_data(d):
    L = base_layer('gzip')
    L.file('etc/x', b'y' * 50000)
    L.tar_mangle(lambda t: w.tar_strip_eof(t)[:-20000])
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE})


@case
def tar_unterminated_umoci_style(d):
    L = base_layer('gzip')
    L.file('etc/last', b'last entry data without padding')
    L.tar_mangle(w.tar_strip_eof)
    return dict(ref=oci(d, w.Image([L])), rc={OK}, warnings=['layer.tar_unterminated'])


@case
def tar_broken_header(d):
    L = base_layer('gzip')
    L.tar_mangle(lambda t: w.tar_break_header(t, 1))
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE})


@case
def tar_trailing_garbage(d):
    L = base_layer('gzip')
    L.tar_mangle(lambda t: t + os.urandom(3000))
    return dict(ref=oci(d, w.Image([L])), rc={OK, EIMAGE})


@case
def garbage_blob(d):
    L = base_layer('gzip')
    L.mangle(lambda b: os.urandom(4096), after_digest=False)
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE})


@case
def empty_blob(d):
    L = base_layer('none')
    L.mangle(lambda b: b'', after_digest=False)
    return dict(ref=oci(d, w.Image([L])), rc={OK, EIMAGE, EINTEGRITY})


@case
def huge_size_field(d):
    L = base_layer('none')
    L.file('etc/claims-huge', b'abc')

    def f(t):
        t = bytearray(t)
        # the last regular entry's size field: claim 8 GiB - 1 (octal 77777777777)
        off = 0
        last = 0
        while off + 512 <= len(t) and t[off:off + 512] != b'\0' * 512:
            last = off
            size = int(bytes(t[off + 124:off + 136]).strip(b'\0 ') or b'0', 8)
            off += 512 + (size + 511) // 512 * 512
        t[last + 124:last + 136] = b'77777777777\0'
        s = sum(t[last:last + 148]) + 8 * 32 + sum(t[last + 156:last + 512])
        t[last + 148:last + 156] = b'%06o\0 ' % s
        return bytes(t)
    L.tar_mangle(f)
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE})


# ---- digests and media types ---------------------------------------------------------
@case
def wrong_blob_digest(d):
    L = base_layer()
    L.flip(40, after_digest=True)
    return dict(ref=oci(d, w.Image([L])), rc={EINTEGRITY})


@case
def wrong_diff_id(d):
    L = base_layer()
    L.diff_id = 'sha256:' + '0' * 64
    return dict(ref=oci(d, w.Image([L])), rc={EINTEGRITY})


@case
def wrong_config_digest(d):
    img = w.Image([base_layer()])
    img.config_digest = 'sha256:' + '1' * 64
    return dict(ref=oci(d, img), rc={EINTEGRITY})


@case
def wrong_manifest_digest(d):
    img = w.Image([base_layer()])
    img.manifest_digest = 'sha256:' + '2' * 64
    return dict(ref=oci(d, img), rc={EINTEGRITY})


@case
def media_type_lies_zstd_as_gzip(d):
    L = base_layer('zstd')
    L.media_type = w.MT_OCI_LAYER['gzip']
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def media_type_lies_gzip_as_tar(d):
    L = base_layer('gzip')
    L.media_type = w.MT_OCI_LAYER['none']
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def missing_blob(d):
    L = base_layer()
    L.omit = True
    return dict(ref=oci(d, w.Image([L])), rc={EIMAGE})


@case
def bad_digest_syntax(d):
    img = w.Image([base_layer()])
    path = os.path.join(d, 'img')
    img.write_oci(path)
    idx = json.load(open(os.path.join(path, 'index.json')))
    idx['manifests'][0]['digest'] = 'sha256:../../../../etc/passwd'
    json.dump(idx, open(os.path.join(path, 'index.json'), 'w'))
    return dict(ref='oci:' + path, rc={EIMAGE, EINTEGRITY})


# ---- whiteouts -------------------------------------------------------------------------
@case
def duplicate_entries(d):
    L = base_layer()
    L.file('etc/dup', b'first')
    L.file('etc/dup', b'second')
    return dict(ref=oci(d, w.Image([L])), rc={OK}, warnings=['layer.duplicate_entry'])


@case
def whiteout_of_root(d):
    L = base_layer()
    L2 = w.Layer()
    L2.file('.wh..', b'')
    L2.file('.wh.', b'')
    L2.file('./.wh..wh..opq', b'')
    return dict(ref=oci(d, w.Image([L, L2])), rc={OK})


@case
def whiteout_in_first_layer(d):
    L = w.Layer()
    L.whiteout('etc/passwd')
    L.opaque('etc')
    L.file('etc/passwd', b'root:x:0:0::/root:/bin/sh\n')
    return dict(ref=oci(d, w.Image([L])), rc={OK})


@case
def opaque_marker_on_file(d):
    L = base_layer()
    L2 = w.Layer()
    L2.file('etc/passwd/.wh..wh..opq', b'')
    L2.file('etc/os-release/.wh.x', b'')
    return dict(ref=oci(d, w.Image([L, L2])), rc={OK})


# ---- names that attack the terminal --------------------------------------------------
@case
def hostile_names(d):
    L = base_layer()
    L.file(b'bad\xff\xfename', b'x', mode=0o4755)
    L.file('esc\x1b[2J\x1b]0;pwned\x07title', b'x', mode=0o4755)
    L.file('ctl\r\n\x08\x7f\x9bname', b'x', mode=0o4755)
    L.symlink('lnk\x1b[31m', '\x1b]52;c;cHduZWQ=\x07')
    return dict(ref=oci(d, w.Image([L])), rc={OK}, table=True,
                findings=['perm.setuid'])


# ---- JSON and manifests -----------------------------------------------------------------
@case
def json_deep_config(d):
    img = w.Image([base_layer()])
    depth = 1000000
    img.config_raw = b'[' * depth + b']' * depth
    return dict(ref=oci(d, img), rc={EIMAGE})


@case
def json_deep_index(d):
    img = w.Image([base_layer()])
    path = os.path.join(d, 'img')
    img.write_oci(path)
    depth = 1000000
    open(os.path.join(path, 'index.json'), 'wb').write(b'{"a":' * depth + b'1' + b'}' * depth)
    return dict(ref='oci:' + path, rc={EIMAGE})


@case
def manifest_2g_sparse(d):
    img = w.Image([base_layer()])
    path = os.path.join(d, 'img')
    info = img.write_oci(path)
    mp = os.path.join(path, 'blobs', 'sha256', info.manifest_digest.split(':')[1])
    with open(mp, 'r+b') as f:
        f.truncate(2 << 30)  # sparse: 2 GB of holes after the real JSON
    return dict(ref='oci:' + path, rc={EIMAGE, EINTEGRITY}, seconds=30)


@case
def bad_json(d):
    img = w.Image([base_layer()])
    img.config_raw = b'{"architecture": "amd64", "rootfs": {"diff_ids": [}'
    return dict(ref=oci(d, img), rc={EIMAGE})


@case
def index_points_to_itself(d):
    img = w.Image([base_layer()])
    path = os.path.join(d, 'img')
    img.write_oci(path)
    import hashlib
    # An index blob that lists its own digest can't be made (fixed point); use two
    # indexes that point at each other, and one listing a digest equal to index.json's.
    blobs = os.path.join(path, 'blobs', 'sha256')
    a = {'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX, 'manifests': []}
    ab = json.dumps(a).encode()
    ad = hashlib.sha256(ab).hexdigest()
    b = {'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX, 'manifests': [
        {'mediaType': w.MT_OCI_INDEX, 'digest': 'sha256:' + ad, 'size': len(ab)}]}
    bb = json.dumps(b).encode()
    bd = hashlib.sha256(bb).hexdigest()
    # a points to b (a's content changes its digest; store it under the old name: the
    # reader must notice the digest mismatch or the loop, not follow forever)
    a['manifests'] = [{'mediaType': w.MT_OCI_INDEX, 'digest': 'sha256:' + bd,
                       'size': len(bb), 'platform': {'os': 'linux', 'architecture': 'amd64'}}]
    open(os.path.join(blobs, ad), 'wb').write(json.dumps(a).encode())
    open(os.path.join(blobs, bd), 'wb').write(bb)
    idx = {'schemaVersion': 2, 'mediaType': w.MT_OCI_INDEX, 'manifests': [
        {'mediaType': w.MT_OCI_INDEX, 'digest': 'sha256:' + bd, 'size': len(bb),
         'annotations': {'org.opencontainers.image.ref.name': 'latest'}}]}
    json.dump(idx, open(os.path.join(path, 'index.json'), 'w'))
    return dict(ref='oci:' + path, rc={EIMAGE, EINTEGRITY})


@case
def config_claims_10000_diff_ids(d):
    img = w.Image([base_layer()])
    img.extra_config = {'rootfs': {'type': 'layers',
                                   'diff_ids': ['sha256:%064x' % i for i in range(10000)]}}
    return dict(ref=oci(d, img), rc={EIMAGE})


@case
def layer_count_mismatch(d):
    img = w.Image([base_layer(), base_layer()])
    img.extra_config = {'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + '3' * 64]}}
    return dict(ref=oci(d, img), rc={EIMAGE})


@case
def config_over_size_limit(d):
    img = w.Image([base_layer()], config={'Env': ['A=' + 'x' * (9 << 20)]})
    return dict(ref=oci(d, img), rc={EIMAGE})


@case
def docker_archive_member_escape(d):
    img = w.Image([base_layer()])
    p = os.path.join(d, 'img.tar')
    img.write_docker_archive(p, repo_tags=['evil:latest'])
    # rewrite manifest.json so the layer path climbs out of the archive
    members = w.tar_members(p)
    man = json.loads(members['manifest.json'])
    man[0]['Layers'] = ['../../../../etc/passwd']
    members['manifest.json'] = json.dumps(man).encode()
    w.write_tar(p, members)
    return dict(ref='docker-archive:' + p, rc={EIMAGE})


@case
def empty_archive_file(d):
    p = os.path.join(d, 'empty.tar')
    open(p, 'wb').close()
    return dict(ref='docker-archive:' + p, rc={EIMAGE})


@case
def gzip_multimember_with_garbage(d):
    L = base_layer('none')
    tar = L.tar_bytes()
    half = len(tar) // 2
    blob = gzip.compress(tar[:half], mtime=0) + gzip.compress(tar[half:], mtime=0) + b'JUNK'
    L2 = w.Layer.from_tar(tar, 'none')
    L2.mangle(lambda b: blob, after_digest=False)
    return dict(ref=oci(d, w.Image([L2])), rc={OK, EIMAGE})


@case
def timeout_partial_report(d):
    layers = []
    for i in range(40):
        L = w.Layer('gzip')
        L.file('data/%d' % i, os.urandom(1 << 20))
        layers.append(L)
    return dict(ref=oci(d, w.Image(layers)), args=['--timeout', '1ms', '--parallel', '1'],
                rc={EINCOMPLETE}, complete=False)


def generate(out, names=None):
    os.makedirs(out, exist_ok=True)
    result = {}
    for fn in CASES:
        if names and fn.__name__ not in names:
            continue
        d = os.path.join(out, fn.__name__)
        os.makedirs(d, exist_ok=True)
        spec = fn(d)
        spec['rc'] = sorted(spec['rc'])
        result[fn.__name__] = spec
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump(result, f, indent=1, sort_keys=True)
    return result


if __name__ == '__main__':
    generate(sys.argv[1], sys.argv[2:] or None)
