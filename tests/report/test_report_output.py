"""The report writers on a hand-built report full of hostile strings (report_sample):
the JSON matches docs/json-schema.json, and no control byte or invalid UTF-8 reaches
either output raw."""
import json
import os
import subprocess
import sys

from lctest import test, main, validate, eq, Skip

# meson passes the report_sample program first; test names may follow.
SAMPLE = (os.path.abspath(sys.argv.pop(1))
          if len(sys.argv) > 1 and os.path.isfile(sys.argv[1]) else None)


def sample(*args):
    if not SAMPLE:
        raise Skip('report_sample not given')
    p = subprocess.run([SAMPLE] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    assert p.returncode == 0, (p.returncode, p.stderr)
    return p.stdout


def assert_clean(out, allow_sgr=False):
    """No control byte but newline (and SGR color sequences when allowed); valid UTF-8."""
    text = out.decode('utf-8')  # raises on invalid UTF-8
    if allow_sgr:
        import re
        text = re.sub(r'\x1b\[[0-9;]*m', '', text)
    bad = [c for c in text if (ord(c) < 0x20 and c != '\n') or 0x7f <= ord(c) <= 0x9f
           or 0x202a <= ord(c) <= 0x202e]
    assert not bad, 'raw control characters in output: %r' % bad[:5]


@test
def json_matches_schema():
    doc = json.loads(sample('json'))
    validate(doc)
    eq(doc['schema_version'], '1.0')
    eq(list(doc.keys()), ['schema_version', 'image', 'complete', 'summary', 'scanners',
                          'findings', 'warnings', 'errors'])
    eq(doc['summary']['CRITICAL'], 1)
    eq(doc['summary']['total'], 3)


@test
def json_files_match_schema():
    doc = json.loads(sample('json', 'files'))
    validate(doc)
    files = doc['files']
    modes = {f['path']: f['mode'] for f in files}
    eq(modes.get('bin/su'), '4755')
    hidden = [f for f in files if f['path'].startswith('secret/') and f['type'] == 'file']
    assert hidden and hidden[0]['removed_in_layer'] == 1, files


@test
def json_escapes_everything():
    raw = sample('json')
    assert_clean(raw)
    doc = json.loads(raw)
    f = doc['findings'][0]
    eq(f['path'], 'secret/\\x1b[2Jkey\\xff')
    eq(f['removed_in_layer'], 1)
    eq(f['details']['raw'], '\\x1b]0;title\\x07')
    eq(doc['image']['reference'], 'oci:/tmp/img\\x1b[31m')
    labels = doc['image']['config']['labels']
    eq(labels.get('bad\\xff'), 'v\\xfe')
    eq(labels.get('evil\\x1b'), 'yes\\xe2\\x80\\xae')
    eq(doc['findings'][2]['evidence'], '\\xc2\\x9bevil')
    eq(doc['findings'][2]['layer_index'], None)
    eq(doc['warnings'][0]['path'], 'x\\x1b')
    eq(doc['warnings'][1]['layer'], None)


@test
def credential_env_redacted():
    doc = json.loads(sample('json'))
    eq(doc['image']['config']['env'],
       ['PATH=/bin', 'AWS_SECRET_ACCESS_KEY=wJal****', 'DB_PASS=****'])
    text = sample('table').decode()
    assert 'wJalrX' not in text and 'DB_PASS=****' in text, text


@test
def json_is_deterministic():
    eq(sample('json', 'files'), sample('json', 'files'))


@test
def table_escapes_everything():
    out = sample('table', 'files')
    assert_clean(out)
    text = out.decode()
    assert 'secret/\\x1b[2Jkey\\xff:3' in text, text
    assert '0, removed in 1' in text, text
    assert 'still extractable' in text, text
    assert '(removed in layer 1)' in text, text
    assert '-rwsr-xr-x' in text, text
    assert 'bin/sh -> busybox' in text, text
    assert 'complete: yes' in text, text
    assert '1 CRITICAL' in text, text
    assert 'layer.tar_unterminated' in text, text
    assert 'evidence: AKIA****' in text, text


@test
def table_color_only_when_asked():
    plain = sample('table')
    assert b'\x1b' not in plain
    colored = sample('table', 'color')
    assert b'\x1b[1;31mCRITICAL' in colored, colored[:2000]
    assert_clean(colored, allow_sgr=True)


if __name__ == '__main__':
    main()
