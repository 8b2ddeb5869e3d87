#!/usr/bin/env python3
"""secrets_corpus.py OUTDIR [MB] - a text corpus for the secrets benchmark.

Writes OUTDIR/tree/ (source code, configs, logs and docs: realistic lines in which the
words token, password, secret, key and auth occur often, as they do in real code) with
secrets planted at known places, and OUTDIR/planted.tsv (path, line, rule family, secret).
Deterministic (seeded): the same arguments give the same bytes.
"""
import os
import random
import string
import sys

R = random.Random(20261129)


def rs(alphabet, n):
    return ''.join(R.choice(alphabet) for _ in range(n))


AN = string.ascii_letters + string.digits
LOW = string.ascii_lowercase + string.digits
HEX = '0123456789abcdef'

# (family, generator) - formats as the providers publish them
PLANTS = [
    ('aws-access-token', lambda: 'AKIA' + rs(string.ascii_uppercase + '234567', 16)),
    ('github-pat', lambda: 'ghp_' + rs(AN, 36)),
    ('github-fine-grained-pat', lambda: 'github_pat_' + rs(AN + '_', 82)),
    ('gitlab-pat', lambda: 'glpat-' + rs(AN + '-_', 20)),
    ('slack-bot-token', lambda: 'xoxb-%s-%s-%s' % (rs(string.digits, 12), rs(string.digits, 13), rs(AN, 24))),
    ('stripe-access-token', lambda: 'sk_live_' + rs(AN, 24)),
    ('npm-access-token', lambda: 'npm_' + rs(AN, 36)),
    ('openai-api-key', lambda: 'sk-proj-' + rs(AN, 40) + 'T3BlbkFJ' + rs(AN, 40)),
    ('anthropic-api-key', lambda: 'sk-ant-api03-' + rs(AN + '-_', 93) + 'AA'),
    ('sendgrid-api-token', lambda: 'SG.' + rs(AN, 22) + '.' + rs(AN, 43)),
    ('pypi-upload-token', lambda: 'pypi-AgEIcHlwaS5vcmc' + rs(AN, 70)),
    ('dockerhub-pat', lambda: 'dckr_pat_' + rs(AN, 27)),
    ('gcp-api-key', lambda: 'AIza' + rs(AN + '_-', 35)),
    ('digitalocean-pat', lambda: 'dop_v1_' + rs(HEX, 64)),
    ('shopify-access-token', lambda: 'shpat_' + rs(HEX, 32)),
    ('twilio-api-key', lambda: 'SK' + rs(HEX, 32)),
    ('huggingface-access-token', lambda: 'hf_' + rs(string.ascii_letters, 34)),
    ('jwt', lambda: 'eyJhbGciOiJIUzI1NiJ9.eyJ' + rs(AN, 40) + '.' + rs(AN + '_-', 43)),
]

WORDS = ('the a token password secret key auth config value user name file path data '
         'request response client server handler error return string int list map '
         'parse read write open close session cookie header body json yaml buffer '
         'timeout retry count index offset length cache store update delete create').split()


def code_line():
    k = R.random()
    w = lambda: R.choice(WORDS)
    if k < 0.15:
        return '    %s_%s = %s(%s, %s)  # %s %s' % (w(), w(), w(), w(), w(), w(), w())
    if k < 0.25:
        return '    if %s.%s is None: raise ValueError("missing %s %s")' % (w(), w(), w(), w())
    if k < 0.33:
        return '%s_%s: %s' % (w(), w(), R.randint(0, 99999))
    if k < 0.40:
        return '    const %s%s = process.env.%s_%s || "%s";' % (w(), w().title(), w().upper(), w().upper(), w())
    if k < 0.47:
        return '2026-11-28T12:%02d:%02d INFO %s %s %s id=%s' % (
            R.randint(0, 59), R.randint(0, 59), w(), w(), w(), rs(HEX, 12))
    if k < 0.52:
        return '    password = get_%s(%s)  # never hard-code a password' % (w(), w())
    if k < 0.57:
        return '  %s: ${%s_%s}' % (w(), w().upper(), w().upper())
    if k < 0.62:
        return 'func (s *%s) %s(ctx context.Context, %s string) error {' % (w().title(), w().title(), w())
    if k < 0.66:
        return '# the %s %s is read from the environment, see docs/%s.md' % (w(), w(), w())
    return ' '.join(w() for _ in range(R.randint(4, 14)))


def main():
    out = sys.argv[1]
    mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    tree = os.path.join(out, 'tree')
    os.makedirs(tree, exist_ok=True)
    total = mb * 1000 * 1000
    written = 0
    nfile = 0
    planted = []
    exts = ['py', 'js', 'go', 'yaml', 'conf', 'log', 'md', 'sh', 'txt', 'json']
    while written < total:
        ext = exts[nfile % len(exts)]
        path = 'src/mod%03d/file%05d.%s' % (nfile // 100, nfile, ext)
        size = R.randint(20000, 180000)
        lines = []
        n = 0
        lineno = 0
        while n < size:
            lineno += 1
            if R.random() < 0.0004:  # one planted secret every ~2500 lines
                fam, gen = R.choice(PLANTS)
                sec = gen()
                form = R.choice(['{k} = "{s}"', 'export {K}={s}', '  {k}: {s}',
                                 'client.login("{s}")', '"{k}": "{s}",'])
                ln = form.format(k=fam.replace('-', '_'), K=fam.replace('-', '_').upper(), s=sec)
                planted.append((path, lineno, fam, sec))
            else:
                ln = code_line()
            lines.append(ln)
            n += len(ln) + 1
        data = ('\n'.join(lines) + '\n').encode()
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'wb') as f:
            f.write(data)
        written += len(data)
        nfile += 1
    with open(os.path.join(out, 'planted.tsv'), 'w') as f:
        for p in planted:
            f.write('%s\t%d\t%s\t%s\n' % p)
    print('%d files, %d bytes, %d planted secrets' % (nfile, written, len(planted)))


if __name__ == '__main__':
    main()
