"""imgwriter - write container images for laocoon's tests (Python 3 stdlib; zstd via `zstd`).

Layers
------
    L = Layer(compression='gzip')          # 'gzip' | 'zstd' | 'none'
    L.dir('etc')                           # mode=0o755 by default
    L.file('etc/passwd', b'root:x:0:0::/root:/bin/sh\\n', mode=0o644, uid=0, gid=0)
    L.file(b'bad\\xffname', b'')           # a bytes path is written as is (invalid UTF-8)
    L.symlink('bin/sh', 'dash'); L.hardlink('bin/ln', 'bin/sh')
    L.chardev('dev/null', 1, 3); L.blockdev('dev/sda', 8, 0); L.fifo('run/fifo')
    L.whiteout('etc/shadow')               # writes etc/.wh.shadow
    L.opaque('var/cache')                  # writes var/cache/.wh..wh..opq
    L.raw(tarinfo, data)                   # any tarfile.TarInfo
    Layer.from_tar(tar_bytes, 'gzip')      # a layer that is exactly this tar
    L.created_by = 'RUN something'         # history line for this layer (default: "layer N")

Entries keep insertion order (so duplicates and odd orders are possible); mtime is 0,
owner names empty, gzip header mtime 0: the same input always gives the same bytes.

Corruption hooks on a layer (tests of bad input):
    L.tar_mangle(fn)       fn(tar_bytes) -> bytes, before compressing; the diff_id is
                           computed from the result (a consistent but broken tar).
    L.mangle(fn, after_digest=True)
                           fn(blob) -> bytes on the compressed blob. after_digest=True: the
                           manifest keeps the digest of the good blob (an integrity error);
                           False: the digest is of the mangled blob (a decode error only).
    L.truncate(n, after_digest=False), L.flip(offset, after_digest=True): shorthands.
    L.diff_id = 'sha256:...'        wrong diff_id in the config
    L.media_type = '...'            claimed media type (e.g. gzip type on a zstd blob)
    L.omit = True                   the blob is not written at all (missing blob)
    tar helpers: tar_strip_eof(tar) (umoci 0.4.7 style: no padding, no end blocks),
                 tar_break_header(tar, n=0) (bad checksum of the n-th header).

Images
------
    img = Image([L1, L2], config=dict(Entrypoint=['/bin/sh'], Cmd=[...], Env=['A=b'],
                User='1000', ExposedPorts={'80/tcp': {}}, Labels={...}, WorkingDir='/'),
                history=None,                     # default: one created_by per layer
                platform=('linux', 'amd64'),      # or ('linux', 'arm64', 'v8')
                manifest_format='oci')            # or 'docker' (schema2 media types)
    Overrides for corruption: img.config_raw / img.manifest_raw (bytes or str: the exact
    text written, digested as written), img.config_digest (what the manifest claims; the
    blob is stored under that name, so its content does not match), img.manifest_digest
    (the same for the index's descriptor), Layout.index_raw (text of index.json),
    img.omit_config = True, img.extra_config = {...} (merged into the config's top level).

Writers (each returns an Info with .manifest_digest, .config_digest, .layers =
[{'digest', 'diff_id', 'size', 'media_type'}], .index_digest where there is one):
    img.write_oci(dir, tag='latest')                  OCI image layout
    img.write_oci_archive(file, tag='latest')         tar of that layout
    img.write_docker_archive(file, repo_tags=['name:tag'], layout='legacy'|'docker25')
    img.write_dir(dir)                                skopeo's dir: transport
Several images in one place:
    lay = Layout(); lay.add(img, tag='a'); lay.add(Index([img_amd64, img_arm64]), tag='b')
    lay.write_dir(dir); lay.write_archive(file)       (Index(..., nested=False) lists the
                                                       platform manifests in index.json itself)
    da = DockerArchive(layout='legacy'); da.add(img, ['a:1']); da.add(img2, ['b:2']); da.write(f)
"""

import copy
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile

MT_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
MT_OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
MT_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
MT_OCI_LAYER = {'gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
                'zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
                'none': 'application/vnd.oci.image.layer.v1.tar'}
MT_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
MT_DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
MT_DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
MT_DOCKER_LAYER = {'gzip': 'application/vnd.docker.image.rootfs.diff.tar.gzip',
                   'zstd': 'application/vnd.docker.image.rootfs.diff.tar.zstd',
                   'none': 'application/vnd.docker.image.rootfs.diff.tar'}


def sha256(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def _hex(digest):
    return digest.split(':', 1)[1]


def _bytes(x):
    if isinstance(x, str):
        return x.encode('utf-8')
    return x


def _jdump(obj):
    return json.dumps(obj, separators=(',', ':')).encode('utf-8')


def _name(path):
    """tarfile wants str: bytes paths go through surrogateescape (written back as is)."""
    if isinstance(path, bytes):
        return path.decode('utf-8', 'surrogateescape')
    return path


def compress(data, compression):
    if compression == 'gzip':
        return gzip.compress(data, compresslevel=6, mtime=0)
    if compression == 'zstd':
        return subprocess.run(['zstd', '-q', '-c', '-3', '--no-check'], input=data,
                              stdout=subprocess.PIPE, check=True).stdout
    if compression == 'none':
        return data
    raise ValueError('compression: %r' % compression)


def tar_strip_eof(tar):
    """Drop the end-of-archive blocks and the last entry's padding (umoci 0.4.7 style)."""
    off, last_end = 0, 0
    while off + 512 <= len(tar):
        hdr = tar[off:off + 512]
        if hdr == b'\0' * 512:
            break
        size = int(hdr[124:136].strip(b'\0 ') or b'0', 8)
        last_end = off + 512 + size
        off += 512 + (size + 511) // 512 * 512
    return tar[:last_end]


def tar_break_header(tar, n=0):
    """Spoil the checksum of the n-th header block (counting pax/GNU extension headers)."""
    tar = bytearray(tar)
    off = 0
    for _ in range(n):
        size = int(bytes(tar[off + 124:off + 136]).strip(b'\0 ') or b'0', 8)
        off += 512 + (size + 511) // 512 * 512
    tar[off + 148:off + 156] = b'0000000\0'
    return bytes(tar)


class Layer:
    def __init__(self, compression='gzip', created_by=None, format='pax'):
        self.compression = compression
        self.created_by = created_by
        self.format = {'pax': tarfile.PAX_FORMAT, 'gnu': tarfile.GNU_FORMAT,
                       'ustar': tarfile.USTAR_FORMAT}[format]
        self.entries = []  # (TarInfo, data or None)
        self.diff_id = None
        self.media_type = None
        self.omit = False
        self._tar_mangles = []
        self._blob_mangles = []  # (fn, after_digest)
        self._cache = None
        self._tar = None  # a whole tar given as is (from_tar)

    @classmethod
    def from_tar(cls, tar, compression='gzip', created_by=None):
        """A layer whose uncompressed tar is exactly `tar` (bytes)."""
        L = cls(compression, created_by)
        L._tar = tar
        return L

    # -- entries ---------------------------------------------------------------------
    def _ti(self, path, type_, mode, uid, gid):
        ti = tarfile.TarInfo(_name(path))
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.uname = ti.gname = ''
        ti.mtime = 0
        return ti

    def raw(self, tarinfo, data=None):
        self.entries.append((tarinfo, _bytes(data) if data is not None else None))
        self._cache = None
        return self

    def file(self, path, data=b'', mode=0o644, uid=0, gid=0):
        data = _bytes(data)
        ti = self._ti(path, tarfile.REGTYPE, mode, uid, gid)
        ti.size = len(data)
        return self.raw(ti, data)

    def dir(self, path, mode=0o755, uid=0, gid=0):
        return self.raw(self._ti(path, tarfile.DIRTYPE, mode, uid, gid))

    def symlink(self, path, target, uid=0, gid=0):
        ti = self._ti(path, tarfile.SYMTYPE, 0o777, uid, gid)
        ti.linkname = _name(target)
        return self.raw(ti)

    def hardlink(self, path, target, mode=0o644, uid=0, gid=0):
        ti = self._ti(path, tarfile.LNKTYPE, mode, uid, gid)
        ti.linkname = _name(target)
        return self.raw(ti)

    def _dev(self, path, type_, major, minor, mode, uid, gid):
        ti = self._ti(path, type_, mode, uid, gid)
        ti.devmajor, ti.devminor = major, minor
        return self.raw(ti)

    def chardev(self, path, major, minor, mode=0o666, uid=0, gid=0):
        return self._dev(path, tarfile.CHRTYPE, major, minor, mode, uid, gid)

    def blockdev(self, path, major, minor, mode=0o660, uid=0, gid=0):
        return self._dev(path, tarfile.BLKTYPE, major, minor, mode, uid, gid)

    def fifo(self, path, mode=0o644, uid=0, gid=0):
        return self.raw(self._ti(path, tarfile.FIFOTYPE, mode, uid, gid))

    def whiteout(self, path):
        path = _name(path).rstrip('/')
        d, _, base = path.rpartition('/')
        return self.file((d + '/' if d else '') + '.wh.' + base, b'', mode=0o644)

    def opaque(self, dirpath):
        dirpath = _name(dirpath).rstrip('/')
        return self.file(dirpath + '/.wh..wh..opq', b'', mode=0o644)

    # -- corruption --------------------------------------------------------------------
    def tar_mangle(self, fn):
        self._tar_mangles.append(fn)
        self._cache = None
        return self

    def mangle(self, fn, after_digest=True):
        self._blob_mangles.append((fn, after_digest))
        self._cache = None
        return self

    def truncate(self, n, after_digest=False):
        return self.mangle(lambda b: b[:n], after_digest)

    def flip(self, offset, after_digest=True):
        def f(b):
            b = bytearray(b)
            b[offset] ^= 0xff
            return bytes(b)
        return self.mangle(f, after_digest)

    # -- bytes -------------------------------------------------------------------------
    def tar_bytes(self):
        """The uncompressed tar (after tar_mangle hooks)."""
        if self._tar is not None:
            tar = self._tar
            for fn in self._tar_mangles:
                tar = fn(tar)
            return tar
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode='w', format=self.format, encoding='utf-8',
                          errors='surrogateescape') as tf:
            for ti, data in self.entries:
                tf.addfile(copy.copy(ti), io.BytesIO(data) if data is not None else None)
        tar = buf.getvalue()
        for fn in self._tar_mangles:
            tar = fn(tar)
        return tar

    def build(self, compression=None):
        """-> dict(tar, blob, digest, diff_id, size, compression); digest/size are what a
        manifest claims, blob what is written."""
        comp = compression or self.compression
        if self._cache and self._cache['compression'] == comp:
            return self._cache
        tar = self.tar_bytes()
        blob = compress(tar, comp)
        for fn, after in self._blob_mangles:
            if not after:
                blob = fn(blob)
        claimed = blob
        for fn, after in self._blob_mangles:
            if after:
                blob = fn(blob)
        self._cache = dict(tar=tar, blob=blob, digest=sha256(claimed), size=len(claimed),
                           diff_id=self.diff_id or sha256(tar), compression=comp)
        return self._cache


class Info:
    """What a writer wrote: digests to assert on."""

    def __init__(self, **kw):
        self.index_digest = None
        self.__dict__.update(kw)

    def __repr__(self):
        return 'Info(%r)' % self.__dict__


class Image:
    def __init__(self, layers, config=None, history=None, platform=('linux', 'amd64'),
                 manifest_format='oci', created='1970-01-01T00:00:00Z'):
        self.layers = list(layers)
        self.config = dict(config or {})
        self.history = history
        self.platform = tuple(platform)
        self.manifest_format = manifest_format
        self.created = created
        self.config_raw = None
        self.manifest_raw = None
        self.config_digest = None
        self.manifest_digest = None
        self.omit_config = False
        self.extra_config = {}
        self.annotations = None

    def layer_media_type(self, layer, comp, fmt=None):
        if layer.media_type:
            return layer.media_type
        fmt = fmt or self.manifest_format
        return (MT_OCI_LAYER if fmt == 'oci' else MT_DOCKER_LAYER)[comp]

    def config_doc(self, layer_infos):
        hist = self.history
        if hist is None:
            hist = [{'created': self.created,
                     'created_by': l.created_by if l.created_by is not None else 'layer %d' % i}
                    for i, l in enumerate(self.layers)]
        doc = {'created': self.created, 'architecture': self.platform[1],
               'os': self.platform[0]}
        if len(self.platform) > 2 and self.platform[2]:
            doc['variant'] = self.platform[2]
        doc['config'] = self.config
        doc['rootfs'] = {'type': 'layers', 'diff_ids': [li['diff_id'] for li in layer_infos]}
        doc['history'] = hist
        doc.update(self.extra_config)
        return doc

    def build(self, compression=None, fmt=None):
        """Everything as bytes. compression forces one for every layer (docker archives
        store 'none'); fmt 'oci'|'docker' overrides the manifest format.
        -> dict(blobs={digest: bytes}, manifest, manifest_digest, config, config_digest,
                layers=[...], desc=descriptor of the manifest)"""
        fmt = fmt or self.manifest_format
        blobs = {}
        layers = []
        for l in self.layers:
            b = l.build(compression)
            mt = self.layer_media_type(l, b['compression'], fmt)
            layers.append(dict(digest=b['digest'], diff_id=b['diff_id'], size=b['size'],
                               media_type=mt, blob=b['blob'], omit=l.omit, tar=b['tar']))
            if not l.omit:
                blobs[b['digest']] = b['blob']
        cfg = _bytes(self.config_raw) if self.config_raw is not None else \
            _jdump(self.config_doc(layers))
        cfg_digest = self.config_digest or sha256(cfg)
        if not self.omit_config:
            # a wrong claimed digest: the blob is stored under the claimed name (mismatch)
            blobs[cfg_digest] = cfg
        if fmt == 'oci':
            man = {'schemaVersion': 2, 'mediaType': MT_OCI_MANIFEST,
                   'config': {'mediaType': MT_OCI_CONFIG, 'digest': cfg_digest,
                              'size': len(cfg)}}
        else:
            man = {'schemaVersion': 2, 'mediaType': MT_DOCKER_MANIFEST,
                   'config': {'mediaType': MT_DOCKER_CONFIG, 'digest': cfg_digest,
                              'size': len(cfg)}}
        man['layers'] = [{'mediaType': li['media_type'], 'digest': li['digest'],
                          'size': li['size']} for li in layers]
        if self.annotations:
            man['annotations'] = self.annotations
        mbytes = _bytes(self.manifest_raw) if self.manifest_raw is not None else _jdump(man)
        mdigest = sha256(mbytes)
        claimed = self.manifest_digest or mdigest
        blobs[claimed] = mbytes
        desc = {'mediaType': MT_OCI_MANIFEST if fmt == 'oci' else MT_DOCKER_MANIFEST,
                'digest': claimed, 'size': len(mbytes)}
        plat = {'architecture': self.platform[1], 'os': self.platform[0]}
        if len(self.platform) > 2 and self.platform[2]:
            plat['variant'] = self.platform[2]
        return dict(blobs=blobs, manifest=mbytes, manifest_digest=claimed,
                    real_manifest_digest=mdigest, config=cfg, config_digest=cfg_digest,
                    layers=layers, desc=desc, platform=plat)

    @staticmethod
    def _info(b, index_digest=None):
        return Info(manifest_digest=b['manifest_digest'], config_digest=b['config_digest'],
                    layers=[{k: li[k] for k in ('digest', 'diff_id', 'size', 'media_type')}
                            for li in b['layers']],
                    index_digest=index_digest)

    # -- writers ---------------------------------------------------------------------------
    def write_oci(self, path, tag='latest'):
        return Layout().add(self, tag).write_dir(path)

    def write_oci_archive(self, path, tag='latest'):
        return Layout().add(self, tag).write_archive(path)

    def write_docker_archive(self, path, repo_tags=('image:latest',), layout='legacy',
                             compression='none'):
        return DockerArchive(layout=layout, compression=compression).add(
            self, repo_tags).write(path)

    def write_dir(self, path):
        """skopeo's dir: transport: version, manifest.json, one file per blob (hex name)."""
        b = self.build()
        os.makedirs(path, exist_ok=True)
        files = {'version': b'Directory Transport Version: 1.1\n',
                 'manifest.json': b['manifest']}
        for d, data in b['blobs'].items():
            if data is b['manifest']:
                continue
            files[_hex(d)] = data
        _write_files(path, files)
        return self._info(b)


class Index:
    """A multi-platform image index of several Images (each with its own platform)."""

    def __init__(self, images, nested=True, media_type=MT_OCI_INDEX):
        self.images = list(images)
        self.nested = nested
        self.media_type = media_type
        self.raw = None  # text override of the index blob

    def build(self):
        blobs = {}
        descs = []
        infos = []
        for img in self.images:
            b = img.build()
            blobs.update(b['blobs'])
            d = dict(b['desc'])
            d['platform'] = b['platform']
            descs.append(d)
            infos.append(Image._info(b))
        doc = {'schemaVersion': 2, 'mediaType': self.media_type, 'manifests': descs}
        data = _bytes(self.raw) if self.raw is not None else _jdump(doc)
        dg = sha256(data)
        blobs[dg] = data
        return dict(blobs=blobs, descs=descs, index=data, digest=dg, infos=infos,
                    desc={'mediaType': self.media_type, 'digest': dg, 'size': len(data)})


class Layout:
    """An OCI image layout holding several tagged images and/or indexes."""

    def __init__(self):
        self.items = []  # (tag or None, Image|Index)
        self.index_raw = None

    def add(self, item, tag=None):
        self.items.append((tag, item))
        return self

    def files(self):
        blobs = {}
        manifests = []
        infos = []
        for tag, item in self.items:
            ann = {'org.opencontainers.image.ref.name': tag} if tag is not None else None
            if isinstance(item, Index):
                b = item.build()
                if item.nested:
                    blobs.update(b['blobs'])
                    d = dict(b['desc'])
                    if ann:
                        d['annotations'] = ann
                    manifests.append(d)
                else:
                    for k, v in b['blobs'].items():
                        if v is not b['index']:
                            blobs[k] = v
                    for d in b['descs']:
                        d = dict(d)
                        if ann:
                            d['annotations'] = ann
                        manifests.append(d)
                for i in b['infos']:
                    i.index_digest = b['digest'] if item.nested else None
                infos.extend(b['infos'])
            else:
                b = item.build()
                blobs.update(b['blobs'])
                d = dict(b['desc'])
                if ann:
                    d['annotations'] = ann
                manifests.append(d)
                infos.append(Image._info(b))
        index = _bytes(self.index_raw) if self.index_raw is not None else \
            _jdump({'schemaVersion': 2, 'mediaType': MT_OCI_INDEX, 'manifests': manifests})
        files = {'oci-layout': _jdump({'imageLayoutVersion': '1.0.0'}), 'index.json': index}
        for d in sorted(blobs):
            files['blobs/' + d.replace(':', '/')] = blobs[d]
        return files, (infos[0] if len(infos) == 1 else infos)

    def write_dir(self, path):
        files, info = self.files()
        _write_files(path, files)
        return info

    def write_archive(self, path):
        files, info = self.files()
        _write_tar(path, files)
        return info


class DockerArchive:
    """`docker save` output with one or more images. layout 'legacy' (<id>/layer.tar,
    <hex>.json, manifest.json, repositories) or 'docker25' (OCI layout + manifest.json)."""

    def __init__(self, layout='legacy', compression='none'):
        assert layout in ('legacy', 'docker25')
        self.layout = layout
        self.compression = compression
        self.items = []
        self.manifest_raw = None  # text override of manifest.json
        self.extra = {}           # member name -> bytes (added last)
        self.omit = set()         # member names not to write

    def add(self, img, repo_tags=()):
        self.items.append((img, list(repo_tags)))
        return self

    def files(self):
        files = {}
        manifest = []
        repositories = {}
        oci_manifests = []
        infos = []
        for img, tags in self.items:
            b = img.build(compression=self.compression, fmt='oci')
            infos.append(Image._info(b))
            layer_names = []
            if self.layout == 'legacy':
                cfg_name = _hex(b['config_digest']) + '.json'
                parent = ''
                for li in b['layers']:
                    lid = hashlib.sha256((parent + ' ' + li['diff_id']).encode()).hexdigest()
                    name = lid + '/layer.tar'
                    layer_names.append(name)
                    files[lid + '/VERSION'] = b'1.0'
                    v1 = {'id': lid, 'created': img.created}
                    if parent:
                        v1['parent'] = parent
                    files[lid + '/json'] = _jdump(v1)
                    if not li['omit']:
                        files[name] = li['blob']
                    parent = lid
                top = parent
            else:
                cfg_name = 'blobs/sha256/' + _hex(b['config_digest'])
                for li in b['layers']:
                    name = 'blobs/sha256/' + _hex(li['digest'])
                    layer_names.append(name)
                    if not li['omit']:
                        files[name] = li['blob']
                top = _hex(b['layers'][-1]['digest']) if b['layers'] else ''
                files['blobs/sha256/' + _hex(b['manifest_digest'])] = b['manifest']
                for t in tags or [None]:
                    d = dict(b['desc'])
                    if t:
                        d['annotations'] = {'io.containerd.image.name': 'docker.io/library/' + t
                                            if '/' not in t else t,
                                            'org.opencontainers.image.ref.name': t.rsplit(':', 1)[1]}
                    oci_manifests.append(d)
            if not img.omit_config:
                files[cfg_name] = b['config']
            entry = {'Config': cfg_name, 'RepoTags': tags or None, 'Layers': layer_names}
            manifest.append(entry)
            for t in tags:
                repo, _, tag = t.rpartition(':')
                repositories.setdefault(repo, {})[tag] = top
        out = {}
        if self.layout == 'docker25':
            out['oci-layout'] = _jdump({'imageLayoutVersion': '1.0.0'})
            out['index.json'] = _jdump({'schemaVersion': 2, 'mediaType': MT_OCI_INDEX,
                                        'manifests': oci_manifests})
        for k in sorted(files):
            out[k] = files[k]
        out['manifest.json'] = _bytes(self.manifest_raw) if self.manifest_raw is not None \
            else _jdump(manifest)
        if repositories:
            out['repositories'] = _jdump(repositories)
        out.update(self.extra)
        for k in self.omit:
            out.pop(k, None)
        return out, (infos[0] if len(infos) == 1 else infos)

    def write(self, path):
        files, info = self.files()
        _write_tar(path, files)
        return info


def _write_files(root, files):
    for name, data in files.items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'wb') as f:
            f.write(data)


def _write_tar(path, files):
    """A deterministic outer tar: directories first as they appear, then the members."""
    with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as tf:
        seen = set()
        for name, data in files.items():
            parts = name.split('/')[:-1]
            for i in range(1, len(parts) + 1):
                d = '/'.join(parts[:i])
                if d not in seen:
                    seen.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    ti.mtime = 0
                    tf.addfile(ti)
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 0
            tf.addfile(ti, io.BytesIO(data))


def tar_members(path):
    """{name: bytes} of a tar file (to rewrite an archive in a test)."""
    out = {}
    with tarfile.open(path) as tf:
        for m in tf.getmembers():
            if m.isfile():
                out[m.name] = tf.extractfile(m).read()
    return out


def write_tar(path, files):
    """Write {name: bytes} as a deterministic tar (counterpart of tar_members)."""
    _write_tar(path, files)


def sample_image(compression='gzip'):
    """A small three-layer image with most entry types, a whiteout and an opaque dir."""
    l0 = Layer(compression, created_by='ADD rootfs /')
    l0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    l0.file('etc/group', b'root:x:0:\n').dir('bin').file('bin/sh', b'\x7fELF sh', 0o755)
    l0.symlink('bin/bash', 'sh').hardlink('bin/rbash', 'bin/sh')
    l0.dir('dev').chardev('dev/null', 1, 3).fifo('dev/initctl')
    l0.dir('var').dir('var/cache').file('var/cache/old', b'old')
    l0.dir('tmp', 0o1777)
    l1 = Layer(compression, created_by='RUN install')
    l1.dir('usr').dir('usr/bin').file('usr/bin/tool', b'tool', 0o4755)
    l1.file('etc/secret.txt', b'to be removed')
    l2 = Layer(compression, created_by='RUN cleanup')
    l2.whiteout('etc/secret.txt').opaque('var/cache').file('var/cache/new', b'new')
    return Image([l0, l1, l2], config=dict(Entrypoint=['/bin/sh'], Cmd=['-c', 'true'],
                                           Env=['PATH=/usr/bin:/bin'], WorkingDir='/'))
