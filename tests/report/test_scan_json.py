"""End to end through the CLI: scan and inspect reports of images written by
imgwriter, validated against docs/json-schema.json, in both formats; hostile names
escaped; exit codes for --fail-on and integrity errors."""
import json
import os
import re
import subprocess

import imgwriter as w
from lctest import (test, main, run, eq, validate, scan_json, inspect_json, findings,
                    LAOCOON, OK, FINDINGS, EINTEGRITY)

EVIL = b'opt/evil\x1b]0;pwned\x07\x1b[2J\xff\xc2\x9bname'


def sample_image():
    l0 = w.Layer(created_by='ADD rootfs /')
    l0.dir('etc')
    l0.file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    l0.dir('bin')
    l0.file('bin/busybox', b'\x7fELF' + b'\0' * 60, mode=0o755)
    l0.symlink('bin/sh', 'busybox')
    l0.dir('opt')
    l0.file('opt/tool', b'#!/bin/sh\n', mode=0o4755)
    l0.file(EVIL, b'x', mode=0o4755)
    l1 = w.Layer(created_by='RUN rm /opt/tool')
    l1.whiteout('opt/tool')
    return w.Image([l0, l1], config=dict(Entrypoint=['/bin/sh'], Env=['PATH=/bin'],
                                        Labels={'x\x1b': 'y'}))


def write(tmp, img=None):
    path = os.path.join(tmp, 'img')
    (img or sample_image()).write_oci(path)
    return 'oci:' + path


def assert_clean(b):
    b.decode('utf-8')
    for c in (b'\x1b', b'\x07', b'\xc2\x9b', b'\xff'):
        assert c not in b, 'raw %r in output' % c


@test
def scan_json_valid(tmp):
    ref = write(tmp)
    rc, doc = scan_json(ref)
    eq(rc, OK)
    eq(doc['complete'], True)
    assert doc['scanners'], doc['scanners']
    eq(len(doc['image']['layers']), 2)
    eq(doc['summary']['total'], len(doc['findings']))
    hidden = findings(doc, path='opt/tool')
    assert hidden, [f['path'] for f in doc['findings']]
    eq(hidden[0]['layer_index'], 0)
    eq(hidden[0]['removed_in_layer'], 1)
    rc2, doc2 = scan_json(ref)   # the second run may come from the layer cache
    for d in (doc, doc2):
        for l in d['image']['layers']:
            l.pop('cached', None)
    eq(json.dumps(doc, sort_keys=False), json.dumps(doc2, sort_keys=False), 'deterministic')


@test
def fail_on_gate(tmp):
    ref = write(tmp)
    rc, doc = scan_json(ref)
    sevs = {f['severity'] for f in doc['findings']}
    assert sevs, 'the sample image should give findings'
    order = ['UNKNOWN', 'INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
    top = max(order.index(s) for s in sevs)
    eq(run(['scan', '--fail-on', order[top].lower(), ref]).returncode, FINDINGS)
    eq(run(['scan', '--fail-on', 'info', ref]).returncode, FINDINGS)
    if top < len(order) - 1:
        eq(run(['scan', '--fail-on', order[top + 1], ref]).returncode, OK)
    eq(run(['scan', ref]).returncode, OK)


@test
def hostile_names_escaped(tmp):
    ref = write(tmp)
    for args in (['scan', '--format', 'json', ref], ['scan', ref],
                 ['inspect', '--files', ref], ['inspect', '--files', '--format', 'json', ref]):
        p = subprocess.run([LAOCOON] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        assert p.returncode in (OK, FINDINGS), (args, p.returncode, p.stderr)
        assert_clean(p.stdout)
        assert_clean(p.stderr)
    rc, doc = scan_json(ref)
    paths = [f['path'] for f in doc['findings']]
    assert 'opt/evil\\x1b]0;pwned\\x07\\x1b[2J\\xff\\xc2\\x9bname' in paths, paths


@test
def table_output(tmp):
    ref = write(tmp)
    p = run(['scan', ref])
    eq(p.returncode, OK)
    for want in ('Image:', 'Layers (2)', 'RUN rm /opt/tool', 'SEVERITY', 'opt/tool',
                 '0, removed in 1', 'complete: yes'):
        assert want in p.stdout, (want, p.stdout)


@test
def inspect_files(tmp):
    ref = write(tmp)
    rc, doc = inspect_json(ref, '--files')
    eq(rc, OK)
    eq(doc['scanners'], [])
    byp = {}
    for f in doc['files']:
        byp.setdefault(f['path'], []).append(f)
    tool = [f for f in byp.get('opt/tool', []) if f['type'] == 'file']
    assert tool and tool[0]['removed_in_layer'] == 1 and tool[0]['mode'] == '4755', byp
    eq(byp['bin/sh'][0]['link'], 'busybox')
    rc, doc = inspect_json(ref)
    assert 'files' not in doc
    p = run(['inspect', '--files', ref])
    eq(p.returncode, OK)
    assert '(removed in layer 1)' in p.stdout, p.stdout
    assert 'bin/sh -> busybox' in p.stdout, p.stdout
    assert 'Findings' not in p.stdout or 'opt/' in p.stdout


@test
def output_file(tmp):
    ref = write(tmp)
    out = os.path.join(tmp, 'report.json')
    p = run(['scan', ref, '--format', 'json', '--output', out])
    eq(p.returncode, OK)
    eq(p.stdout, '')
    validate(json.load(open(out)))


@test
def integrity_error_reported(tmp):
    l0 = w.Layer()
    l0.file('a', b'hello world' * 100)
    l0.flip(40, after_digest=True)
    ref = write(tmp, w.Image([l0]))
    rc, doc = scan_json(ref)
    eq(rc, EINTEGRITY)
    eq(doc['complete'], False)
    assert doc['errors'], doc
    eq(run(['scan', '--fail-on', 'info', ref]).returncode, EINTEGRITY)


def run_on_tty(args, cols=80, env=None):
    """Run laocoon with stdout on a pseudo-terminal `cols` wide; returns (rc, bytes)."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 50, cols, 0, 0))
    e = dict(os.environ)
    e.pop('NO_COLOR', None)
    e.update(env or {})
    p = subprocess.Popen([LAOCOON] + args, stdout=slave, stderr=subprocess.PIPE, env=e)
    os.close(slave)
    out = b''
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO once the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=120), out


@test
def terminal_color_and_truncation(tmp):
    ref = write(tmp)
    rc, out = run_on_tty(['scan', ref], cols=80)
    eq(rc, OK)
    assert b'\x1b[31mHIGH' in out, out[:3000]
    assert '\u2026'.encode() in out, 'long cells end in an ellipsis on a terminal'
    for line in out.decode().splitlines():
        visible = re.sub(r'\x1b\[[0-9;]*m', '', line)
        assert len(visible.rstrip('\r')) <= 80 or line.startswith('Manifest') or \
            line.startswith('Config'), 'too wide for 80 columns: %r' % line
    rc, out = run_on_tty(['scan', ref], env={'NO_COLOR': '1'})
    eq(rc, OK)
    assert b'\x1b[' not in out, 'NO_COLOR honoured'
    p = run(['scan', ref])
    assert '\u2026' not in p.stdout and 'opt/evil\\x1b]0;pwned' in p.stdout, 'no cut off a terminal'


if __name__ == '__main__':
    main()
