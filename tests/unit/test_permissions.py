#!/usr/bin/env python3
"""The permissions detector (issue 2): setuid/setgid, world-writable paths, device nodes,
files owned by uids the image's etc/passwd does not name."""
import imgwriter as w
from lctest import findings, main, scan_json, test, eq

PASSWD = b'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'


def base():
    L = w.Layer()
    L.dir('etc').file('etc/passwd', PASSWD)
    L.dir('usr/bin').dir('usr/sbin').dir('dev')
    return L


def scan(tmp, *layers):
    w.Image(list(layers)).write_oci(tmp + '/img')
    rc, doc = scan_json('oci:' + tmp + '/img', '--scanners', 'permissions', '--no-cache')
    eq(rc, 0, 'exit code')
    return doc


def sev(doc, rule, path):
    got = [f['severity'] for f in doc['findings'] if f['rule_id'] == rule and f['path'] == path]
    return got[0] if got else None


@test
def setuid_standard_is_info_other_is_high(tmp):
    L = base()
    L.file('usr/bin/passwd', b'\x7fELF', mode=0o4755)
    L.file('usr/bin/su', b'\x7fELF', mode=0o4755)
    L.file('usr/local/bin/passwd', b'\x7fELF', mode=0o4755)   # standard name, odd place
    L.file('opt/tool/helper', b'\x7fELF', mode=0o4711)
    L.file('usr/bin/wall', b'\x7fELF', mode=0o2755)            # setgid tty, standard
    L.file('usr/local/bin/grp', b'\x7fELF', mode=0o2755)
    doc = scan(tmp, L)
    eq(sev(doc, 'perm.setuid', 'usr/bin/passwd'), 'INFO')
    eq(sev(doc, 'perm.setuid', 'usr/bin/su'), 'INFO')
    eq(sev(doc, 'perm.setuid', 'usr/local/bin/passwd'), 'HIGH')
    eq(sev(doc, 'perm.setuid', 'opt/tool/helper'), 'HIGH')
    eq(sev(doc, 'perm.setgid', 'usr/bin/wall'), 'INFO')
    eq(sev(doc, 'perm.setgid', 'usr/local/bin/grp'), 'HIGH')


@test
def world_writable_without_sticky(tmp):
    L = base()
    L.dir('srv/up', mode=0o777)
    L.dir('tmp', mode=0o1777)                  # sticky: the normal /tmp, not reported
    L.file('etc/app.conf', b'x', mode=0o666)
    L.symlink('etc/link', 'app.conf')          # symlinks are 0777 by nature
    doc = scan(tmp, L)
    eq(sev(doc, 'perm.world_writable_dir', 'srv/up'), 'MEDIUM')
    eq(sev(doc, 'perm.world_writable_dir', 'tmp'), None)
    eq(sev(doc, 'perm.world_writable_file', 'etc/app.conf'), 'MEDIUM')
    eq([f for f in doc['findings'] if f['path'] == 'etc/link'], [])


@test
def device_nodes(tmp):
    L = base()
    for n, mi in (('null', 3), ('zero', 5), ('urandom', 9), ('tty', 0), ('ptmx', 2)):
        L.chardev('dev/' + n, 1 if n != 'tty' else 5, mi)
    L.chardev('dev/mem', 1, 1).chardev('dev/kmem', 1, 2)
    L.blockdev('dev/sda', 8, 0)
    L.chardev('opt/null', 1, 3)                # a standard name outside dev/
    doc = scan(tmp, L)
    for n in ('null', 'zero', 'urandom', 'tty', 'ptmx'):
        eq(sev(doc, 'perm.char_device', 'dev/' + n), 'LOW', n)
    eq(sev(doc, 'perm.char_device', 'dev/mem'), 'HIGH')
    eq(sev(doc, 'perm.char_device', 'dev/kmem'), 'HIGH')
    eq(sev(doc, 'perm.block_device', 'dev/sda'), 'HIGH')
    eq(sev(doc, 'perm.char_device', 'opt/null'), 'HIGH')
    f = [f for f in doc['findings'] if f['path'] == 'dev/sda'][0]
    eq((f['details']['major'], f['details']['minor']), (8, 0))


@test
def unknown_owner_in_system_paths(tmp):
    L = base()
    L.file('usr/bin/tool', b'x', uid=4242)     # nobody in passwd
    L.file('usr/bin/apptool', b'x', uid=1000)  # app
    L.file('home/x/file', b'x', uid=4242)      # not a system path
    doc = scan(tmp, L)
    eq(sev(doc, 'perm.unknown_owner', 'usr/bin/tool'), 'LOW')
    eq(sev(doc, 'perm.unknown_owner', 'usr/bin/apptool'), None)
    eq(sev(doc, 'perm.unknown_owner', 'home/x/file'), None)


@test
def unknown_owner_uses_the_final_passwd(tmp):
    L0 = base()
    L0.file('usr/bin/tool', b'x', uid=4242)
    L1 = w.Layer()
    L1.file('etc/passwd', PASSWD + b'svc:x:4242:4242::/:/bin/false\n')
    doc = scan(tmp, L0, L1)
    eq(sev(doc, 'perm.unknown_owner', 'usr/bin/tool'), None)


@test
def no_passwd_no_owner_judgement(tmp):
    L = w.Layer()
    L.file('usr/bin/tool', b'x', uid=4242)
    doc = scan(tmp, L)
    eq(findings(doc, rule_id='perm.unknown_owner'), [])


@test
def hidden_setuid_file_names_both_layers(tmp):
    L0 = base()
    L0.file('opt/backdoor', b'\x7fELF', mode=0o4755)
    L1 = w.Layer()
    L1.whiteout('opt/backdoor')
    doc = scan(tmp, L0, L1)
    f = [f for f in doc['findings'] if f['path'] == 'opt/backdoor'][0]
    eq((f['severity'], f['layer_index'], f['removed_in_layer']), ('HIGH', 0, 1))


if __name__ == '__main__':
    main()
