"""The layer cache through the CLI: `laocoon cache info|prune|clean`, and a warm rescan
that gives the same report as the cold one without a secret reaching the cache in clear.
Parts that need scan.c to use the cache skip until it does."""

import json
import os

from lctest import run, scan_json, eq, main, test, Skip, EUSAGE, finding_ids
import imgwriter as w

SECRETS = [b'ghp_Zq3TnV8kLm2Xw9Rb4Yc7Hd1Jf6Gp0Se5Ua8i', b'AKIAZ7QW3ERT5YUI2OPL',
           b'xoxb-263594206564-2343594206574-FAKEfakeFAKEfake1234']


def cache(tmp, *args):
    p = run(['cache'] + list(args) + ['--cache-dir', tmp + '/c'])
    if p.returncode == EUSAGE and 'unknown command' in p.stderr:
        raise Skip('main.c does not dispatch `cache` yet')
    return p


def info(tmp):
    p = cache(tmp, 'info', '--format', 'json')
    eq(p.returncode, 0, p.stderr)
    return json.loads(p.stdout)


def image(tmp):
    l0 = w.Layer(created_by='ADD rootfs /')
    l0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    l1 = w.Layer(created_by='COPY app /app')
    l1.dir('app').file('app/.env', b'\n'.join(b'TOKEN%d=%s' % (i, s)
                                                for i, s in enumerate(SECRETS)) + b'\n')
    l2 = w.Layer(created_by='RUN chmod')
    l2.dir('usr').dir('usr/bin').file('usr/bin/tool', b'tool', 0o4755)
    w.Image([l0, l1, l2]).write_oci(tmp + '/img')
    return 'oci:' + tmp + '/img'


@test
def info_without_cache(tmp):
    doc = info(tmp)
    eq(doc['exists'], False)
    eq(doc['layers'], 0)
    assert doc['path'].endswith('/c/cache.db'), doc['path']
    assert not os.path.exists(tmp + '/c/cache.db'), 'info created a cache'
    p = cache(tmp, 'info')
    eq(p.returncode, 0)
    assert 'not created yet' in p.stdout, p.stdout


@test
def usage_errors(tmp):
    for args in (['frob'], ['info', '--format', 'xml'], ['info', '--older-than', '3d'],
                 ['prune', '--older-than', 'soon'], ['prune', '--max-size', 'big'],
                 ['info', 'prune'], ['info', '--bogus']):
        p = cache(tmp, *args)
        eq(p.returncode, EUSAGE, ' '.join(args))
    p = run(['cache'])
    if 'unknown command' not in p.stderr:
        eq(p.returncode, EUSAGE, 'no action')
    p = cache(tmp, '--help')
    eq(p.returncode, 0)
    assert 'prune' in p.stdout


def scan(tmp, ref, *extra):
    rc, doc = scan_json(ref, '--cache-dir', tmp + '/c', *extra)
    assert doc is not None, rc
    return rc, doc


def comparable(doc):
    return json.dumps(doc.get('findings', []), sort_keys=True)


@test
def warm_rescan_same_report(tmp):
    ref = image(tmp)
    rc1, cold = scan(tmp, ref)
    if not os.path.exists(tmp + '/c/cache.db'):
        raise Skip('scan does not use the layer cache yet')
    before = info(tmp)
    assert before['layers'] >= 1, before
    rc2, warm = scan(tmp, ref)
    after = info(tmp)
    eq(rc2, rc1, 'exit code')
    eq(comparable(warm), comparable(cold), 'findings')
    assert after['hits'] >= before['hits'] + before['layers'], (before, after)


@test
def hidden_flags_recomputed(tmp):
    """Layers cached from image A, reused under image B whose new top layer deletes the
    file with the secret: B's warm report must equal B's uncached one (removed_in set)."""
    l0 = w.Layer(created_by='ADD rootfs /')
    l0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    l1 = w.Layer(created_by='COPY app /app')
    l1.dir('app').file('app/.env', b'TOKEN=%s\n' % SECRETS[0])
    l2 = w.Layer(created_by='RUN rm /app/.env')
    l2.whiteout('app/.env')
    w.Image([l0, l1]).write_oci(tmp + '/a')
    w.Image([l0, l1, l2]).write_oci(tmp + '/b')
    scan(tmp, 'oci:' + tmp + '/a')
    if not os.path.exists(tmp + '/c/cache.db'):
        raise Skip('scan does not use the layer cache yet')
    hits = info(tmp)['hits']
    _, warm = scan(tmp, 'oci:' + tmp + '/b')
    assert info(tmp)['hits'] >= hits + 2, 'layers 0 and 1 of b came from the cache'
    _, cold = scan(tmp, 'oci:' + tmp + '/b', '--no-cache')
    eq(comparable(warm), comparable(cold), 'findings')
    flagged = [f for f in cold.get('findings', []) if f.get('path') == 'app/.env']
    for f in flagged:
        eq(f.get('removed_in_layer'), 2, 'removed_in_layer of %s' % f.get('rule_id'))
    assert flagged, 'the secret in app/.env was found'


@test
def same_layers_across_formats(tmp):
    """The key is the diff_id: the layers of an OCI layout (gzip) serve the same image
    saved as oci-archive (same blobs) and docker-archive (uncompressed tars)."""
    img = w.sample_image()
    img.write_oci(tmp + '/oci')
    img.write_oci_archive(tmp + '/o.tar')
    img.write_docker_archive(tmp + '/d.tar', ['x:y'])
    _, base = scan(tmp, 'oci:' + tmp + '/oci')
    if not os.path.exists(tmp + '/c/cache.db'):
        raise Skip('scan does not use the layer cache yet')
    for ref in ('oci-archive:' + tmp + '/o.tar', 'docker-archive:' + tmp + '/d.tar'):
        hits = info(tmp)['hits']
        _, doc = scan(tmp, ref)
        got = info(tmp)['hits'] - hits
        eq(got, 3, '%s: layers from the cache' % ref)
        eq([l.get('cached') for l in doc['image']['layers']], [True] * 3, ref)
        eq(finding_ids(doc), finding_ids(base), ref)


@test
def no_secret_in_clear(tmp):
    ref = image(tmp)
    scan(tmp, ref)
    scan(tmp, ref, '--show-secrets')
    names = [n for n in os.listdir(tmp + '/c')] if os.path.isdir(tmp + '/c') else []
    if 'cache.db' not in names:
        raise Skip('scan does not use the layer cache yet')
    for n in names:
        with open(os.path.join(tmp, 'c', n), 'rb') as f:
            data = f.read()
        for s in SECRETS:
            assert s not in data, '%s in %s' % (s, n)


@test
def prune_and_clean(tmp):
    ref = image(tmp)
    scan(tmp, ref)
    doc = info(tmp)
    if not doc['exists']:
        raise Skip('scan does not use the layer cache yet')
    p = cache(tmp, 'prune', '--format', 'json')
    eq(p.returncode, 0, p.stderr)
    eq(json.loads(p.stdout)['removed_layers'], 0, 'under the bound nothing goes')
    p = cache(tmp, 'prune', '--older-than', '0')
    eq(p.returncode, 0, p.stderr)
    eq(info(tmp)['layers'], 0)
    scan(tmp, ref)
    p = cache(tmp, 'clean')
    eq(p.returncode, 0, p.stderr)
    doc = info(tmp)
    eq((doc['layers'], doc['trusted_blobs'], doc['hits']), (0, 0, 0))


if __name__ == '__main__':
    main()
