#!/usr/bin/env python3
"""make_seeds.py - (re)write the seed corpora under fuzz/corpus/ from tests/helpers/imgwriter.
Seeds are small (a few KB) and committed; fuzzing adds its finds elsewhere (build-fuzz/)."""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'tests', 'helpers'))
import imgwriter as w  # noqa: E402


def put(name, seed, data):
    d = os.path.join(HERE, 'corpus', name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, seed), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def sample_layers():
    L0 = w.Layer('gzip')
    L0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    L0.file('usr/bin/su', b'\x7fELF', mode=0o4755).symlink('bin', 'usr/bin')
    L0.dir('var/cache').file('var/cache/a', b'a').hardlink('etc/hl', 'etc/passwd')
    L1 = w.Layer('zstd')
    L1.whiteout('etc/passwd').opaque('var/cache').file('var/cache/b', b'b')
    L1.chardev('dev/null', 1, 3).fifo('run/f')
    return L0, L1


def main():
    L0, L1 = sample_layers()
    img = w.Image([L0, L1], config=dict(Entrypoint=['/bin/sh', '-c'], Cmd=['echo hi'],
                                        Env=['A=b', 'PATH=/bin'], User='1000',
                                        ExposedPorts={'80/tcp': {}}, Labels={'k': 'v'}))
    with tempfile.TemporaryDirectory() as t:
        info = img.write_oci(os.path.join(t, 'oci'))
        blobs = os.path.join(t, 'oci', 'blobs', 'sha256')
        cfg = open(os.path.join(blobs, info.config_digest.split(':')[1]), 'rb').read()
        man = open(os.path.join(blobs, info.manifest_digest.split(':')[1]), 'rb').read()
        idx = open(os.path.join(t, 'oci', 'index.json'), 'rb').read()
        put('json', 'config.json', cfg)
        put('json', 'manifest.json', man)
        put('json', 'index.json', idx)
        put('json', 'nested', '{"a":[1,2.5e10,-3,true,false,null,"\\u00e9\\ud83d\\ude00",{"b":[]}]}')
        put('config', 'config.json', cfg)
        put('config', 'docker.json', json.dumps({
            'architecture': 'amd64', 'os': 'linux',
            'config': {'Env': ['X=1'], 'Entrypoint': None, 'Cmd': ['sh'], 'User': 'root',
                       'Healthcheck': {'Test': ['CMD', 'true']}, 'OnBuild': ['RUN x']},
            'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + '0' * 64]},
            'history': [{'created_by': '/bin/sh -c #(nop) ADD x', 'empty_layer': False},
                        {'created_by': 'ENV X=1', 'empty_layer': True}]}))
        multi = w.Index([w.Image([L0], platform=('linux', 'amd64')),
                         w.Image([L0], platform=('linux', 'arm64', 'v8'))], nested=False)
        lay = w.Layout()
        lay.add(multi, tag='multi')
        lay.write_dir(os.path.join(t, 'multi'))
        put('platform', 'index.json', open(os.path.join(t, 'multi', 'index.json'), 'rb').read())
        put('platform', 'list.json', json.dumps({
            'schemaVersion': 2, 'mediaType': w.MT_DOCKER_LIST, 'manifests': [
                {'digest': 'sha256:' + '1' * 64, 'size': 1, 'mediaType': w.MT_DOCKER_MANIFEST,
                 'platform': {'os': 'linux', 'architecture': 'arm', 'variant': 'v7'}},
                {'digest': 'sha256:' + '2' * 64, 'size': 1, 'mediaType': w.MT_DOCKER_MANIFEST,
                 'platform': {'os': 'linux', 'architecture': 'amd64'}}]}))
        for i, r in enumerate(['oci:/nonexistent:tag', 'docker-archive:/x.tar:name:tag',
                               'docker-archive:/x.tar:@1', 'oci-archive:/x.tar:latest',
                               'dir:/nonexistent', 'rootfs:/nonexistent', 'docker://ubuntu',
                               'ubuntu:latest', '/nonexistent/path']):
            put('reference', 'ref%d' % i, r)
        img.write_docker_archive(os.path.join(t, 'legacy.tar'), repo_tags=['demo:1'])
        img.write_docker_archive(os.path.join(t, 'd25.tar'), repo_tags=['demo:1'],
                                 layout='docker25')
        img.write_oci_archive(os.path.join(t, 'oci.tar'))
        for n in ('legacy.tar', 'd25.tar', 'oci.tar'):
            put('archive', n, open(os.path.join(t, n), 'rb').read())
    b0, b1 = L0.build(), L1.build()
    put('layer', 'gzip', b0['blob'])
    put('layer', 'zstd', b1['blob'])
    put('layer', 'tar', b0['tar'])
    put('layer', 'two-layers', b0['blob'] + b'\nLCLAYER\n' + b1['blob'])
    put('layer', 'unterminated', w.tar_strip_eof(b0['tar']))
    put('escape', 'mixed', b'ok \x1b[2J \xff\xfe \xc2\x9b \xe2\x80\xae \t\n\x00 caf\xc3\xa9')


if __name__ == '__main__':
    main()
