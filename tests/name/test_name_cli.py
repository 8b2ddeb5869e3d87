"""test_name_cli.py - `laocoon name REF`: exit codes (1 lookalike, 0 clean, 2 usage),
--trusted suppression, JSON through the shared report writers, --output."""
import json
import os

from lctest import EUSAGE, FINDINGS, OK, eq, main, run, test, validate


def name_json(*args):
    p = run(['name', '--format', 'json'] + list(args))
    doc = json.loads(p.stdout) if p.stdout.strip() else None
    if doc is not None:
        validate(doc)
    return p.returncode, doc


@test
def clean_names_exit_0():
    for ref in ['nginx', 'bitnami/nginx', 'postgis/postgis', 'docker://ubuntu:22.04']:
        p = run(['name', ref])
        eq(p.returncode, OK, ref + ': ' + p.stdout + p.stderr)


@test
def lookalike_exits_1_and_names_the_edit():
    rc, doc = name_json('drupa1')
    eq(rc, FINDINGS)
    eq(len(doc['findings']), 1)
    f = doc['findings'][0]
    eq(f['source'], 'name')
    eq(f['detector'], 'name')
    eq(f['rule_id'], 'name.ascii_lookalike')
    assert "looks like library/drupal: '1' for 'l'" in f['title'], f['title']
    eq(f['details']['imitates'], 'library/drupal')
    eq(doc['image']['reference'], 'drupa1')


@test
def table_output():
    p = run(['name', 'someuser/ubuntu'])
    eq(p.returncode, FINDINGS)
    assert 'library/ubuntu' in p.stdout, p.stdout


@test
def trusted_suppresses():
    eq(run(['name', 'someuser/ubuntu', '--trusted', 'someuser']).returncode, OK)
    eq(run(['name', 'docker.io/someuser/ubuntu', '--trusted', 'docker.io/someuser']).returncode, OK)
    eq(run(['name', 'dockerhub.io/library/ubuntu', '--trusted', 'dockerhub.io']).returncode, OK)
    eq(run(['name', 'someuser/ubuntu', '--trusted', 'other']).returncode, FINDINGS)


@test
def retired_official_is_info_only():
    rc, doc = name_json('centos:7')
    eq(rc, OK)
    eq([f['severity'] for f in doc['findings']], ['INFO'])


@test
def usage_errors_exit_2():
    eq(run(['name']).returncode, EUSAGE)
    eq(run(['name', 'a', 'b']).returncode, EUSAGE)
    eq(run(['name', 'Ubuntu']).returncode, EUSAGE)
    eq(run(['name', 'nginx', '--format', 'xml']).returncode, EUSAGE)
    eq(run(['name', 'nginx', '--platform', 'linux/arm64']).returncode, EUSAGE)
    p = run(['name', 'bad\x1b[31mname'])
    eq(p.returncode, EUSAGE)
    assert '\x1b' not in p.stderr, repr(p.stderr)


@test
def output_file(tmp):
    out = os.path.join(tmp, 'r.json')
    p = run(['name', 'user/mongo_express', '--format', 'json', '--output', out])
    eq(p.returncode, FINDINGS)
    with open(out) as f:
        doc = json.load(f)
    validate(doc)
    eq(doc['findings'][0]['rule_id'], 'name.delimiter_change')


@test
def detector_judges_names_the_image_carries(tmp):
    import imgwriter as w
    from lctest import scan_json
    L = w.Layer()
    L.file('etc/hostname', b'x\n')
    img = w.Image([L], config={'User': '1000'})
    img.annotations = {'org.opencontainers.image.base.name': 'docker.io/someuser/ubunto:22.04'}
    img.write_docker_archive(tmp + '/a.tar', repo_tags=['drupa1:latest', 'myapp:1.0'])
    rc, doc = scan_json('docker-archive:' + tmp + '/a.tar', '--scanners', 'name')
    got = sorted((f['path'], f['rule_id'], f['details']['imitates']) for f in doc['findings'])
    eq(got, [('drupa1:latest', 'name.ascii_lookalike', 'library/drupal')])
    eq(doc['findings'][0]['source'], 'name')
    # The OCI base.name annotation is judged; a ref.name that is only a tag is no name.
    img.write_oci(tmp + '/oci', tag='latest')
    rc, doc = scan_json('oci:' + tmp + '/oci', '--scanners', 'name')
    got = sorted((f['path'], f['rule_id'], f['details']['imitates']) for f in doc['findings'])
    eq(got, [('docker.io/someuser/ubunto:22.04', 'name.typo', 'library/ubuntu')])
    # Trusted namespaces are quiet.
    rc, doc = scan_json('oci:' + tmp + '/oci', '--scanners', 'name', '--trusted', 'someuser')
    eq(doc['findings'], [])

if __name__ == '__main__':
    main()
