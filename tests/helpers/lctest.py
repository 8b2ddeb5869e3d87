"""lctest - a small TAP harness for laocoon's Python tests (stdlib; jsonschema if present).

A test file:

    from lctest import test, run, scan_json, main, Skip
    import imgwriter as w

    @test
    def scan_sample(tmp):                 # `tmp`: a fresh directory for this test (optional)
        w.sample_image().write_oci(tmp + '/img')
        rc, doc = scan_json('oci:' + tmp + '/img')
        assert rc == 0, rc
        eq(doc['complete'], True)

    def test_other():                     # test_* functions are found too (no decorator)
        raise Skip('needs something')     # -> "ok N - other # SKIP needs something"

    if __name__ == '__main__':
        main()

main() runs the tests in the order they are defined and prints TAP: `ok N - name`,
`not ok N - name` followed by `# ` diagnostics (traceback, the last command run, its
stderr), then `1..N`; it exits 1 when a test failed. `python3 test_x.py NAME...` runs only
the named tests. In meson:

    test('name', py, args : [files('test_x.py')], env : test_env, protocol : 'tap',
         suite : 'integration', timeout : 300)

Environment: LAOCOON (the binary; default build/laocoon of the repo), LAOCOON_SRC (the
repo; default found from this file), LAOCOON_SHARED (reference data; default the `shared`
directory next to the repo root), LCTEST_KEEP=1 keeps temp directories. run() gives each
test its own layer cache (LAOCOON_CACHE_DIR in the test's temp directory) unless the
environment sets one.

Helpers: run(args, input=None, timeout=120, env=None) -> CompletedProcess (text, with
undecodable bytes as surrogates) running $LAOCOON; scan_json(ref, *args) and
inspect_json(ref, *args) -> (rc, dict) with the JSON validated against
docs/json-schema.json (when that file exists); validate(doc); eq(a, b, msg);
finding_ids(doc); sh(cmd, ...) runs any other command and fails the test on error;
debootstrap_rootfs() -> cached Debian rootfs (or Skip when it cannot be built).
"""

import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('LAOCOON_SRC') or os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get('LAOCOON_SHARED') or os.path.join(os.path.dirname(os.path.abspath(SRC)),
                                                          'shared')
LAOCOON = os.environ.get('LAOCOON') or os.path.join(SRC, 'build', 'laocoon')

# exit codes (include/laocoon.h)
OK, FINDINGS, EUSAGE, EIMAGE, EINTEGRITY, EINTERNAL, EINCOMPLETE = range(7)


# A sanitizer's report on stderr fails the test whatever the exit code was.
SANITIZER_MARKERS = ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error: ',
                     'ERROR: UndefinedBehaviorSanitizer', 'WARNING: ThreadSanitizer')


class Skip(Exception):
    pass


class TestFailure(AssertionError):
    pass


_tests = []
_log = []  # diagnostics of the current test (commands run and their output)


def test(fn=None, *, name=None):
    """Register a test (also usable as @test(name='...'))."""
    def reg(f):
        _tests.append((name or f.__name__, f))
        f._lctest = True
        return f
    return reg(fn) if fn is not None else reg


def eq(a, b, msg=''):
    if a != b:
        raise TestFailure('%s%r != %r' % (msg + ': ' if msg else '', a, b))


def _note(text):
    _log.append(text)


def _decode(b):
    return b.decode('utf-8', 'surrogateescape') if b is not None else ''


def sh(cmd, input=None, timeout=300, check=True, env=None, cwd=None):
    """Run a command (list); fail the test when it exits non-zero and check is true."""
    if isinstance(input, str):
        input = input.encode()
    t0 = time.time()
    try:
        p = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        _note('$ %s\n  TIMEOUT after %ss' % (' '.join(map(str, cmd)), timeout))
        raise TestFailure('timeout after %ss: %s' % (timeout, ' '.join(map(str, cmd))))
    p.stdout, p.stderr = _decode(p.stdout), _decode(p.stderr)
    _note('$ %s\n  -> exit %d in %.1fs\n  stderr: %s' % (
        ' '.join(map(str, cmd)), p.returncode, time.time() - t0, p.stderr[-2000:].strip()))
    for marker in SANITIZER_MARKERS:
        if marker in p.stderr:
            raise TestFailure('sanitizer report from %s:\n%s' % (
                os.path.basename(str(cmd[0])), p.stderr[-3000:]))
    if check and p.returncode != 0:
        raise TestFailure('%s exited %d: %s' % (' '.join(map(str, cmd)), p.returncode,
                                                p.stderr[-1000:]))
    return p


def run(args, input=None, timeout=120, env=None):
    """Run laocoon with args; returns CompletedProcess (stdout/stderr as str)."""
    e = dict(os.environ)
    # one layer cache per test: repeated scans inside a test use it, tests stay independent
    e.setdefault('LAOCOON_CACHE_DIR', os.path.join(_cur_tmp or _tmp_root(), '.laocoon-cache'))
    if env:
        e.update(env)
    return sh([LAOCOON] + [str(a) for a in args], input=input, timeout=timeout, check=False,
              env=e)


_schema = None


def validate(doc):
    """Validate a JSON report against docs/json-schema.json, when the file exists."""
    global _schema
    path = os.path.join(SRC, 'docs', 'json-schema.json')
    if not os.path.exists(path):
        return
    try:
        import jsonschema
    except ImportError:
        raise TestFailure('python3-jsonschema is not installed (needed to validate JSON)')
    if _schema is None:
        with open(path) as f:
            _schema = json.load(f)
    try:
        jsonschema.validate(doc, _schema)
    except jsonschema.ValidationError as e:
        raise TestFailure('JSON does not match docs/json-schema.json: %s at %s' % (
            e.message, '/'.join(map(str, e.absolute_path))))


def _json_cmd(cmd, ref, args, timeout):
    p = run([cmd, '--format', 'json', ref] + list(args), timeout=timeout)
    if p.returncode in (EUSAGE,) and not p.stdout.strip():
        return p.returncode, None
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        raise TestFailure('laocoon %s %s: output is not JSON (%s), exit %d: %r' % (
            cmd, ref, e, p.returncode, p.stdout[:500]))
    validate(doc)
    return p.returncode, doc


def scan_json(ref, *args, timeout=300):
    """`laocoon scan --format json REF ARGS` -> (exit code, parsed and validated report)."""
    return _json_cmd('scan', ref, args, timeout)


def inspect_json(ref, *args, timeout=300):
    return _json_cmd('inspect', ref, args, timeout)


def finding_ids(doc):
    return sorted(f['id'] for f in doc.get('findings', []))


def findings(doc, **match):
    """Findings whose keys equal the given values, e.g. findings(doc, rule_id='x')."""
    return [f for f in doc.get('findings', [])
            if all(f.get(k) == v for k, v in match.items())]


def diag_codes(doc, kind='warnings'):
    return sorted(d.get('code') for d in doc.get(kind, []))


def debootstrap_rootfs():
    """The cached bookworm minbase rootfs (building it as root when missing)."""
    script = os.path.join(SRC, 'scripts', 'fixture-debootstrap.sh')
    args = [script] if os.geteuid() == 0 else [script, '--check']
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1800)
    if p.returncode != 0:
        if os.geteuid() != 0:
            raise Skip('no cached debootstrap rootfs and not root to build it')
        raise TestFailure('fixture-debootstrap.sh failed: ' + _decode(p.stderr)[-1000:])
    return _decode(p.stdout).strip().splitlines()[-1]


def need_tool(name):
    """Required test tools (skopeo, umoci...) fail the test when missing: make check
    installs them."""
    if shutil.which(name) is None:
        raise TestFailure('%s is not installed (make check installs it)' % name)


_tmproot = None
_cur_tmp = None


def _tmp_root():
    global _tmproot
    if _tmproot is None:
        _tmproot = tempfile.mkdtemp(prefix='lctest-')
    return _tmproot


def _discover(mod):
    names = {n for n, _ in _tests}
    for n, f in list(vars(mod).items()):
        if n.startswith('test_') and callable(f) and not getattr(f, '_lctest', False) \
                and n[5:] not in names:
            _tests.append((n[5:], f))


def main():
    mod = sys.modules['__main__']
    _discover(mod)
    only = set(sys.argv[1:])
    tests = [(n, f) for n, f in _tests if not only or n in only]
    global _cur_tmp
    failed = 0
    sys.stdout.reconfigure(errors='backslashreplace')
    for i, (name, fn) in enumerate(tests, 1):
        _log.clear()
        tmp = tempfile.mkdtemp(prefix=name[:40] + '-', dir=_tmp_root())
        _cur_tmp = tmp
        t0 = time.time()
        try:
            nparams = len(inspect.signature(fn).parameters)
            fn(tmp) if nparams else fn()
            print('ok %d - %s' % (i, name))
        except Skip as e:
            print('ok %d - %s # SKIP %s' % (i, name, e))
        except BaseException as e:  # noqa: B902 - a test may raise anything
            if isinstance(e, KeyboardInterrupt):
                raise
            failed += 1
            print('not ok %d - %s' % (i, name))
            tb = traceback.format_exc()
            for line in tb.rstrip().splitlines():
                print('# ' + line)
            for entry in _log[-5:]:
                for line in entry.splitlines():
                    print('# ' + line)
        finally:
            if not os.environ.get('LCTEST_KEEP'):
                shutil.rmtree(tmp, ignore_errors=True)
        if time.time() - t0 > 60:
            print('# %s took %.0fs' % (name, time.time() - t0))
        sys.stdout.flush()
    print('1..%d' % len(tests))
    if _tmproot and not os.environ.get('LCTEST_KEEP'):
        shutil.rmtree(_tmproot, ignore_errors=True)
    sys.exit(1 if failed else 0)
