"""cfgimg - build a small image with a chosen config, history and files, scan it with the
config detector, and return its findings (shared by the config tests)."""
import os

import imgwriter as w
from lctest import scan_json

_n = [0]


def scan_config(tmp, config=None, history=None, files=None, layers=None, scanners='config'):
    """files: {path: bytes} (or (bytes, mode)); history: list of created_by strings, one
    per layer when layers is None (an empty layer for every extra step)."""
    if layers is None:
        L = w.Layer()
        # Parent directories first, as real tars have them.
        dirs = sorted({'/'.join(p.split('/')[:i]) for p in (files or {})
                       for i in range(1, p.count('/') + 1)})
        for d in dirs:
            L.dir(d)
        for path, data in sorted((files or {}).items()):
            mode = 0o644
            if isinstance(data, tuple):
                data, mode = data
            if data is None:
                L.dir(path)
            else:
                L.file(path, data, mode=mode)
        layers = [L]
    hist = None
    if history is not None:
        hist = []
        for i, cb in enumerate(history):
            h = {'created': '1970-01-01T00:00:00Z', 'created_by': cb}
            if i >= len(layers):
                h['empty_layer'] = True
            hist.append(h)
    img = w.Image(layers, config=config or {}, history=hist)
    _n[0] += 1
    d = os.path.join(tmp, 'img%d' % _n[0])
    img.write_oci(d)
    rc, doc = scan_json('oci:' + d, '--scanners', scanners)
    assert rc in (0, 1), 'scan failed with %d' % rc
    return doc['findings']


def rules(findings):
    return sorted({f['rule_id'] for f in findings})


def only(findings, rule):
    return [f for f in findings if f['rule_id'] == rule]
