#!/usr/bin/env python3
"""The CLI's contract: exit codes, --fail-on, --format/--output, commands, usage errors."""
import json
import os

from lctest import EIMAGE, EINTEGRITY, EUSAGE, FINDINGS, OK, TestFailure, eq, main, run, \
    scan_json, test, validate
import imgwriter as w


def _img(tmp):
    w.sample_image().write_oci(tmp + '/oci')
    return 'oci:%s/oci' % tmp


@test
def fail_on(tmp):
    ref = _img(tmp)  # has a HIGH finding (setuid usr/bin/tool), no CRITICAL
    eq(run(['scan', ref]).returncode, OK, 'no --fail-on')
    eq(run(['scan', '--fail-on', 'high', ref]).returncode, FINDINGS, '--fail-on high')
    eq(run(['scan', '--fail-on', 'HIGH', ref]).returncode, FINDINGS, '--fail-on HIGH')
    eq(run(['scan', '--fail-on', 'Low', ref]).returncode, FINDINGS, '--fail-on Low')
    eq(run(['scan', '--fail-on', 'critical', ref]).returncode, OK, '--fail-on critical')
    eq(run(['scan', '--fail-on', 'bogus', ref]).returncode, EUSAGE, '--fail-on bogus')
    eq(run(['scan', '--format', 'json', '--fail-on', 'high', ref]).returncode, FINDINGS)


@test
def errors_win_over_findings(tmp):
    img = w.sample_image()
    img.layers[2].flip(20)  # digest mismatch in the last layer; findings in layer 1
    img.write_oci(tmp + '/oci')
    rc, doc = scan_json('oci:%s/oci' % tmp, '--fail-on', 'info')
    eq(rc, EINTEGRITY)
    eq(doc['complete'], False)
    if not doc['errors']:
        raise TestFailure('no error in the report')


@test
def output_file(tmp):
    ref = _img(tmp)
    out = tmp + '/report.json'
    p = run(['scan', '--format', 'json', '--output', out, ref])
    eq(p.returncode, OK)
    eq(p.stdout, '', 'stdout with --output')
    with open(out) as f:
        doc = json.load(f)
    validate(doc)
    eq(doc['schema_version'], '1.0')
    p = run(['inspect', '--format', 'json', '--output', tmp + '/i.json', ref])
    eq(p.returncode, OK)
    with open(tmp + '/i.json') as f:
        validate(json.load(f))


@test
def table_output(tmp):
    ref = _img(tmp)
    p = run(['scan', ref])
    eq(p.returncode, OK)
    for want in ('usr/bin/tool', 'HIGH'):
        if want not in p.stdout:
            raise TestFailure('%r not in the table output:\n%s' % (want, p.stdout[:2000]))
    p = run(['inspect', ref])
    eq(p.returncode, OK)
    if 'RUN install' not in p.stdout:
        raise TestFailure('created_by not in inspect output:\n' + p.stdout[:2000])
    p = run(['inspect', '--files', ref])
    eq(p.returncode, OK)
    if 'etc/secret.txt' not in p.stdout:
        raise TestFailure('hidden file not in inspect --files:\n' + p.stdout[:3000])


@test
def scanners_option(tmp):
    ref = _img(tmp)
    rc, doc = scan_json(ref, '--scanners', 'permissions')
    eq(rc, OK)
    eq(doc.get('scanners'), ['permissions'])
    eq(run(['scan', '--scanners', 'nosuchdetector', ref]).returncode, EUSAGE)


@test
def commands():
    p = run(['version'])
    eq(p.returncode, OK)
    if '0.1.0' not in p.stdout:
        raise TestFailure('version: %r' % p.stdout)
    eq(run(['--help']).returncode, OK)
    p = run(['help', 'scan'])
    eq(p.returncode, OK)
    if '--fail-on' not in p.stdout:
        raise TestFailure('help scan does not mention --fail-on')
    p = run(['detectors'])
    eq(p.returncode, OK)
    if 'permissions' not in p.stdout:
        raise TestFailure('detectors does not list permissions: %r' % p.stdout)
    p = run(['limits'])
    eq(p.returncode, OK)
    if not p.stdout.strip():
        raise TestFailure('limits printed nothing')


@test
def usage_errors(tmp):
    ref = _img(tmp)
    eq(run(['nosuchcommand']).returncode, EUSAGE, 'unknown command')
    eq(run(['scan']).returncode, EUSAGE, 'scan without image')
    eq(run(['scan', '--nosuchoption', ref]).returncode, EUSAGE, 'unknown option')
    eq(run(['scan', '--format', 'nosuchformat', ref]).returncode, EUSAGE, 'unknown format')
    eq(run(['scan', '--limit', 'nosuchlimit=1', ref]).returncode, EUSAGE, 'unknown limit')
    eq(run(['scan', 'nosuchtransport:x']).returncode in (EUSAGE, EIMAGE), True,
       'unknown transport')
    p = run(['scan', 'no-such-word-image'])
    eq(p.returncode in (EUSAGE, EIMAGE), True, 'a bare word that is no path')


@test
def missing_path(tmp):
    for ref in ('oci:%s/nope' % tmp, 'oci-archive:%s/nope.tar' % tmp,
                'docker-archive:%s/nope.tar' % tmp, 'dir:%s/nope' % tmp,
                'rootfs:%s/nope' % tmp):
        p = run(['scan', ref])
        eq(p.returncode, EIMAGE, ref)
        if not p.stderr.strip():
            raise TestFailure('no message for ' + ref)


@test
def compressed_docker_save(tmp):
    """`docker save | gzip`: an error that says what to do, not a crash or a guess."""
    import gzip
    w.sample_image().write_docker_archive(tmp + '/d.tar', ['a:b'])
    with open(tmp + '/d.tar', 'rb') as f, gzip.open(tmp + '/d.tar.gz', 'wb') as g:
        g.write(f.read())
    for ref in (tmp + '/d.tar.gz', 'docker-archive:%s/d.tar.gz' % tmp):
        p = run(['scan', ref])
        eq(p.returncode in (EUSAGE, EIMAGE), True, 'exit %d for %s' % (p.returncode, ref))
        if 'compress' not in p.stderr:
            raise TestFailure('message does not say it is compressed: %r' % p.stderr)


@test
def limit_option(tmp):
    ref = _img(tmp)
    p = run(['limits'])
    first = p.stdout.split()[0] if p.stdout.split() else None
    if not first:
        raise TestFailure('limits printed nothing')
    # setting a documented limit to a large value works
    names = [l.split()[0] for l in p.stdout.splitlines() if l.strip() and l[0].islower()]
    if not names:
        raise TestFailure('no limit names in %r' % p.stdout)
    eq(run(['scan', '--limit', names[0] + '=100000000', ref]).returncode, OK,
       '--limit %s' % names[0])


if __name__ == '__main__':
    main()
