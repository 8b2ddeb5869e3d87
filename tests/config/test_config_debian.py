"""test_config_debian.py - the config detector on a real Debian 12 minbase image (the
cached debootstrap root as one layer, with the config and history Docker's debian image
has): nothing above LOW except "runs as root"."""
import os

import imgwriter as w
from lctest import debootstrap_rootfs, eq, main, scan_json, test


@test
def debian_minbase_config(tmp):
    root = debootstrap_rootfs()
    with open(os.path.join(os.path.dirname(root), 'rootfs.tar'), 'rb') as f:
        L = w.Layer.from_tar(f.read(), 'none',
                             created_by='/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc01 in / ')
    hist = [{'created': '2024-01-01T00:00:00Z', 'created_by': L.created_by},
            {'created': '2024-01-01T00:00:00Z', 'created_by': '/bin/sh -c #(nop)  CMD ["bash"]',
             'empty_layer': True}]
    img = w.Image([L], config={'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
                               'Cmd': ['bash']}, history=hist)
    d = os.path.join(tmp, 'debian')
    img.write_oci(d)
    rc, doc = scan_json('oci:' + d, '--scanners', 'config,name')
    assert rc in (0, 1), rc
    above_low = [(f['rule_id'], f['path']) for f in doc['findings']
                 if f['severity'] not in ('LOW', 'INFO') and f['rule_id'] != 'config.runs_as_root']
    eq(above_low, [])
    for f in doc['findings']:
        print('# %s %s %s %s' % (f['severity'], f['rule_id'], f['path'], f['title']))
    assert any(f['rule_id'] == 'config.runs_as_root' for f in doc['findings'])


if __name__ == '__main__':
    main()
