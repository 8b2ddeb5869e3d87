#!/usr/bin/env python3
"""Secrets end to end: planted credentials in an image (files, a binary, a file deleted
by a later layer, ENV, labels, history), redaction and --show-secrets, --secret-config
adding and disabling rules, and no HIGH/CRITICAL secret on a clean Debian root."""
import base64
import json
import os
import subprocess

from lctest import test, main, scan_json, run, eq, findings, Skip, debootstrap_rootfs
import imgwriter as w

GHP = 'ghp_R7fK2mXq9LzT4vB8nW1cY6pJ3hD5sA0eQ2gU'
AKIA = 'AKIAQYLPMN5HHHFPZAM2'
AWS_SECRET = '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'
STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc1a2B3c4D'
NPM = 'npm_Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6'
REG_PASS = 'S3cr3tPassw0rd!'
SLACK = 'xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1'
ACME = 'acme_k3j5h7g9f2d4s6a8q1w3'
ALL_SECRETS = [GHP, AWS_SECRET, STRIPE, NPM, REG_PASS, SLACK, ACME]

# An unencrypted ed25519 key made for this test (never used anywhere).
KEY = None
KEY_PUB = None


def ssh_key(tmp, passphrase=''):
    p = os.path.join(tmp, 'k%d' % len(passphrase))
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', passphrase, '-C', 'planted@evil',
                    '-f', p], check=True, stdin=subprocess.DEVNULL)
    return open(p, 'rb').read(), open(p + '.pub', 'rb').read().decode()


def fingerprint(pub):
    import hashlib
    blob = base64.b64decode(pub.split()[1])
    return 'SHA256:' + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip('=')


def planted_image(tmp):
    key, pub = ssh_key(tmp)
    enc_key, _ = ssh_key(tmp, 'correct horse')
    L0 = w.Layer()
    L0.dir('root')
    L0.file('root/.ssh/authorized_keys', pub.encode())
    L0.file('root/.ssh/id_ed25519', key, mode=0o600)
    L0.file('home/alice/.ssh/id_ed25519', enc_key, mode=0o600)
    L0.file('home/alice/.aws/credentials',
            ('[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n'
             % (AKIA, AWS_SECRET)).encode())
    auth = base64.b64encode(('deploy:' + REG_PASS).encode()).decode()
    L0.file('root/.docker/config.json',
            json.dumps({'auths': {'registry.example.io': {'auth': auth}}}).encode())
    L0.file('root/.npmrc', ('//registry.npmjs.org/:_authToken=%s\n' % NPM).encode())
    L0.file('root/.git-credentials', b'https://alice:glpat-x8Kq2vR5tY7uW9zA1bC3@gitlab.example.com\n')
    L0.file('root/.pgpass', b'db.example.com:5432:app:app:Pq7xW2mZ9vK4\n')
    L0.file('root/.netrc', b'machine ftp.example.com login bob password Tr0ub4dor3x\n')
    L0.file('root/.bash_history', b'ls\nmysql -uroot -pHunter2Secret db\n')
    L0.file('etc/passwd', b'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n'
                          b'daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n')
    L0.file('etc/shadow', b'root:$6$saltsalt$Qm1xZ0b2Yc3Vd4We5Xf6Yg7Zh8Ai9Bj0Ck1Dl2Em3Fn4Go5Hp6Iq7Jr8Ks9Lt0Mu1Nv2Ow3Px4Qy5Rz6Sa7Tb8Uc9V:19000:0:99999:7:::\n'
                          b'alice:!:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n')
    L0.file('app/.env', ('STRIPE_KEY=%s\nDEBUG=1\n' % STRIPE).encode())
    # a token straddling the 1 MiB mark of a large file
    import random
    rnd = random.Random(7)  # incompressible enough to stay under the bomb ratio
    big = bytearray(b''.join(b'%08x %08x %08x %08x %08x %08x %08x\n' % tuple(
        rnd.getrandbits(32) for _ in range(7)) for _ in range((1 << 20) // 63 + 100)))
    tok = ('token: ' + GHP + '\n').encode()
    at = (1 << 20) - 20
    big[at:at + len(tok)] = tok
    planted_image.big_line = big[:at].count(b'\n') + 1
    L0.file('app/data/big.log', bytes(big))
    # a binary with an AWS key id inside
    L0.file('app/bin/tool', b'\x7fELF\x02\x01\x01' + b'\x00' * 100 + AKIA.encode() + b'\x00' * 100)
    # a secret file that the next layer deletes: still in the image
    L0.file('opt/deploy/slack.txt', ('SLACK_BOT=%s\n' % SLACK).encode())
    L1 = w.Layer()
    L1.whiteout('opt/deploy/slack.txt')
    L1.created_by = 'RUN rm /opt/deploy/slack.txt'
    img = w.Image([L0, L1], config=dict(Env=['PATH=/usr/bin', 'GITHUB_TOKEN=' + GHP],
                                        Labels={'deploy.token': STRIPE}),
                  history=[{'created_by': 'ARG NPM_TOKEN=%s' % NPM},
                           {'created_by': 'RUN rm /opt/deploy/slack.txt'}])
    img.write_oci(tmp + '/img')
    return pub


@test
def planted_secrets_found(tmp):
    pub = planted_image(tmp)
    big_line = planted_image.big_line
    rc, doc = scan_json('oci:' + tmp + '/img', '--scanners', 'secrets,credentials,ssh-backdoor')
    assert rc in (0, 1), rc
    fs = doc['findings']
    by = {}
    for f in fs:
        by.setdefault(f['rule_id'], []).append(f)
    want = ['github-pat', 'aws-access-token', 'credential-aws-file', 'credential-registry-auth',
            'credential-npmrc', 'credential-git-credentials', 'credential-pgpass',
            'credential-netrc', 'credential-history-password', 'shadow-password-hash',
            'credential-env-file', 'stripe-access-token', 'ssh-authorized-key',
            'credential-private-key', 'credential-private-key-encrypted', 'slack-bot-token']
    missing = [r for r in want if r not in by]
    assert not missing, 'missing rules: %s; got %s' % (missing, sorted(by))
    # the SSH key: fingerprint as ssh-keygen prints it, and the account
    ak = by['ssh-authorized-key'][0]
    eq(ak['details']['fingerprint'], fingerprint(pub))
    eq(ak['details']['user'], 'root')
    eq(ak['severity'], 'CRITICAL')
    # passphrase or not
    enc = by['credential-private-key-encrypted'][0]
    eq(enc['details']['passphrase_protected'], True)
    eq(by['credential-private-key'][0]['details']['passphrase_protected'], False)
    # registry auth decoded
    reg = by['credential-registry-auth'][0]
    eq(reg['details']['user'], 'deploy')
    # big file: the token across the 1 MiB boundary, with its line
    big = [f for f in by['github-pat'] if f['path'] == 'app/data/big.log']
    assert len(big) == 1, big
    eq(big[0]['line'], big_line)
    # binary file
    assert any(f['path'] == 'app/bin/tool' for f in by['aws-access-token']), by['aws-access-token']
    # hidden file: removed by layer 1
    sl = [f for f in by['slack-bot-token'] if f.get('path') == 'opt/deploy/slack.txt']
    assert sl and sl[0]['layer_index'] == 0 and sl[0].get('removed_in_layer') == 1, sl
    # config and history
    paths = {f.get('path') for f in fs}
    assert 'config.Env[1]' in paths, sorted(p for p in paths if p)
    assert any(p and p.startswith('config.Labels[') for p in paths), paths
    assert 'history[0]' in paths, paths
    # provider in details, never a secret in clear anywhere in the report
    assert by['github-pat'][0]['details']['provider'] == 'GitHub'
    # (the image summary's labels and history are the report writer's; findings are ours)
    text = json.dumps(doc['findings'])
    leaked = [s for s in ALL_SECRETS if s in text]
    assert not leaked, 'secrets in clear in findings: %s' % leaked
    assert 'OPENSSH PRIVATE KEY-----\n' not in text


@test
def show_secrets(tmp):
    planted_image(tmp)
    rc, doc = scan_json('oci:' + tmp + '/img', '--scanners', 'secrets', '--show-secrets')
    ev = [f.get('evidence') for f in findings(doc, rule_id='github-pat')]
    assert GHP in ev, ev
    # details still never carry it
    assert GHP not in json.dumps([f.get('details') for f in doc['findings']])


@test
def secret_config_adds_and_disables(tmp):
    L = w.Layer()
    L.file('app/conf.txt', ('acme = "%s"\ngh = %s\n' % (ACME, GHP)).encode())
    w.Image([L]).write_oci(tmp + '/img')
    cfg = tmp + '/secrets.yaml'
    with open(cfg, 'w') as f:
        f.write("""rules:
  - id: acme-token
    category: Acme
    title: Acme API token
    severity: HIGH
    regex: '(?P<secret>acme_[a-z0-9]{20})'
    secret-group-name: secret
    keywords:
      - acme_
disable-rules:
  - github-pat
  - generic-api-key
""")
    rc, doc = scan_json('oci:' + tmp + '/img', '--scanners', 'secrets', '--secret-config', cfg)
    rules = sorted(f['rule_id'] for f in doc['findings'])
    assert 'acme-token' in rules, rules
    assert 'github-pat' not in rules, rules
    acme = findings(doc, rule_id='acme-token')[0]
    eq(acme['severity'], 'HIGH')
    eq(acme['evidence'], 'acme****')
    # enable-builtin-rules keeps only the named built-ins
    with open(cfg, 'w') as f:
        f.write("enable-builtin-rules:\n  - github-pat\n")
    rc, doc = scan_json('oci:' + tmp + '/img', '--scanners', 'secrets', '--secret-config', cfg)
    eq(sorted({f['rule_id'] for f in doc['findings']}), ['github-pat'])
    # a broken rule file is a usage error that names the file
    with open(cfg, 'w') as f:
        f.write("rules:\n  - id: bad\n    regex: '(unclosed'\n")
    p = run(['scan', '--scanners', 'secrets', '--secret-config', cfg, 'oci:' + tmp + '/img'])
    eq(p.returncode, 2, p.stderr)
    assert 'bad' in p.stderr, p.stderr


@test
def debian_minbase_clean(tmp):
    root = debootstrap_rootfs()
    rc, doc = scan_json('rootfs:' + root, '--scanners', 'secrets,credentials,ssh-backdoor')
    bad = [(f['severity'], f['rule_id'], f.get('path')) for f in doc['findings']
           if f['severity'] in ('HIGH', 'CRITICAL')]
    assert not bad, bad


if __name__ == '__main__':
    main()
