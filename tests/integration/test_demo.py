#!/usr/bin/env python3
"""The demo image (demo/build.py, what `make demo` scans) builds and shows what it plants.
Other detectors add findings to the demo; this checks the permissions part is there."""
import os
import sys

from common import scan_ok
from lctest import SRC, TestFailure, eq, main, sh, test


@test
def demo_image(tmp):
    sh([sys.executable, os.path.join(SRC, 'demo', 'build.py'), tmp + '/image',
        '--docker-archive', tmp + '/demo.tar'])
    doc = scan_ok('oci:%s/image' % tmp)
    got = {(f['rule_id'], f['path']): f for f in doc['findings']}
    want = {('perm.setuid', 'usr/local/lib/.cache/update'): 'HIGH',
            ('perm.world_writable_dir', 'srv/uploads'): 'MEDIUM',
            ('perm.world_writable_file', 'tmp/install.sh'): 'MEDIUM',
            ('perm.unknown_owner', 'usr/sbin/healthcheck'): 'LOW',
            ('perm.setuid', 'usr/bin/passwd'): 'INFO'}
    for k, sev in want.items():
        if k not in got:
            raise TestFailure('demo finding missing: %r' % (k,))
        eq(got[k]['severity'], sev, repr(k))
    eq(got[('perm.world_writable_file', 'tmp/install.sh')]['removed_in_layer'], 2)
    other = scan_ok('docker-archive:%s/demo.tar' % tmp)
    eq(sorted(f['id'] for f in other['findings']), sorted(f['id'] for f in doc['findings']),
       'oci vs docker-archive')


if __name__ == '__main__':
    main()
