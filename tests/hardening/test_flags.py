#!/usr/bin/env python3
"""The release build really is hardened (issue 7): the laocoon binary and liblaocoon.so
are checked with readelf, not trusted from meson.build. PIE, full RELRO (GNU_RELRO +
BIND_NOW), a non-executable stack, the stack protector (__stack_chk_fail imported),
FORTIFY (__*_chk imports, and -D_FORTIFY_SOURCE=3 on every library and CLI source in
compile_commands.json), -fstack-protector-strong and -fstack-clash-protection recorded in
every C compile unit's DW_AT_producer (or, without debug info, the stack-clash probes in
the code). Builds configured without hardening (sanitizer builds: FORTIFY and ASan
intercept the same calls) skip every test."""

import json
import os
import re
import shutil
import subprocess

from lctest import LAOCOON, SRC, Skip, main, test

BUILD = os.path.dirname(os.path.abspath(LAOCOON))


def options():
    p = os.path.join(BUILD, 'meson-info', 'intro-buildoptions.json')
    try:
        with open(p) as f:
            return {o['name']: o['value'] for o in json.load(f)}
    except OSError:
        return {}


OPTS = options()


def need_hardened():
    if not shutil.which('readelf'):
        raise Skip('readelf is not installed')
    if not OPTS:
        raise Skip('no meson-info in %s' % BUILD)
    if not OPTS.get('hardening', False):
        raise Skip('built with -Dhardening=false')
    if OPTS.get('b_sanitize', 'none') != 'none':
        raise Skip('sanitizer build (hardening is off by design)')


def readelf(*args, path=LAOCOON):
    r = subprocess.run(['readelf', '-W'] + list(args) + [path], capture_output=True, text=True,
                       errors='replace')
    assert r.returncode == 0, r.stderr
    return r.stdout


def binaries():
    """The CLI and the shared library (the static library is inside the CLI)."""
    out = [LAOCOON]
    so = os.path.join(BUILD, 'liblaocoon.so')
    if os.path.exists(so):
        out.append(so)
    return out


@test
def pie():
    need_hardened()
    hdr = readelf('-h')
    assert re.search(r'Type:\s+DYN', hdr), 'not position-independent:\n' + hdr
    dyn = readelf('-d')
    assert re.search(r'FLAGS_1\).*\bPIE\b', dyn), 'DT_FLAGS_1 lacks PIE:\n' + dyn


@test
def full_relro():
    need_hardened()
    for b in binaries():
        segs = readelf('-l', path=b)
        assert 'GNU_RELRO' in segs, '%s: no GNU_RELRO segment' % b
        dyn = readelf('-d', path=b)
        assert re.search(r'\(FLAGS\).*\bBIND_NOW\b', dyn) or \
            re.search(r'FLAGS_1\).*\bNOW\b', dyn), '%s: no BIND_NOW (partial RELRO):\n%s' % (b, dyn)


@test
def nx_stack():
    need_hardened()
    for b in binaries():
        segs = readelf('-l', path=b)
        m = re.search(r'GNU_STACK\s+(?:\S+\s+){5}(\S+)\s', segs)
        assert m, '%s: no GNU_STACK header (the stack would be executable)' % b
        assert 'E' not in m.group(1), '%s: executable stack (%s)' % (b, m.group(1))


def imports(b):
    return set(re.findall(r'\b(__\w+_chk|__stack_chk_fail)\b', readelf('--dyn-syms', path=b)))


@test
def stack_protector():
    need_hardened()
    for b in binaries():
        assert '__stack_chk_fail' in imports(b), '%s: __stack_chk_fail not imported' % b


@test
def fortify_symbols():
    need_hardened()
    for b in binaries():
        chk = {s for s in imports(b) if s.endswith('_chk') and s != '__stack_chk_fail'}
        # snprintf, memcpy and fprintf are everywhere in the code: each must be checked
        for want in ('__snprintf_chk', '__memcpy_chk'):
            assert want in chk, '%s: %s not imported (FORTIFY off?); have %s' % (b, want, sorted(chk))


@test
def fortify_level_3():
    need_hardened()
    p = os.path.join(BUILD, 'compile_commands.json')
    if not os.path.exists(p):
        raise Skip('no compile_commands.json')
    with open(p) as f:
        cmds = json.load(f)
    ours = [c for c in cmds if re.search(r'(^|/)src/(lib|cli)/', c['file'])]
    assert ours, 'no library or CLI source in compile_commands.json'
    bad = [c['file'] for c in ours if '-D_FORTIFY_SOURCE=3' not in c.get('command', ' '.join(c.get('arguments', [])))]
    assert not bad, 'compiled without -D_FORTIFY_SOURCE=3: %s' % bad[:5]


@test
def stack_clash_and_protector_flags():
    need_hardened()
    info = subprocess.run(['readelf', '--debug-dump=info', LAOCOON], capture_output=True,
                          text=True, errors='replace').stdout
    producers = re.findall(r'DW_AT_producer\s*:.*?:\s*(GNU C.*)', info)
    if not producers:
        # no debug info (a plain release build): look for the probes themselves, an
        # `or $0x0,(%rsp)` after each page of a large frame
        if not shutil.which('objdump'):
            raise Skip('no debug info and no objdump')
        dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', LAOCOON],
                             capture_output=True, text=True).stdout
        assert re.search(r'orq?\s+\$0x0,\(%rsp\)', dis), 'no stack-clash probe in the code'
        return
    missing = [p for p in producers if '-fstack-clash-protection' not in p or
               '-fstack-protector-strong' not in p]
    assert not missing, '%d of %d C units without the flags, e.g. %s' % (
        len(missing), len(producers), missing[0])


if __name__ == '__main__':
    main()
