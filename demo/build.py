#!/usr/bin/env python3
"""Build the demo image (an OCI layout) from demo/image.json and demo/layers/<n>/.

    python3 demo/build.py OUTDIR            (make demo: build/demo/image)
    python3 demo/build.py OUTDIR --docker-archive FILE --oci-archive FILE

Files come from demo/layers/<dir>/ (mode 0644, 0755 when executable in git, owner root);
image.json adds what git cannot hold: modes (setuid, world-writable), owners, empty
directories, symlinks, device nodes and whiteouts. Output is deterministic.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'helpers'))
import imgwriter  # noqa: E402


def build_layer(spec):
    root = os.path.join(HERE, 'layers', spec['dir'])
    meta = spec.get('meta', {})
    dirs = spec.get('dirs', {})
    L = imgwriter.Layer(spec.get('compression', 'gzip'), created_by=spec.get('created_by'))
    seen = set()

    def add_dir(d):
        parent = os.path.dirname(d)
        if parent:
            add_dir(parent)
        if d in seen:
            return
        seen.add(d)
        m = dirs.get(d, meta.get(d, {}))
        L.dir(d, mode=int(m.get('mode', '0755'), 8), uid=m.get('uid', 0), gid=m.get('gid', 0))

    files = []
    if os.path.isdir(root):
        for dp, dns, fns in os.walk(root):
            dns.sort()
            for fn in fns:
                full = os.path.join(dp, fn)
                files.append(os.path.relpath(full, root))
    for d in sorted(dirs):
        add_dir(d)
    for rel in sorted(files):
        if os.path.dirname(rel):
            add_dir(os.path.dirname(rel))
        full = os.path.join(root, rel)
        m = meta.get(rel, {})
        mode = 0o755 if os.access(full, os.X_OK) else 0o644
        if 'mode' in m:
            mode = int(m['mode'], 8)
        with open(full, 'rb') as f:
            L.file(rel, f.read(), mode=mode, uid=m.get('uid', 0), gid=m.get('gid', 0))
    for path, target in sorted(spec.get('symlinks', {}).items()):
        if os.path.dirname(path):
            add_dir(os.path.dirname(path))
        L.symlink(path, target)
    for dev in spec.get('devices', []):
        if os.path.dirname(dev['path']):
            add_dir(os.path.dirname(dev['path']))
        fn = L.chardev if dev.get('type', 'char') == 'char' else L.blockdev
        fn(dev['path'], dev['major'], dev['minor'], mode=int(dev.get('mode', '0666'), 8))
    for path in spec.get('remove', []):
        L.whiteout(path)
    for path in spec.get('opaque', []):
        L.opaque(path)
    return L


def main(argv):
    if not argv or argv[0].startswith('-'):
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[0]
    with open(os.path.join(HERE, 'image.json')) as f:
        spec = json.load(f)
    img = imgwriter.Image([build_layer(l) for l in spec['layers']], config=spec['config'])
    img.annotations = spec.get('annotations')  # names the image carries (base.name ...)
    if os.path.exists(out):
        shutil.rmtree(out)
    info = img.write_oci(out, tag=spec.get('tag', 'latest'))
    print('demo image: oci:%s (manifest %s, %d layers)' % (out, info.manifest_digest,
                                                          len(info.layers)))
    rest = argv[1:]
    # the docker archive carries the same lookalike name, as its RepoTag
    tag = (spec.get('annotations') or {}).get('org.opencontainers.image.base.name',
                                              'laocoon-demo:latest')
    for opt, writer in (('--docker-archive', lambda p: img.write_docker_archive(p, [tag])),
                        ('--oci-archive', img.write_oci_archive)):
        if opt in rest:
            p = rest[rest.index(opt) + 1]
            writer(p)
            print('demo image: %s' % p)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
