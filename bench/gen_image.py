#!/usr/bin/env python3
"""Generate a synthetic OCI image for the foundation benchmark (issue 2).

    bench/gen_image.py OUTDIR [--size 1G] [--files 50000] [--layers 4] [--seed 1]
                              [--compression gzip|zstd|none] [--level 6]

Writes an OCI image layout at OUTDIR (tag "latest"): SIZE bytes of file content
uncompressed in FILES regular files, spread over LAYERS layers, plus directories, a few
setuid files and world-writable directories (so the permissions detector has work).
File sizes are skewed like a real root filesystem (many small files, a few large ones);
contents are text-like so that gzip compresses about 3:1. Layers are streamed to disk,
never held whole in memory. Deterministic for a given seed.
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import tarfile


def parse_size(s):
    s = s.strip().upper()
    mult = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    if s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


class HashWriter:
    """A file object that hashes (and counts) what passes through to `inner`."""

    def __init__(self, inner):
        self.inner = inner
        self.h = hashlib.sha256()
        self.n = 0

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.inner.write(b)

    def flush(self):
        pass


def make_pool(rng, size=16 << 20):
    words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz_0123456789')
                     for _ in range(rng.randint(2, 12))) for _ in range(4000)]
    out = bytearray()
    while len(out) < size:
        line = ' '.join(rng.choice(words) for _ in range(rng.randint(3, 14)))
        if rng.random() < 0.1:
            line += ' %08x%08x' % (rng.getrandbits(32), rng.getrandbits(32))
        out += line.encode() + b'\n'
    return bytes(out[:size])


def file_sizes(rng, total, n):
    raw = [rng.lognormvariate(8.5, 1.6) for _ in range(n)]
    scale = total / sum(raw)
    sizes = [max(0, int(r * scale)) for r in raw]
    sizes[0] += total - sum(sizes)  # exact total
    return sizes


def write_layer(path, entries, pool, compression, level):
    """entries: list of (TarInfo, size or None). -> (diff_id, tar_bytes)"""
    raw = open(path, 'wb')
    proc = None
    if compression == 'gzip':
        comp = gzip.GzipFile(fileobj=raw, mode='wb', compresslevel=level, mtime=0)
    elif compression == 'zstd':
        proc = subprocess.Popen(['zstd', '-q', '-c', '-%d' % level], stdin=subprocess.PIPE,
                                stdout=raw)
        comp = proc.stdin
    else:
        comp = raw
    hw = HashWriter(comp)
    with tarfile.open(fileobj=hw, mode='w|', format=tarfile.PAX_FORMAT) as tf:
        for ti, (size, off) in entries:
            if size is None:
                tf.addfile(ti)
                continue
            ti.size = size
            tf.addfile(ti, PoolReader(pool, off, size))
    comp.close()
    if proc:
        proc.wait()
    raw.close()
    return 'sha256:' + hw.h.hexdigest(), hw.n


class PoolReader:
    """Reads `size` bytes from the pool starting at off, wrapping around."""

    def __init__(self, pool, off, size):
        self.pool, self.off, self.left = pool, off % len(pool), size

    def read(self, n=-1):
        if n < 0 or n > self.left:
            n = self.left
        out = bytearray()
        while len(out) < n:
            take = min(n - len(out), len(self.pool) - self.off)
            out += self.pool[self.off:self.off + take]
            self.off = (self.off + take) % len(self.pool)
        self.left -= n
        return bytes(out)


def ti(name, type_=tarfile.REGTYPE, mode=0o644):
    t = tarfile.TarInfo(name)
    t.type = type_
    t.mode = mode
    t.mtime = 0
    t.uname = t.gname = ''
    return t


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return 'sha256:' + h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('out')
    ap.add_argument('--size', default='1G')
    ap.add_argument('--files', type=int, default=50000)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--compression', default='gzip', choices=('gzip', 'zstd', 'none'))
    ap.add_argument('--level', type=int, default=6)
    a = ap.parse_args()
    total = parse_size(a.size)
    rng = random.Random(a.seed)
    pool = make_pool(rng)
    sizes = file_sizes(rng, total, a.files)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    blobs = os.path.join(a.out, 'blobs', 'sha256')
    os.makedirs(blobs)

    # Spread files over layers: the first layer (the "base") gets the most.
    shares = [2] + [1] * (a.layers - 1)
    counts = [a.files * s // sum(shares) for s in shares]
    counts[0] += a.files - sum(counts)
    layer_descs, diff_ids, history = [], [], []
    idx = 0
    mt = {'gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
          'zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
          'none': 'application/vnd.oci.image.layer.v1.tar'}[a.compression]
    for li, count in enumerate(counts):
        entries = []
        dirs = set()
        for k in range(count):
            d = 'usr/share/l%d/d%03d/s%02d' % (li, k % 500, (k // 500) % 40)
            parts = d.split('/')
            for j in range(1, len(parts) + 1):
                p = '/'.join(parts[:j])
                if p not in dirs:
                    dirs.add(p)
                    entries.append((ti(p, tarfile.DIRTYPE, 0o755), (None, 0)))
            mode = 0o644
            if k % 10007 == 5:
                mode = 0o4755  # a setuid file now and then (HIGH findings)
            t = ti('%s/f%06d.dat' % (d, idx), mode=mode)
            entries.append((t, (sizes[idx], rng.randrange(len(pool)))))
            idx += 1
        entries.append((ti('var/l%d-upload' % li, tarfile.DIRTYPE, 0o777), (None, 0)))
        tmp = os.path.join(blobs, 'tmp-layer')
        diff_id, tar_bytes = write_layer(tmp, entries, pool, a.compression, a.level)
        digest = sha256_file(tmp)
        os.rename(tmp, os.path.join(blobs, digest.split(':')[1]))
        size = os.path.getsize(os.path.join(blobs, digest.split(':')[1]))
        layer_descs.append({'mediaType': mt, 'digest': digest, 'size': size})
        diff_ids.append(diff_id)
        history.append({'created': '1970-01-01T00:00:00Z',
                        'created_by': 'bench layer %d: %d files' % (li, count)})
        print('layer %d: %d files, %d bytes tar, %d bytes %s' % (li, count, tar_bytes, size,
                                                                a.compression))

    def put(obj):
        data = json.dumps(obj, separators=(',', ':')).encode()
        d = 'sha256:' + hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, d.split(':')[1]), 'wb') as f:
            f.write(data)
        return d, len(data)

    cfg = {'created': '1970-01-01T00:00:00Z', 'architecture': 'amd64', 'os': 'linux',
           'config': {'Cmd': ['/bin/sh']},
           'rootfs': {'type': 'layers', 'diff_ids': diff_ids}, 'history': history}
    cd, cs = put(cfg)
    man = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cd,
                      'size': cs},
           'layers': layer_descs}
    md, ms = put(man)
    with open(os.path.join(a.out, 'oci-layout'), 'w') as f:
        json.dump({'imageLayoutVersion': '1.0.0'}, f)
    with open(os.path.join(a.out, 'index.json'), 'w') as f:
        json.dump({'schemaVersion': 2, 'manifests': [
            {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': md,
             'size': ms, 'annotations': {'org.opencontainers.image.ref.name': 'latest'}}]}, f)
    print('image: oci:%s:latest (%d files, %d bytes of content)' % (a.out, a.files, total))


if __name__ == '__main__':
    main()
