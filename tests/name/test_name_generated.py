"""test_name_generated.py - lookalikes generated from every official name by each
technique (random typing slips at distance 1 and 2, lookalike characters, delimiter
changes, deceptive affixes, reordered words), judged through `laocoon name`: recall per
technique and overall must stay >= 95%. Seeded, so the names are the same every run."""
import os
import random
import string

from lctest import SRC, main, run, test

ALPHA = string.ascii_lowercase
VIS = {'o': '0', 'l': '1', 'i': '1', 'm': 'rn', 'w': 'vv'}
WORDS = ['official', 'latest', 'stable', 'lts', 'secure', 'new', 'pro', 'docker', '2', '3',
         'v1', 'prod', 'image', 'hub', 'real', 'updated']


def dl1(rng, n):
    i = rng.randrange(len(n))
    k = rng.choice('isdt')
    if k == 'i':
        return n[:i] + rng.choice(ALPHA) + n[i:]
    if k == 's':
        return n[:i] + rng.choice([c for c in ALPHA if c != n[i]]) + n[i + 1:]
    if k == 'd':
        return n[:i] + n[i + 1:]
    if i + 1 < len(n) and n[i] != n[i + 1]:
        return n[:i] + n[i + 1] + n[i] + n[i + 2:]
    return n[:i] + n[i] + n[i:]


def visual(rng, n):
    idx = [i for i, c in enumerate(n) if c in VIS]
    if not idx:
        return None
    i = rng.choice(idx)
    return n[:i] + VIS[n[i]] + n[i + 1:]


def delim(rng, n):
    if '-' in n:
        return n.replace('-', rng.choice(['_', '.', '__', '']), 1)
    if len(n) >= 6:
        i = rng.randrange(2, len(n) - 2)
        return n[:i] + rng.choice('-_.') + n[i:]
    return None


def affix(rng, n):
    w, sep = rng.choice(WORDS), rng.choice(['-', '_', ''])
    return (w + sep + n) if rng.random() < 0.5 else (n + sep + w)


def reorder(rng, n):
    parts = n.split('-')
    if len(parts) < 2:
        return None
    p = parts[:]
    while p == parts:
        rng.shuffle(p)
    return '-'.join(p)


@test
def generated_lookalikes(tmp):
    rng = random.Random(11)
    with open(os.path.join(SRC, 'data', 'images', 'official-images.txt')) as f:
        off = [l.strip() for l in f if l.strip()]
    techs = (('dl1', dl1, 4), ('dl2', lambda r, n: dl1(r, dl1(r, n)), 5), ('visual', visual, 1),
             ('delim', delim, 1), ('affix', affix, 3), ('reorder', reorder, 1))
    total, found, per = 0, 0, {}
    for n in off:
        for tech, fn, minlen in techs:
            if len(n) < minlen:
                continue
            c = fn(rng, n)
            if (not c or c in off or c == n or c[0] in '-_.' or c[-1] in '-_.'
                    or '..' in c or '._' in c or '_.' in c):
                continue
            p = run(['name', 'someuser/' + c])
            assert p.returncode in (0, 1), (c, p.returncode, p.stderr)
            hit = p.returncode == 1
            total += 1
            found += hit
            t, h = per.get(tech, (0, 0))
            per[tech] = (t + 1, h + hit)
            if not hit:
                print('# missed %s: someuser/%s' % (tech, c))
    for tech, (t, h) in sorted(per.items()):
        print('# %-8s %3d/%3d' % (tech, h, t))
    print('# overall %d/%d = %.1f%%' % (found, total, 100.0 * found / total))
    assert total >= 500, total
    assert found >= 0.95 * total, (found, total)


if __name__ == '__main__':
    main()
