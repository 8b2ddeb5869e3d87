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
    eq((before['layers'], before['images']), (3, 1), 'three layer records, one image record')
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
    # the compiled rule files beside the database go too: one is written for every rule
    # set and --scanners choice, so they would pile up otherwise
    rules = lambda: sorted(n for n in os.listdir(tmp + '/c')
                           if n.endswith('.hsdb') or n.endswith('.yarc'))
    assert any(n.endswith('.hsdb') for n in rules()) and any(n.endswith('.yarc') for n in rules()), rules()
    os.symlink('/etc/hostname', tmp + '/c/matcher-planted.hsdb')  # never followed or removed
    p = cache(tmp, 'prune', '--older-than', '1d')
    eq(p.returncode, 0, p.stderr)
    eq(len(rules()), 3, 'used just now: kept')
    p = cache(tmp, 'clean')
    eq(p.returncode, 0, p.stderr)
    doc = info(tmp)
    eq((doc['layers'], doc['trusted_blobs'], doc['hits']), (0, 0, 0))
    eq(rules(), ['matcher-planted.hsdb'])
    assert os.path.exists('/etc/hostname')
    scan(tmp, ref)
    old = 1_000_000_000  # 2001: long unused
    for n in rules():
        if not os.path.islink(tmp + '/c/' + n):
            os.utime(tmp + '/c/' + n, (old, old))
    p = cache(tmp, 'prune', '--older-than', '1d')
    eq(p.returncode, 0, p.stderr)
    eq(rules(), ['matcher-planted.hsdb'])



def rich_image(tmp, name='rich'):
    """Secrets in a file and in ENV; a hidden file (written, then deleted by
    a whiteout); config findings (root user, an exposed SSH port): the image-level
    record has to carry all of them."""
    l0 = w.Layer(created_by='ADD rootfs /')
    l0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    l1 = w.Layer(created_by='RUN curl -o /app/x https://example.com/x && chmod 777 /app')
    l1.dir('app').file('app/.env', b'TOKEN=%s\n' % SECRETS[1])
    l1.file('app/old.env', b'SLACK=%s\n' % SECRETS[2])
    l2 = w.Layer(created_by='RUN rm /app/old.env')
    l2.whiteout('app/old.env')
    cfg = {'User': 'root', 'Env': ['PATH=/usr/bin', 'GITHUB_TOKEN=%s' % SECRETS[0].decode()],
           'ExposedPorts': {'22/tcp': {}}, 'Cmd': ['/bin/sh']}
    w.Image([l0, l1, l2], config=cfg).write_oci(tmp + '/' + name)
    return 'oci:' + tmp + '/' + name


def without_cached_flags(doc):
    d = json.loads(json.dumps(doc))
    for l in d.get('image', {}).get('layers', []):
        l.pop('cached', None)
    return json.dumps(d, sort_keys=True)


@test
def warm_rescan_byte_identical(tmp):
    """A fully warm rescan loads no detector (layers and image-level results from the
    cache) and still prints exactly the cold report: findings byte for byte, redacted
    config summary, hidden flags."""
    ref = rich_image(tmp)
    rc0, nocache = scan(tmp, ref, '--no-cache')
    rc1, cold = scan(tmp, ref)
    rc2, warm = scan(tmp, ref)
    eq((rc1, rc2), (rc0, rc0), 'exit codes')
    eq(json.dumps(warm['findings'], sort_keys=True), json.dumps(cold['findings'], sort_keys=True),
       'findings, warm vs cold')
    eq(json.dumps(cold['findings'], sort_keys=True), json.dumps(nocache['findings'], sort_keys=True),
       'findings, cached scan vs --no-cache')
    eq(without_cached_flags(warm), without_cached_flags(cold), 'whole report')
    eq([l.get('cached') for l in warm['image']['layers']], [True] * 3, 'layers cached')
    sources = {f.get('source') for f in warm['findings']}
    assert 'config' in sources or 'history' in sources, sources
    hidden = [f for f in warm['findings'] if f.get('path') == 'app/old.env']
    assert hidden and all(f.get('removed_in_layer') == 2 for f in hidden), hidden
    out = json.dumps(warm)
    for sec in SECRETS:
        assert sec.decode() not in out, 'secret in clear in the warm report'


@test
def image_record_not_reused_across_images(tmp):
    """Same layers, another config: the layers come from the cache, the image-level
    findings do not (they are keyed by the config digest)."""
    ref = rich_image(tmp)
    scan(tmp, ref)
    l0 = w.Layer(created_by='ADD rootfs /')
    l0.dir('etc').file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    w.Image([l0], config={'User': 'root', 'Env': ['AWS_KEY=%s' % SECRETS[1].decode()]}
            ).write_oci(tmp + '/other')
    _, warm = scan(tmp, 'oci:' + tmp + '/other')
    _, cold = scan(tmp, 'oci:' + tmp + '/other', '--no-cache')
    eq(warm['image']['layers'][0].get('cached'), True, 'layer 0 from the cache')
    eq(comparable(warm), comparable(cold), 'findings of the other image')


@test
def changes_invalidate(tmp):
    """An edited rule file, another scanner set, another limit: nothing is served from
    the cache that was computed under other rules or options."""
    ref = rich_image(tmp)
    rules = tmp + '/r.yar'
    with open(rules, 'w') as f:
        f.write('rule a { strings: $a = "nothing-here-1" condition: $a }\n')
    base = ['--yara-rules', rules]
    scan(tmp, ref, *base)
    _, warm = scan(tmp, ref, *base)
    eq([l.get('cached') for l in warm['image']['layers']], [True] * 3, 'warm with the rules')
    with open(rules, 'w') as f:
        f.write('rule a { strings: $a = "TOKEN=" condition: $a }\n')
    _, edited = scan(tmp, ref, *base)
    eq([l.get('cached') for l in edited['image']['layers']], [False] * 3, 'rules edited')
    _, cold = scan(tmp, ref, *base, '--no-cache')
    eq(comparable(edited), comparable(cold), 'findings after the edit')
    assert any(f.get('detector') == 'yara' for f in edited['findings']), 'the new rule ran'
    for extra in (['--scanners', 'secrets,config'], ['--limit', 'file-buffer=1M']):
        p = run(['scan', '--format', 'json', ref, '--cache-dir', tmp + '/c'] + base + extra)
        if 'unknown option' in p.stderr or p.returncode == EUSAGE:
            continue
        doc = json.loads(p.stdout)
        eq([l.get('cached') for l in doc['image']['layers']], [False] * 3, ' '.join(extra))


@test
def two_processes_at_once(tmp):
    """Two scans of the same image against one cache at the same time, cold then warm:
    both finish with the same findings as an uncached scan."""
    import subprocess
    from lctest import LAOCOON
    ref = rich_image(tmp)
    _, cold = scan(tmp, ref, '--no-cache')
    for round_ in ('cold', 'warm'):
        procs = [subprocess.Popen([LAOCOON, 'scan', '--format', 'json', ref, '--cache-dir',
                                   tmp + '/c'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            doc = json.loads(out)
            eq(comparable(doc), comparable(cold), '%s: findings' % round_)
            assert not [x for x in doc.get('errors', [])], (round_, doc.get('errors'))

if __name__ == '__main__':
    main()
