#!/usr/bin/env python3
"""Secrets are redacted everywhere (issue 3): a token in ENV, a label or a history line is
not repeated in clear by the image summary of scan or inspect, in any format, unless
--show-secrets."""
import imgwriter as w
from lctest import main, run, test, eq

GH = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'
GH2 = 'ghp_Zz9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8'
NPM = 'npm_AbCdEf0123456789AbCdEf0123456789AbCd'


def image(tmp):
    L = w.Layer()
    L.file('etc/os-release', 'ID=test\n')
    L.created_by = 'RUN echo //registry.npmjs.org/:_authToken=%s > /root/.npmrc' % NPM
    w.Image([L], config=dict(Env=['GITHUB_TOKEN=' + GH, 'X=1'],
                             Labels={'ci.token': GH2})).write_oci(tmp + '/img')
    return 'oci:' + tmp + '/img'


@test
def nothing_in_clear(tmp):
    ref = image(tmp)
    for cmd in (['scan'], ['inspect']):
        for fmt in ('table', 'json'):
            p = run(cmd + [ref, '--format', fmt, '--no-cache'])
            assert p.returncode == 0, (cmd, fmt, p.returncode, p.stderr)
            for tok in (GH, GH2, NPM):
                assert tok not in p.stdout, '%s --format %s prints %s' % (cmd[0], fmt, tok[:8])
            if fmt == 'json':
                assert 'GITHUB_TOKEN=' in p.stdout, 'the variable name is kept'


@test
def show_secrets_shows_them(tmp):
    ref = image(tmp)
    p = run(['scan', ref, '--format', 'json', '--show-secrets', '--no-cache'])
    eq(p.returncode, 0)
    for tok in (GH, NPM):
        assert tok in p.stdout, tok[:8]


if __name__ == '__main__':
    main()
