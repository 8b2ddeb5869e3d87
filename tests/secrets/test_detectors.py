#!/usr/bin/env python3
"""The credentials and ssh-backdoor detectors on the project's own cases: key formats and
passphrases, authorized_keys with options and comments, client configs, /etc/shadow
accounts that can and cannot log in, and placeholders that must stay quiet."""
import base64
import hashlib
import json
import os
import subprocess

from lctest import test, main, scan_json, eq, findings
import imgwriter as w


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw).stdout


def fp(pub):
    blob = base64.b64decode(pub.split()[1])
    return 'SHA256:' + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip('=')


def scan(tmp, layer, scanners='credentials,ssh-backdoor'):
    w.Image([layer]).write_oci(tmp + '/img')
    rc, doc = scan_json('oci:' + tmp + '/img', '--scanners', scanners)
    assert rc in (0, 1), rc
    return doc


@test
def key_formats(tmp):
    pem_plain = sh('openssl', 'genrsa', '-traditional', '2048')
    pem_trad_enc = sh('openssl', 'genrsa', '-traditional', '-aes128', '-passout', 'pass:pw', '2048')
    pkcs8_enc = sh('openssl', 'genpkey', '-algorithm', 'ed25519', '-aes-128-cbc', '-pass', 'pass:pw')
    cert = sh('openssl', 'req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', '/dev/null',
              '-subj', '/CN=test', '-days', '1')
    L = w.Layer()
    L.file('etc/ssl/private/plain.key', pem_plain)
    L.file('etc/ssl/private/trad-enc.pem', pem_trad_enc)
    L.file('srv/pkcs8-enc.pem', pkcs8_enc)
    L.file('etc/ssl/certs/only-cert.pem', cert)
    L.file('home/bob/.ssh/id_rsa.pub', b'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample bob@x\n')
    L.file('srv/keys.p12', b'0\x82\x01\x00fake-pkcs12')
    doc = scan(tmp, L)
    got = {(f['path'], f['rule_id']) for f in doc['findings']}
    assert ('etc/ssl/private/plain.key', 'credential-private-key') in got, got
    assert ('etc/ssl/private/trad-enc.pem', 'credential-private-key-encrypted') in got, got
    assert ('srv/pkcs8-enc.pem', 'credential-private-key-encrypted') in got, got
    assert ('srv/keys.p12', 'credential-keystore') in got, got
    assert not [p for p, _ in got if p in ('etc/ssl/certs/only-cert.pem', 'home/bob/.ssh/id_rsa.pub')], got


@test
def authorized_keys_forms(tmp):
    keys = []
    for i in range(3):
        p = '%s/k%d' % (tmp, i)
        sh('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'c%d' % i, '-f', p)
        keys.append(open(p + '.pub').read().strip())
    ak = ('# managed by nobody\n\n'
          'command="/bin/echo hi",no-pty,from="10.0.0.0/8" %s\n'
          '%s\n' % (keys[0], keys[1])).encode()
    L = w.Layer()
    L.file('root/.ssh/authorized_keys', ak)
    L.file('home/bob/.ssh/authorized_keys2', (keys[2] + '\n').encode())
    L.file('etc/passwd', b'root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n')
    doc = scan(tmp, L, 'ssh-backdoor')
    fs = findings(doc, rule_id='ssh-authorized-key')
    eq(len(fs), 3, [f.get('evidence') for f in fs])
    byfp = {f['details']['fingerprint']: f for f in fs}
    eq(set(byfp), {fp(k) for k in keys})
    f0 = byfp[fp(keys[0])]
    eq(f0['details']['user'], 'root')
    eq(f0['line'], 3)
    assert 'no-pty' in f0['details']['options'], f0['details']
    f2 = byfp[fp(keys[2])]
    eq(f2['details']['user'], 'bob')
    eq(f2['severity'], 'HIGH')


@test
def client_configs(tmp):
    L = w.Layer()
    L.file('root/.kube/config', b'apiVersion: v1\nusers:\n- name: admin\n  user:\n'
                                b'    token: eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLWZvci10ZXN0\n')
    L.file('root/.pypirc', b'[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJGZha2UtdG9rZW4tZm9yLXRlc3Rz\n')
    L.file('root/.s3cfg', b'[default]\naccess_key = AKIAQYLPMN5HHHFPZAM2\nsecret_key = 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\n')
    L.file('root/.my.cnf', b'[client]\nuser=root\npassword=Vb7#kq2Lm9\n')
    L.file('root/.psql_history', b'\\dt\nselect 1;\n')
    L.file('root/.zsh_history', b': 1700000000:0;export GITLAB_TOKEN=glpat-x8Kq2vR5tY7uW9zA1bC3\n')
    doc = scan(tmp, L)
    rules = {f['path']: f['rule_id'] for f in doc['findings']}
    eq(rules.get('root/.kube/config'), 'credential-kubeconfig')
    eq(rules.get('root/.pypirc'), 'credential-pypirc')
    eq(rules.get('root/.s3cfg'), 'credential-s3cfg')
    eq(rules.get('root/.my.cnf'), 'credential-mysql-config')
    eq(rules.get('root/.zsh_history'), 'credential-history-password')
    assert 'root/.psql_history' not in rules, rules


@test
def shadow_accounts(tmp):
    h = b'$6$abcdefgh$Qm1xZ0b2Yc3Vd4We5Xf6Yg7Zh8Ai9Bj0Ck1Dl2Em3Fn4Go5Hp6Iq7Jr8Ks9Lt0Mu1Nv2Ow3Px4Qy5Rz6Sa7Tb8Uc9V'
    L = w.Layer()
    L.file('etc/passwd', b'root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n'
                         b'svc:x:999:999::/srv:/usr/sbin/nologin\nlocked:x:1001:1001::/home/l:/bin/bash\n'
                         b'nopw:x:1002:1002::/home/n:/bin/sh\n')
    L.file('etc/shadow', b'root:!:19000::::::\nalice:' + h + b':19000::::::\nsvc:' + h +
           b':19000::::::\nlocked:!' + h + b':19000::::::\nnopw::19000::::::\n')
    doc = scan(tmp, L, 'credentials')
    got = {(f['details']['user'], f['rule_id'], f['severity']) for f in doc['findings']
           if f['path'] == 'etc/shadow'}
    eq(got, {('alice', 'shadow-password-hash', 'HIGH'), ('nopw', 'shadow-empty-password', 'CRITICAL')})


@test
def placeholders_stay_quiet(tmp):
    L = w.Layer()
    L.file('app/.npmrc', b'//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n')
    L.file('app/.env', b'PASSWORD=changeme\nAPI_KEY=\nSECRET_TOKEN=<your-token-here>\nDB_PASSWORD=${DB_PASSWORD}\n')
    L.file('root/.netrc', b'machine api.example.com login me password <password>\n')
    L.file('root/.git-credentials', b'https://user:${GIT_TOKEN}@github.com\n')
    L.file('root/.docker/config.json', json.dumps({'credsStore': 'desktop', 'auths': {'x.io': {}}}).encode())
    L.file('root/.aws/credentials', b'[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n'
                                    b'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n')
    doc = scan(tmp, L, 'secrets,credentials,ssh-backdoor')
    bad = [(f['rule_id'], f.get('path'), f.get('evidence')) for f in doc['findings']]
    eq(bad, [])


if __name__ == '__main__':
    main()
