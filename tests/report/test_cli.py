"""The CLI surface: usage errors exit 2, help texts, detectors and limits in both
formats, --output written atomically, errors on stderr escaped, version."""
import json
import os
import subprocess

from lctest import test, main, run, eq, validate, LAOCOON, EUSAGE, EIMAGE, EINTERNAL, OK


def usage_error(args):
    p = run(args)
    eq(p.returncode, EUSAGE, 'exit code of %r (stderr %r)' % (args, p.stderr))
    assert p.stderr.startswith('laocoon: ') or p.stderr.startswith('usage:'), p.stderr
    eq(p.stdout, '', 'nothing on stdout')
    return p


@test
def no_arguments():
    p = run([])
    eq(p.returncode, EUSAGE)
    assert 'usage: laocoon' in p.stderr


@test
def top_level_help():
    for args in (['--help'], ['-h'], ['help']):
        p = run(args)
        eq(p.returncode, OK, repr(args))
        for word in ('scan', 'inspect', 'detectors', 'limits', 'version', 'Exit codes'):
            assert word in p.stdout, (args, word)


@test
def command_help():
    for cmd in ('scan', 'inspect', 'detectors', 'limits', 'version'):
        a = run(['help', cmd])
        b = run([cmd, '--help'])
        eq(a.returncode, OK, cmd)
        eq(b.returncode, OK, cmd)
        eq(a.stdout, b.stdout, cmd)
        assert a.stdout.startswith('usage: laocoon ' + cmd), a.stdout
    scan = run(['help', 'scan']).stdout
    for opt in ('--format', '--output', '--fail-on', '--limit', '--platform', '--scanners',
                '--show-secrets', '--secret-config', '--yara-rules', '--ioc', '--hash-db',
                '--trusted', '--parallel', '--timeout', '--max-memory', '--no-cache',
                '--cache-dir', '--cache-max-size'):
        assert opt in scan, opt
    assert '--files' in run(['help', 'inspect']).stdout


@test
def usage_errors():
    usage_error(['bogus'])
    usage_error(['help', 'bogus'])
    usage_error(['scan'])
    usage_error(['scan', 'a', 'b'])
    usage_error(['scan', '--bogus', 'x'])
    usage_error(['scan', 'x', '--bogus'])
    usage_error(['scan', '--format'])
    usage_error(['scan', '--format', 'xml', 'x'])
    usage_error(['scan', '--fail-on', 'severe', 'x'])
    usage_error(['scan', '--limit', 'nonsense', 'x'])
    usage_error(['scan', '--limit', 'no_such_limit=3', 'x'])
    usage_error(['scan', '--scanners', 'no-such-detector', 'x'])
    usage_error(['scan', '--files', 'x'])
    usage_error(['scan', '--show-secrets=yes', 'x'])
    usage_error(['inspect'])
    # library options are checked by the library, by name
    usage_error(['scan', '--timeout', 'soon', 'x'])
    usage_error(['scan', '--max-memory', 'lots', 'x'])
    usage_error(['scan', '--parallel', '-3', 'x'])
    usage_error(['scan', '--platform', 'linux', 'x'])
    usage_error(['inspect', '--cache-max-size', 'big', 'x'])
    usage_error(['detectors', 'extra'])
    usage_error(['detectors', '--format', 'xml'])
    usage_error(['limits', '--fail-on', 'high'])
    usage_error(['version', 'extra'])
    p = usage_error(['scan', '--bogus', 'x'])
    assert 'unknown option' in p.stderr and 'usage: laocoon scan' in p.stderr, p.stderr


@test
def fail_on_is_case_insensitive():
    # A bad image after a good --fail-on: the option parsed, so the error is the image's.
    for sev in ('HIGH', 'high', 'HiGh', 'critical', 'none'):
        p = run(['scan', '--fail-on', sev, 'oci:/nonexistent/laocoon-test'])
        assert p.returncode != EUSAGE or 'fail-on' not in p.stderr, (sev, p.stderr)


@test
def detectors_listing():
    t = run(['detectors'])
    eq(t.returncode, OK)
    lines = t.stdout.splitlines()
    assert lines[0].split() == ['NAME', 'DESCRIPTION'], lines[0]
    j = run(['detectors', '--format', 'json'])
    eq(j.returncode, OK)
    doc = json.loads(j.stdout)
    names = [d['name'] for d in doc['detectors']]
    assert names, 'no detector registered'
    assert all(d['description'] for d in doc['detectors'])
    eq(sorted(names), sorted(l.split()[0] for l in lines[1:]))
    assert 'permissions' in names, names


@test
def limits_listing():
    t = run(['limits'])
    eq(t.returncode, OK)
    lines = t.stdout.splitlines()
    assert lines[0].split()[:2] == ['NAME', 'DEFAULT'], lines[0]
    j = run(['limits', '-f', 'json'])
    eq(j.returncode, OK)
    doc = json.loads(j.stdout)
    assert len(doc['limits']) >= 10
    for l in doc['limits']:
        assert isinstance(l['default'], int) and l['name'] and l['description'], l
    eq([l['name'] for l in doc['limits']], [l.split()[0] for l in lines[1:]])
    eq([str(l['default']) for l in doc['limits']], [l.split()[1] for l in lines[1:]])


@test
def output_file_is_atomic(tmp):
    out = os.path.join(tmp, 'limits.json')
    with open(out, 'w') as f:
        f.write('old')
    p = run(['limits', '--format=json', '--output', out])
    eq(p.returncode, OK)
    eq(p.stdout, '')
    json.load(open(out))
    eq(sorted(os.listdir(tmp)), ['limits.json'], 'no temporary file left')
    p = run(['detectors', '-o', os.path.join(tmp, 'nodir', 'x.txt')])
    eq(p.returncode, EINTERNAL)
    assert p.stderr.startswith('laocoon: '), p.stderr
    # checked before the image is even opened
    p = run(['scan', 'oci:' + os.path.join(tmp, 'missing'), '-o', os.path.join(tmp, 'nodir', 'x')])
    eq(p.returncode, EINTERNAL)
    eq(sorted(os.listdir(tmp)), ['limits.json'], 'no temporary file left')


@test
def version():
    for args in (['version'], ['--version']):
        p = run(args)
        eq(p.returncode, OK)
        assert p.stdout.startswith('laocoon 0.'), p.stdout
        assert 'report schema 1.0' in p.stdout


@test
def open_error_still_reports(tmp):
    ref = 'oci:' + os.path.join(tmp, 'missing')
    p = run(['scan', ref])
    assert p.returncode in (EUSAGE, EIMAGE), p.returncode
    assert p.stderr.startswith('laocoon: '), p.stderr
    eq(p.stdout, '', 'table output skipped when the image cannot be opened')
    p = run(['scan', '--format', 'json', ref])
    assert p.returncode in (EUSAGE, EIMAGE), p.returncode
    doc = json.loads(p.stdout)
    validate(doc)
    eq(doc['complete'], False)
    eq(doc['image']['reference'], ref)
    assert doc['errors'] and doc['errors'][0]['message'], doc
    out = os.path.join(tmp, 'r.json')
    p = run(['inspect', ref, '--output', out, '--format', 'json'])
    assert p.returncode in (EUSAGE, EIMAGE)
    validate(json.load(open(out)))


@test
def errors_are_escaped(tmp):
    evil = os.path.join(tmp, 'x\x1b]0;pwned\x07\x1b[2J').encode() + b'\xff'
    p = subprocess.run([LAOCOON, 'scan', '--format', 'json', b'oci:' + evil],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode in (EUSAGE, EIMAGE), p.returncode
    assert b'\x1b' not in p.stderr and b'\x07' not in p.stderr and b'\xff' not in p.stderr, p.stderr
    assert b'\x1b' not in p.stdout and b'\xff' not in p.stdout
    p.stdout.decode('utf-8')
    doc = json.loads(p.stdout)
    assert '\\x1b]0;pwned\\x07' in doc['image']['reference'], doc['image']
    p = subprocess.run([LAOCOON, 'scan', 'oci:' + tmp + '/a\u202eb\u2028c\u200fd\u00e9'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert b'a\\xe2\\x80\\xaeb\\xe2\\x80\\xa8c\\xe2\\x80\\x8fd\xc3\xa9' in p.stderr, p.stderr
    p = subprocess.run([LAOCOON, 'scan', b'--\x1b[31mbogus'], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    eq(p.returncode, EUSAGE)
    assert b'\x1b' not in p.stderr, p.stderr


if __name__ == '__main__':
    main()
