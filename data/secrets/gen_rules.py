#!/usr/bin/env python3
"""gen_rules.py - write data/secrets/rules.yaml from the compact table below.

The rules are laocoon's own, written from the providers' published token formats. The
YAML uses Trivy's secret-config fields (id, category, title, severity, regex, keywords,
path, allow-rules, secret-group-name) plus laocoon's: entropy (minimum Shannon entropy of
the secret, bits/byte), binary (safe to run on binary files: the format is unambiguous),
window (bytes of context a keyword hit needs on each side), prefilter (a Hyperscan regex
used instead of the keywords when no literal is selective enough), no-placeholder-check
(the format itself contains EXAMPLE-like or repeated characters).

Run: python3 data/secrets/gen_rules.py > data/secrets/rules.yaml
"""
import re
import sys

# ---- building blocks -------------------------------------------------------------------
# A token must not be a slice of a longer run of the same alphabet.
LB = r'(?<![A-Za-z0-9])'
LBX = r'(?<![\w\-+/=])'
RB = r'(?![A-Za-z0-9])'
RBX = r'(?![\w\-])'
# After a value: a quote, whitespace, separator, escaped newline, or the end.
END = r'''(?=["'`\s;,)\]}<>\\&|]|$)'''
# Assignment between an identifier and its value, in the forms config files and source
# code use: = == => : :: := ::= :::= ?= .= -> , (argument lists), >\s (XML text).
ASSIGN = (r'''[\w.\-]{0,40}?["'`]?(?:[ \t]+(?:string|str|String|const|final))?[ \t]*'''
          r'''(?:={1,2}>?|:{1,3}=?|\?=|\.=|->|,[ \t]*|>\s{0,40})'''
          r'''[ \t]*["'`]?[ \t]*''')

RULES = []


def add(**kw):
    RULES.append(kw)


def tok(rid, cat, title, sev, regex, keywords, **kw):
    """A token with a distinctive shape of its own (prefix, structure)."""
    kw.setdefault('window-before', 64)
    add(id=rid, category=cat, title=title, severity=sev, regex=regex, keywords=keywords,
        binary=kw.pop('binary', True), **kw)


def ctx(rid, cat, title, sev, kws, fmt, **kw):
    """A token with no shape of its own: found next to the provider's name in an
    assignment (PROVIDER_TOKEN = value)."""
    kwre = kw.pop('kwre', None) or '|'.join(re.escape(k) for k in kws)
    regex = r'(?i)(?<![a-z])(?:' + kwre + ')' + ASSIGN + '(?P<secret>' + fmt + ')' + END
    kw.setdefault('prefilter', assign_prefilter('|'.join(re.escape(k) for k in kws)))
    kw.setdefault('window-before', 128)
    add(id=rid, category=cat, title=title, severity=sev, regex=regex,
        keywords=[k.lower() for k in kws], binary=False, **kw)


def assign_prefilter(kwre):
    # Hyperscan sees the keyword followed by an assignment operator: a provider's
    # name in prose or code that assigns nothing never reaches PCRE2
    return (r'(?i)(?:' + kwre.replace('(?-i:[A-Z])', '[A-Z]') + r')[\w.\-]{0,40}["\'`]?(?:[ \t]+\w+)?[ \t]*'
            r'(?:[=:>,]|\.=|\?=|->)')


C, H, M, L = 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW'
# "sumo" as a word, not the start of sumOfValues
SUMO = r'sumo(?=logic|[_\-. ]|(?-i:[A-Z]))'

# ---- private keys --------------------------------------------------------------------
add(id='private-key', category='PrivateKey', title='Private key (PEM, OpenSSH, PGP)',
    severity=C,
    regex=(r'(?P<secret>-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----[ \t]*\r?\n'
           r'(?:[A-Za-z][\w-]*:[^\n]{0,200}\r?\n)*\s*'
           r'[A-Za-z0-9+/=][A-Za-z0-9+/=\s]{39,16000}?'
           r'-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----)'),
    keywords=['private key'], binary=True, window=16384, **{'no-placeholder-check': True})
add(id='putty-private-key', category='PrivateKey', title='PuTTY private key', severity=C,
    regex=r'(?P<secret>PuTTY-User-Key-File-[23]: [\w-]+\r?\nEncryption: [\w-]+\r?\n(?:[^\n]*\n){1,80}?Private-MAC: [0-9a-f]{40,64})',
    keywords=['putty-user-key-file'], binary=True, window=8192)

# ---- cloud -----------------------------------------------------------------------------
tok('aws-access-token', 'AWS', 'AWS access key ID', C,
    LB + r'(?P<secret>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})' + RB,
    ['akia', 'asia', 'abia', 'acca', 'a3t'], entropy=3.0)
ctx('aws-secret-access-key', 'AWS', 'AWS secret access key', C,
    ['aws_secret_access_key', 'aws_secret_key', 'secretaccesskey', 'aws-secret-key', 'aws_secret'],
    r'(?-i:[A-Za-z0-9/+]{40})', entropy=4.0)
tok('aws-session-token', 'AWS', 'AWS session token', H,
    r'(?i)aws_session_token["\']?\s*[:=]\s*["\']?(?P<secret>(?-i:(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE|FQoGZXIvYXdzE)[A-Za-z0-9/+=]{100,}))',
    ['aws_session_token'], binary=False, window=4096)
tok('aws-amazon-bedrock-api-key-long-lived', 'AWS', 'Amazon Bedrock long-lived API key', C,
    LB + r'(?P<secret>ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{104,270}={0,2})' + r'(?![A-Za-z0-9+/=])',
    ['absk'], **{'no-placeholder-check': True})
tok('aws-amazon-bedrock-api-key-short-lived', 'AWS', 'Amazon Bedrock short-lived API key', C,
    r'(?P<secret>bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&?._-]{0,2000})' + r'(?![A-Za-z0-9+/=])',
    ['bedrock-api-key-'])
tok('gcp-service-account', 'Google', 'GCP service account key file', C,
    r'"type"\s*:\s*"service_account"[\s\S]{0,400}?"private_key"\s*:\s*"(?P<secret>-----BEGIN PRIVATE KEY-----[A-Za-z0-9+/=\\]{100,})',
    ['service_account'], binary=False, window=8192)
tok('gcp-api-key', 'Google', 'Google API key', H,
    # in a value position (quoted or assigned): bare AIza strings are often public keys
    # compiled into browsers and SDKs
    r'''(?:[=:("'`,>])\s{0,40}["'`]?(?P<secret>AIza[\w-]{35})(?![\w-])''',
    ['aiza'], entropy=3.5)
tok('gcp-oauth-client-secret', 'Google', 'Google OAuth client secret', H,
    LB + r'(?P<secret>GOCSPX-[\w-]{28})' + RBX, ['gocspx-'])
tok('azure-ad-client-secret', 'Azure', 'Azure AD client secret', H,
    r'(?<![\w~.-])(?P<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?![\w~.-])',
    ['q~'], entropy=3.0)
tok('azure-storage-account-key', 'Azure', 'Azure storage account key', C,
    r'(?i)AccountKey=(?P<secret>(?-i:[A-Za-z0-9+/]{86}==))', ['accountkey='])
tok('azure-sas-token', 'Azure', 'Azure shared access signature', H,
    r'(?i)[?&]sig=(?P<secret>[A-Za-z0-9%+/]{40,90}(?:%3D|=){0,2})(?=[&"\'\s]|$)', ['sig='],
    binary=False)
tok('azure-devops-pat', 'Azure', 'Azure DevOps personal access token', H,
    r'(?i)(?:azure|devops|ado|vsts)[\w.-]{0,30}["\']?\s*[:=]\s*["\']?(?P<secret>[a-z2-7]{52})' + RB,
    ['azure', 'devops', 'vsts'], binary=False, entropy=3.5)
tok('alibaba-access-key-id', 'Alibaba', 'Alibaba Cloud AccessKey ID', H,
    LB + r'(?P<secret>LTAI(?i:[a-z0-9]{20}))' + RB, ['ltai'])
ctx('alibaba-secret-key', 'Alibaba', 'Alibaba Cloud AccessKey secret', H, ['alibaba'],
    r'[a-z0-9]{30}', entropy=3.0)
tok('digitalocean-pat', 'DigitalOcean', 'DigitalOcean personal access token', C,
    LB + r'(?P<secret>dop_v1_[a-f0-9]{64})' + RB, ['dop_v1_'])
tok('digitalocean-access-token', 'DigitalOcean', 'DigitalOcean OAuth access token', C,
    LB + r'(?P<secret>doo_v1_[a-f0-9]{64})' + RB, ['doo_v1_'])
tok('digitalocean-refresh-token', 'DigitalOcean', 'DigitalOcean OAuth refresh token', C,
    LB + r'(?P<secret>dor_v1_[a-f0-9]{64})' + RB, ['dor_v1_'])
tok('flyio-access-token', 'Fly.io', 'Fly.io access token', H,
    r'(?<![\w+/-])(?P<secret>(?:fo1_[\w-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3}))(?![\w+/=-])',
    ['fo1_', 'fm1a_', 'fm1r_', 'fm2_'], entropy=3.5, window=4096)
ctx('heroku-api-key', 'Heroku', 'Heroku API key', H, ['heroku'],
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
tok('heroku-api-key-v2', 'Heroku', 'Heroku API key (v2)', H,
    LB + r'(?P<secret>HRKU-AA[\w-]{58})' + RBX, ['hrku-aa'])
tok('yandex-api-key', 'Yandex', 'Yandex Cloud API key', H,
    LB + r'(?P<secret>AQVN[\w-]{35,38})' + RBX, ['aqvn'])
tok('yandex-aws-access-token', 'Yandex', 'Yandex Cloud static access key', H,
    LB + r'(?P<secret>YC[\w-]{38})' + RBX, ['yc'], binary=False, entropy=3.5)
tok('yandex-access-token', 'Yandex', 'Yandex Cloud IAM token', H,
    LB + r'(?P<secret>t1\.[A-Z0-9a-z_-]+={0,2}\.[A-Z0-9a-z_-]{86}={0,2})' + RBX, ['t1.'],
    binary=False)
tok('scalingo-api-token', 'Scalingo', 'Scalingo API token', H,
    LB + r'(?P<secret>tk-us-[\w-]{48})' + RBX, ['tk-us-'])
tok('cloudflare-origin-ca-key', 'Cloudflare', 'Cloudflare Origin CA key', H,
    LB + r'(?P<secret>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})' + RB, ['v1.0-'])
ctx('cloudflare-api-key', 'Cloudflare', 'Cloudflare API token', H, ['cloudflare'],
    r'[a-z0-9_-]{40}', entropy=3.5)
ctx('cloudflare-global-api-key', 'Cloudflare', 'Cloudflare global API key', H, ['cloudflare'],
    r'[a-f0-9]{37}')
tok('openshift-user-token', 'OpenShift', 'OpenShift user token', H,
    LB + r'(?P<secret>sha256~[\w-]{43})' + RBX, ['sha256~'], entropy=3.5)
tok('vault-service-token', 'HashiCorp', 'HashiCorp Vault service token', H,
    r'(?<![\w.])(?P<secret>(?:hvs\.[\w-]{90,120}|s\.(?=[a-zA-Z0-9]{0,23}[A-Z])(?=[a-zA-Z0-9]{0,23}[a-z])(?=[a-zA-Z0-9]{0,23}[0-9])[a-zA-Z0-9]{24}))(?![\w.-])',
    ['hvs.', 's.'], binary=False, entropy=3.2)
tok('vault-batch-token', 'HashiCorp', 'HashiCorp Vault batch token', H,
    LB + r'(?P<secret>hvb\.[\w-]{138,300})' + RBX, ['hvb.'])
tok('hashicorp-tf-api-token', 'HashiCorp', 'Terraform Cloud API token', H,
    LB + r'(?P<secret>(?i:[a-z0-9]{14}\.atlasv1\.[a-z0-9\-_=]{60,70}))' + r'(?![\w=-])', ['.atlasv1.'],
    entropy=3.5)
add(id='hashicorp-tf-password', category='HashiCorp', title='Password in Terraform file',
    severity=H, path=r'(?i)\.(?:tf|hcl)$',
    regex=r'''(?i)[\w-]*password[\w-]*\s*=\s*"(?P<secret>[^"$\s][^"\s]{3,100})"''',
    keywords=['password'], binary=False)
tok('pulumi-api-token', 'Pulumi', 'Pulumi API token', H,
    LB + r'(?P<secret>pul-[a-f0-9]{40})' + RB, ['pul-'])
tok('databricks-api-token', 'Databricks', 'Databricks API token', H,
    LB + r'(?P<secret>dapi[a-f0-9]{32}(?:-\d)?)' + RB, ['dapi'])
tok('dynatrace-api-token', 'Dynatrace', 'Dynatrace API token', H,
    LB + r'(?P<secret>dt0c01\.(?i:[a-z0-9]{24})\.(?i:[a-z0-9]{64}))' + RB, ['dt0c01.'])
tok('defined-networking-api-token', 'Defined Networking', 'Defined Networking API token', H,
    LB + r'(?P<secret>dnkey-[\w=-]{26}-[\w=-]{52})' + r'(?![\w=-])', ['dnkey-'])
tok('doppler-api-token', 'Doppler', 'Doppler API token', H,
    LB + r'(?P<secret>dp\.pt\.(?i:[a-z0-9]{43}))' + RB, ['dp.pt.'])
tok('prefect-api-token', 'Prefect', 'Prefect API token', H,
    LB + r'(?P<secret>pnu_[a-z0-9]{36})' + RB, ['pnu_'])
tok('planetscale-password', 'PlanetScale', 'PlanetScale password', H,
    LB + r'(?P<secret>pscale_pw_(?i:[\w=.-]{32,64}))' + r'(?![\w=.-])', ['pscale_pw_'])
tok('planetscale-api-token', 'PlanetScale', 'PlanetScale API token', H,
    LB + r'(?P<secret>pscale_tkn_(?i:[\w=.-]{32,64}))' + r'(?![\w=.-])', ['pscale_tkn_'])
tok('planetscale-oauth-token', 'PlanetScale', 'PlanetScale OAuth token', H,
    LB + r'(?P<secret>pscale_oauth_(?i:[\w=.-]{32,64}))' + r'(?![\w=.-])', ['pscale_oauth_'])
tok('clickhouse-cloud-api-secret-key', 'ClickHouse', 'ClickHouse Cloud API secret key', H,
    LB + r'(?P<secret>4b1d[A-Za-z0-9]{38})' + RB, ['4b1d'], entropy=3.5)
tok('settlemint-personal-access-token', 'SettleMint', 'SettleMint personal access token', H,
    LB + r'(?P<secret>sm_pat_[a-zA-Z0-9]{16})' + RB, ['sm_pat_'])
tok('settlemint-application-access-token', 'SettleMint', 'SettleMint application access token', H,
    LB + r'(?P<secret>sm_aat_[a-zA-Z0-9]{16})' + RB, ['sm_aat_'])
tok('settlemint-service-access-token', 'SettleMint', 'SettleMint service access token', H,
    LB + r'(?P<secret>sm_sat_[a-zA-Z0-9]{16})' + RB, ['sm_sat_'])
tok('infracost-api-token', 'Infracost', 'Infracost API token', H,
    r'(?<![\w.-])(?P<secret>ico-[a-zA-Z0-9]{32})' + RB, ['ico-'], entropy=3.0)
tok('harness-api-key', 'Harness', 'Harness API key', H,
    LB + r'(?P<secret>(?:pat|sat)\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20})' + RB,
    ['pat.', 'sat.'], binary=False)
tok('octopus-deploy-api-key', 'Octopus Deploy', 'Octopus Deploy API key', H,
    LB + r'(?P<secret>API-[A-Z0-9]{26})' + RB, ['api-'], binary=False, entropy=3.0)
tok('authress-service-client-access-key', 'Authress', 'Authress service client access key', H,
    LB + r'(?P<secret>(?:sc|ext|scauth|authress)_(?i:[a-z0-9]{5,30})\.(?i:[a-z0-9]{4,6})\.acc[_-](?i:[a-z0-9-]{10,32})\.(?i:[a-z0-9+/_=-]{30,120}))' + r'(?![\w=+/-])',
    ['.acc_', '.acc-'])

# ---- source forges ---------------------------------------------------------------------
tok('github-pat', 'GitHub', 'GitHub personal access token (classic)', C,
    LB + r'(?P<secret>ghp_[0-9a-zA-Z]{36})' + RB, ['ghp_'], entropy=3.0)
tok('github-fine-grained-pat', 'GitHub', 'GitHub fine-grained personal access token', C,
    LB + r'(?P<secret>github_pat_\w{82})' + RB, ['github_pat_'], entropy=3.0)
tok('github-oauth', 'GitHub', 'GitHub OAuth access token', C,
    LB + r'(?P<secret>gho_[0-9a-zA-Z]{36})' + RB, ['gho_'], entropy=3.0)
tok('github-app-token', 'GitHub', 'GitHub app token', C,
    LB + r'(?P<secret>(?:ghu|ghs)_[0-9a-zA-Z]{36})' + RB, ['ghu_', 'ghs_'], entropy=3.0)
tok('github-refresh-token', 'GitHub', 'GitHub refresh token', C,
    LB + r'(?P<secret>ghr_[0-9a-zA-Z]{36,76})' + RB, ['ghr_'], entropy=3.0)
tok('gitlab-pat', 'GitLab', 'GitLab personal access token', C,
    LB + r'(?P<secret>glpat-[\w-]{20})' + RBX, ['glpat-'], entropy=3.0)
tok('gitlab-pat-routable', 'GitLab', 'GitLab personal access token (routable)', C,
    LB + r'(?P<secret>glpat-[\w-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7})' + RBX, ['glpat-'], entropy=3.5)
tok('gitlab-ptt', 'GitLab', 'GitLab pipeline trigger token', H,
    LB + r'(?P<secret>glptt-[0-9a-f]{40})' + RB, ['glptt-'], entropy=3.0)
tok('gitlab-rrt', 'GitLab', 'GitLab runner registration token', H,
    LB + r'(?P<secret>GR1348941[\w-]{20})' + RBX, ['gr1348941'], entropy=3.5)
tok('gitlab-runner-authentication-token', 'GitLab', 'GitLab runner authentication token', H,
    LB + r'(?P<secret>glrt-[\w-]{20})' + RBX, ['glrt-'])
tok('gitlab-runner-authentication-token-routable', 'GitLab', 'GitLab runner authentication token (routable)', H,
    LB + r'(?P<secret>glrt-t\d_[\w-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7})' + RBX, ['glrt-t'], entropy=3.5)
tok('gitlab-cicd-job-token', 'GitLab', 'GitLab CI/CD job token', H,
    LB + r'(?P<secret>glcbt-[0-9a-zA-Z]{1,5}_[\w-]{20})' + RBX, ['glcbt-'])
tok('gitlab-deploy-token', 'GitLab', 'GitLab deploy token', H,
    LB + r'(?P<secret>gldt-[\w-]{20})' + RBX, ['gldt-'])
tok('gitlab-feature-flag-client-token', 'GitLab', 'GitLab feature flag client token', M,
    LB + r'(?P<secret>glffct-[\w-]{20})' + RBX, ['glffct-'])
tok('gitlab-feed-token', 'GitLab', 'GitLab feed token', M,
    LB + r'(?P<secret>glft-[\w-]{20})' + RBX, ['glft-'])
tok('gitlab-incoming-mail-token', 'GitLab', 'GitLab incoming mail token', M,
    LB + r'(?P<secret>glimt-[\w-]{25})' + RBX, ['glimt-'])
tok('gitlab-kubernetes-agent-token', 'GitLab', 'GitLab Kubernetes agent token', H,
    LB + r'(?P<secret>glagent-[\w-]{50})' + RBX, ['glagent-'])
tok('gitlab-oauth-app-secret', 'GitLab', 'GitLab OAuth application secret', H,
    LB + r'(?P<secret>gloas-[\w-]{64})' + RBX, ['gloas-'])
tok('gitlab-scim-token', 'GitLab', 'GitLab SCIM token', H,
    LB + r'(?P<secret>glsoat-[\w-]{20})' + RBX, ['glsoat-'])
tok('gitlab-session-cookie', 'GitLab', 'GitLab session cookie', M,
    r'(?P<secret>_gitlab_session=[0-9a-z]{32})' + RB, ['_gitlab_session='])
ctx('bitbucket-client-id', 'Bitbucket', 'Bitbucket client ID', M, ['bitbucket'], r'[a-z0-9]{32}')
ctx('bitbucket-client-secret', 'Bitbucket', 'Bitbucket client secret', H, ['bitbucket'],
    r'[a-z0-9=_\-]{64}')
tok('bitbucket-app-password', 'Bitbucket', 'Bitbucket app password', H,
    LB + r'(?P<secret>ATBB[a-zA-Z0-9_=.-]{32})' + RBX, ['atbb'])
ctx('gitter-access-token', 'Gitter', 'Gitter access token', H, ['gitter'], r'[a-z0-9_-]{40}')
tok('sourcegraph-access-token', 'Sourcegraph', 'Sourcegraph access token', H,
    r'(?<![\w!])(?P<secret>sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40})(?![\w!])',
    ['sgp_'], entropy=3.0)
ctx('sourcegraph-access-token-labelled', 'Sourcegraph', 'Sourcegraph access token (labelled)', H,
    ['sourcegraph'], r'(?-i:[a-fA-F0-9]{40})', entropy=3.0)
ctx('droneci-access-token', 'Drone CI', 'Drone CI access token', H, ['droneci', 'drone'],
    r'[a-z0-9]{32}')
ctx('travisci-access-token', 'Travis CI', 'Travis CI access token', H, ['travis'],
    r'[a-z0-9]{22}')
ctx('codecov-access-token', 'Codecov', 'Codecov access token', M, ['codecov'], r'[a-z0-9]{32}')
tok('circleci-token', 'CircleCI', 'CircleCI personal API token', H,
    LB + r'(?P<secret>CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})' + RB, ['ccipat_'])
ctx('sonar-api-token', 'SonarQube', 'SonarQube / SonarCloud token', H, ['sonar'],
    r'(?:squ_|sqp_|sqa_)?[a-z0-9=_\-]{40}')
ctx('snyk-api-token', 'Snyk', 'Snyk API token', H, ['snyk'],
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
tok('jfrog-api-key', 'JFrog', 'JFrog API key', H,
    r'(?i)(?:jfrog|artifactory|bintray|xray)[\w.\-]{0,40}["\']?[ \t]*(?:[:=]{1,3}|=>)[ \t]*["\']?(?P<secret>[a-z0-9]{73})' + RB,
    ['jfrog', 'artifactory', 'bintray', 'xray'], binary=False)
ctx('jfrog-identity-token', 'JFrog', 'JFrog identity token', H,
    ['jfrog', 'artifactory', 'bintray', 'xray'], r'[a-z0-9]{64}')
tok('artifactory-api-key', 'JFrog', 'Artifactory API key', H,
    LB + r'(?P<secret>AKCp[A-Za-z0-9]{69})' + RB, ['akcp'], entropy=4.0)
tok('artifactory-reference-token', 'JFrog', 'Artifactory reference token', H,
    LB + r'(?P<secret>cmVmd[A-Za-z0-9]{59})' + RB, ['cmvmd'], entropy=4.0)

# ---- package registries ------------------------------------------------------------------
tok('npm-access-token', 'npm', 'npm access token', C,
    LB + r'(?P<secret>npm_(?i:[a-z0-9]{36}))' + RB, ['npm_'], entropy=3.0)
tok('pypi-upload-token', 'PyPI', 'PyPI upload token', C,
    LB + r'(?P<secret>pypi-AgEIcHlwaS5vcmc[\w-]{50,1000})' + RBX, ['pypi-ageichlwas5vcmc'])
tok('rubygems-api-token', 'RubyGems', 'RubyGems API token', C,
    LB + r'(?P<secret>rubygems_[a-f0-9]{48})' + RB, ['rubygems_'])
tok('nuget-api-key', 'NuGet', 'NuGet API key', H,
    LB + r'(?P<secret>oy2[a-z0-9]{43})' + RB, ['oy2'], entropy=3.5)
add(id='nuget-config-password', category='NuGet', title='Password in NuGet.config', severity=H,
    path=r'(?i)(?:^|/)nuget\.config$',
    regex=r'''(?i)<add\s+key=["'](?:ClearText)?Password["']\s+value=["'](?P<secret>[^"']{8,})["']''',
    keywords=['password'], binary=False)
tok('clojars-api-token', 'Clojars', 'Clojars deploy token', H,
    r'(?i)(?P<secret>CLOJARS_[a-z0-9]{60})' + RB, ['clojars_'])
tok('dockerhub-pat', 'Docker', 'Docker Hub personal access token', C,
    LB + r'(?P<secret>dckr_pat_[\w-]{27})' + RBX, ['dckr_pat_'])
tok('dockerhub-oat', 'Docker', 'Docker Hub organization access token', C,
    LB + r'(?P<secret>dckr_oat_[\w-]{32})' + RBX, ['dckr_oat_'])
tok('hex-api-key', 'Hex', 'Hex.pm API key', H,
    r'(?i)hex[\w.-]{0,20}(?:api)?[_-]?key["\']?\s*[:=]\s*["\']?(?P<secret>[a-f0-9]{32})' + RB,
    ['hex'], binary=False)
tok('cratesio-api-token', 'crates.io', 'crates.io API token', C,
    LB + r'(?P<secret>cio[a-zA-Z0-9]{32})' + RB, ['cio'], binary=False, entropy=3.8)

# ---- chat ------------------------------------------------------------------------------
tok('slack-bot-token', 'Slack', 'Slack bot token', C,
    LB + r'(?P<secret>xoxb-[0-9]{10,13}-[0-9]{10,13}-?[a-zA-Z0-9]{0,24})' + RB,
    ['xoxb-'], entropy=3.0)
tok('slack-legacy-bot-token', 'Slack', 'Slack legacy bot token', C,
    LB + r'(?P<secret>xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26})' + RB, ['xoxb-'], entropy=3.0)
tok('slack-user-token', 'Slack', 'Slack user token', C,
    LB + r'(?P<secret>xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34})' + RB,
    ['xoxp-', 'xoxe-'], entropy=3.0)
tok('slack-app-token', 'Slack', 'Slack app-level token', C,
    r'(?i)(?P<secret>xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)' + RB, ['xapp-'])
tok('slack-config-access-token', 'Slack', 'Slack configuration access token', C,
    r'(?i)(?P<secret>xoxe\.xox[bp]-\d-[A-Z0-9]{163,166})' + RB, ['xoxe.xox'])
tok('slack-config-refresh-token', 'Slack', 'Slack configuration refresh token', C,
    r'(?i)(?P<secret>xoxe-\d-[A-Z0-9]{146})' + RB, ['xoxe-'])
tok('slack-legacy-workspace-token', 'Slack', 'Slack legacy workspace token', C,
    LB + r'(?P<secret>xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}(?:-[0-9a-zA-Z]{4,48}){0,4})' + RB, ['xoxa-', 'xoxr-'])
tok('slack-legacy-token', 'Slack', 'Slack legacy token', C,
    LB + r'(?P<secret>xox[os]-\d+-\d+-\d+-[a-fA-F\d]+)' + RB, ['xoxo-', 'xoxs-'])
tok('slack-webhook-url', 'Slack', 'Slack webhook URL', H,
    r'(?P<secret>(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})',
    ['hooks.slack.com'])
tok('microsoft-teams-webhook', 'Microsoft', 'Microsoft Teams incoming webhook', H,
    r'(?P<secret>https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12})',
    ['webhook.office.com'])
tok('discord-webhook', 'Discord', 'Discord webhook URL', H,
    r'(?P<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,68})',
    ['discord.com/api/webhooks', 'discordapp.com/api/webhooks'])
ctx('discord-api-token', 'Discord', 'Discord API key', H, ['discord'], r'[a-f0-9]{64}')
ctx('discord-client-id', 'Discord', 'Discord client ID', L, ['discord'], r'[0-9]{18}', entropy=2.0)
ctx('discord-client-secret', 'Discord', 'Discord client secret', H, ['discord'],
    r'[a-z0-9=_\-]{32}', entropy=2.0)
tok('discord-bot-token', 'Discord', 'Discord bot token', H,
    r'(?<![\w.-])(?P<secret>[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38})(?![\w.-])',
    ['discord', 'bot '], binary=False, entropy=4.0)
tok('telegram-bot-api-token', 'Telegram', 'Telegram bot API token', H,
    r'(?<![\w:.])(?P<secret>[0-9]{5,16}:A[a-zA-Z0-9_-]{34})(?![\w:-])',
    [':a'], binary=False, entropy=3.0)
ctx('mattermost-access-token', 'Mattermost', 'Mattermost access token', H, ['mattermost'],
    r'[a-z0-9]{26}')
ctx('twitch-api-token', 'Twitch', 'Twitch API token', H, ['twitch'], r'[a-z0-9]{30}')
tok('line-channel-token', 'LINE', 'LINE messaging channel access token', H,
    r'(?i)line[\w.-]{0,20}(?:channel)?[_-]?(?:access)?[_-]?token["\']?\s*[:=]\s*["\']?(?P<secret>(?-i:[A-Za-z0-9+/]{171,172}=?))',
    ['line'], binary=False)
ctx('sendbird-access-id', 'Sendbird', 'Sendbird application ID', M, ['sendbird'],
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
ctx('sendbird-access-token', 'Sendbird', 'Sendbird access token', H, ['sendbird'], r'[a-f0-9]{40}')
ctx('intercom-api-key', 'Intercom', 'Intercom API key', H, ['intercom'], r'[a-z0-9=_\-]{60}')
ctx('gitter-token-legacy', 'Gitter', 'Gitter legacy token', M, ['gitter'], r'[a-f0-9]{40}')

# ---- payments and finance --------------------------------------------------------------
tok('stripe-access-token', 'Stripe', 'Stripe secret or restricted key', C,
    LB + r'(?P<secret>(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})' + RB,
    ['sk_test_', 'sk_live_', 'sk_prod_', 'rk_test_', 'rk_live_', 'rk_prod_'], entropy=3.0)
tok('stripe-webhook-secret', 'Stripe', 'Stripe webhook signing secret', H,
    LB + r'(?P<secret>whsec_[a-zA-Z0-9]{32,64})' + RB, ['whsec_'], entropy=3.5)
tok('square-access-token', 'Square', 'Square access token', H,
    LB + r'(?P<secret>(?:EAAA|sq0atp-)[\w-]{22,60})' + RBX, ['eaaa', 'sq0atp-'], entropy=3.5)
tok('square-oauth-secret', 'Square', 'Square OAuth secret', H,
    LB + r'(?P<secret>sq0csp-[\w-]{43})' + RBX, ['sq0csp-'])
ctx('squarespace-access-token', 'Squarespace', 'Squarespace access token', H, ['squarespace'],
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
tok('shopify-access-token', 'Shopify', 'Shopify access token', C,
    LB + r'(?P<secret>shpat_[a-fA-F0-9]{32})' + RB, ['shpat_'])
tok('shopify-custom-access-token', 'Shopify', 'Shopify custom app access token', C,
    LB + r'(?P<secret>shpca_[a-fA-F0-9]{32})' + RB, ['shpca_'])
tok('shopify-private-app-access-token', 'Shopify', 'Shopify private app access token', C,
    LB + r'(?P<secret>shppa_[a-fA-F0-9]{32})' + RB, ['shppa_'])
tok('shopify-shared-secret', 'Shopify', 'Shopify shared secret', H,
    LB + r'(?P<secret>shpss_[a-fA-F0-9]{32})' + RB, ['shpss_'])
tok('flutterwave-public-key', 'Flutterwave', 'Flutterwave public key', L,
    r'(?i)(?P<secret>FLWPUBK_TEST-[a-h0-9]{32}-X)', ['flwpubk_test-'])
tok('flutterwave-secret-key', 'Flutterwave', 'Flutterwave secret key', H,
    r'(?i)(?P<secret>FLWSECK_TEST-[a-h0-9]{32}-X)', ['flwseck_test-'])
tok('flutterwave-encryption-key', 'Flutterwave', 'Flutterwave encryption key', H,
    r'(?i)(?P<secret>FLWSECK_TEST-[a-h0-9]{12})(?![a-h0-9])', ['flwseck_test-'])
tok('gocardless-api-token', 'GoCardless', 'GoCardless API token', H,
    r'(?i)gocardless' + ASSIGN + r'(?P<secret>live_[a-z0-9\-_=]{40})' + END, ['gocardless'],
    binary=False)
ctx('plaid-client-id', 'Plaid', 'Plaid client ID', M, ['plaid'], r'[a-z0-9]{24}', entropy=3.5)
ctx('plaid-secret-key', 'Plaid', 'Plaid secret key', H, ['plaid'], r'[a-z0-9]{30}', entropy=3.5)
tok('plaid-api-token', 'Plaid', 'Plaid API token', H,
    r'(?i)plaid' + ASSIGN + r'(?P<secret>access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + END,
    ['plaid'], binary=False)
ctx('coinbase-access-token', 'Coinbase', 'Coinbase access token', H, ['coinbase'],
    r'[a-z0-9_-]{64}')
ctx('kraken-access-token', 'Kraken', 'Kraken access token', H, ['kraken'],
    r'[a-z0-9\/=_\+\-]{80,90}')
ctx('kucoin-access-token', 'KuCoin', 'KuCoin access token', H, ['kucoin'], r'[a-f0-9]{24}')
ctx('kucoin-secret-key', 'KuCoin', 'KuCoin secret key', H, ['kucoin'],
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
ctx('bittrex-access-key', 'Bittrex', 'Bittrex access key', H, ['bittrex'], r'[a-z0-9]{32}')
ctx('bittrex-secret-key', 'Bittrex', 'Bittrex secret key', H, ['bittrex'], r'[a-z0-9]{32}')
ctx('finicity-client-secret', 'Finicity', 'Finicity client secret', H, ['finicity'],
    r'[a-z0-9]{20}')
ctx('finicity-api-token', 'Finicity', 'Finicity API token', H, ['finicity'], r'[a-f0-9]{32}')
ctx('finnhub-access-token', 'Finnhub', 'Finnhub access token', M, ['finnhub'], r'[a-z0-9]{20}')
ctx('freshbooks-access-token', 'FreshBooks', 'FreshBooks access token', H, ['freshbooks'],
    r'[a-z0-9]{64}')
tok('duffel-api-token', 'Duffel', 'Duffel API token', H,
    r'(?i)(?P<secret>duffel_(?:test|live)_[a-z0-9_\-=]{43})' + r'(?![\w=-])', ['duffel_test_', 'duffel_live_'])
tok('easypost-api-token', 'EasyPost', 'EasyPost API token', H,
    r'(?<![\w+/])(?P<secret>EZAK(?i:[a-z0-9]{54}))' + RB, ['ezak'])
tok('easypost-test-api-token', 'EasyPost', 'EasyPost test API token', M,
    r'(?<![\w+/])(?P<secret>EZTK(?i:[a-z0-9]{54}))' + RB, ['eztk'])
tok('shippo-api-token', 'Shippo', 'Shippo API token', H,
    LB + r'(?P<secret>shippo_(?:live|test)_[a-fA-F0-9]{40})' + RB, ['shippo_live_', 'shippo_test_'])
ctx('gocardless-legacy', 'GoCardless', 'GoCardless sandbox token', M, ['gocardless'],
    r'sandbox_[a-z0-9\-_=]{40}')
tok('paypal-braintree-token', 'PayPal', 'PayPal Braintree access token', C,
    LB + r'(?P<secret>access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})' + RB,
    ['access_token$'])
tok('razorpay-key', 'Razorpay', 'Razorpay API key', H,
    LB + r'(?P<secret>rzp_(?:live|test)_[A-Za-z0-9]{14})' + RB, ['rzp_live_', 'rzp_test_'])
tok('adyen-api-key', 'Adyen', 'Adyen API key', H,
    LB + r'(?P<secret>AQE[a-zA-Z0-9]{2}[\w+/-]{60,200}=?-[A-Za-z0-9+/]{20,60}=?)', ['aqe'],
    binary=False, entropy=4.0)

# ---- AI and ML -----------------------------------------------------------------------
tok('openai-api-key', 'OpenAI', 'OpenAI API key', C,
    LB + r'(?P<secret>sk-(?:(?:proj|svcacct|admin)-[\w-]{20,200}T3BlbkFJ[\w-]{20,200}|[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}))' + RBX,
    ['t3blbkfj'], entropy=3.0)
tok('anthropic-api-key', 'Anthropic', 'Anthropic API key', C,
    LB + r'(?P<secret>sk-ant-api03-[\w-]{93}AA)' + RBX, ['sk-ant-api03-'])
tok('anthropic-admin-api-key', 'Anthropic', 'Anthropic admin API key', C,
    LB + r'(?P<secret>sk-ant-admin01-[\w-]{93}AA)' + RBX, ['sk-ant-admin01-'])
tok('huggingface-access-token', 'Hugging Face', 'Hugging Face access token', H,
    LB + r'(?P<secret>hf_[a-zA-Z]{34})' + RB, ['hf_'], entropy=3.0)
tok('huggingface-organization-api-token', 'Hugging Face', 'Hugging Face organization token', H,
    LB + r'(?P<secret>api_org_[a-zA-Z]{34})' + RB, ['api_org_'], entropy=3.0)
tok('perplexity-api-key', 'Perplexity', 'Perplexity API key', H,
    LB + r'(?P<secret>pplx-[a-zA-Z0-9]{48})' + RB, ['pplx-'], entropy=3.0)
ctx('cohere-api-token', 'Cohere', 'Cohere API key', H, ['cohere', 'co_api_key'],
    r'(?-i:[a-zA-Z0-9]{40})', entropy=3.5)
tok('groq-api-key', 'Groq', 'Groq API key', H,
    LB + r'(?P<secret>gsk_[a-zA-Z0-9]{52})' + RB, ['gsk_'], entropy=3.5)
tok('replicate-api-token', 'Replicate', 'Replicate API token', H,
    LB + r'(?P<secret>r8_[a-zA-Z0-9]{37})' + RB, ['r8_'], entropy=3.5)
tok('xai-api-key', 'xAI', 'xAI API key', H,
    LB + r'(?P<secret>xai-[a-zA-Z0-9]{80})' + RB, ['xai-'], entropy=3.5)
tok('langsmith-api-key', 'LangChain', 'LangSmith API key', H,
    LB + r'(?P<secret>lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})' + RB, ['lsv2_pt_', 'lsv2_sk_'])
ctx('privateai-api-token', 'Private AI', 'Private AI API token', H, ['privateai', 'private_ai', 'private-ai'],
    r'[a-z0-9]{32}', entropy=3.0)
tok('notion-api-token', 'Notion', 'Notion integration token', H,
    LB + r'(?P<secret>ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3})' + RB, ['ntn_'], entropy=3.5)
tok('notion-secret-legacy', 'Notion', 'Notion legacy integration secret', H,
    LB + r'(?P<secret>secret_[A-Za-z0-9]{43})' + RB, ['secret_'], binary=False, entropy=4.2)

# ---- SaaS APIs ----------------------------------------------------------------------
tok('sendgrid-api-token', 'SendGrid', 'SendGrid API key', H,
    r'(?i)(?<![a-z0-9])(?P<secret>SG\.[a-z0-9=_\-.]{66})' + r'(?![\w=.-])', ['sg.'], entropy=3.5)
tok('sendinblue-api-token', 'Brevo', 'Brevo (Sendinblue) API key', H,
    r'(?i)(?P<secret>xkeysib-[a-f0-9]{64}-[a-z0-9]{16})' + RB, ['xkeysib-'])
tok('mailgun-private-api-token', 'Mailgun', 'Mailgun private API key', H,
    r'(?i)mailgun' + ASSIGN + r'(?P<secret>key-[a-f0-9]{32})' + END, ['mailgun'], binary=False)
tok('mailgun-pub-key', 'Mailgun', 'Mailgun public validation key', L,
    r'(?i)mailgun' + ASSIGN + r'(?P<secret>pubkey-[a-f0-9]{32})' + END, ['mailgun'], binary=False)
ctx('mailgun-signing-key', 'Mailgun', 'Mailgun webhook signing key', H, ['mailgun'],
    r'[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}')
tok('mailchimp-api-key', 'Mailchimp', 'Mailchimp API key', H,
    r'(?i)(?:mailchimp|mc_api|mandrill)' + ASSIGN + r'(?P<secret>[a-f0-9]{32}-us\d{1,2})' + END,
    ['mailchimp', 'mc_api', 'mandrill'], binary=False)
tok('mailjet-api-key', 'Mailjet', 'Mailjet API key', H,
    r'(?i)mailjet' + ASSIGN + r'(?P<secret>[a-f0-9]{32})' + END, ['mailjet'], binary=False)
tok('postmark-server-token', 'Postmark', 'Postmark server token', H,
    r'(?i)postmark' + ASSIGN + r'(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + END,
    ['postmark'], binary=False)
tok('twilio-api-key', 'Twilio', 'Twilio API key', H,
    LB + r'(?P<secret>SK[0-9a-fA-F]{32})' + RB, ['sk'], binary=False, entropy=3.0)
tok('twilio-account-sid', 'Twilio', 'Twilio account SID with auth token', H,
    r'(?i)twilio' + ASSIGN + r'(?P<secret>(?-i:AC[a-f0-9]{32}))' + END, ['twilio'], binary=False)
tok('messagebird-api-token', 'MessageBird', 'MessageBird API token', H,
    r'(?i)(?:messagebird|message-bird|message_bird)' + ASSIGN + r'(?P<secret>[a-z0-9]{25})' + END,
    ['messagebird', 'message-bird', 'message_bird'], binary=False)
tok('messagebird-client-id', 'MessageBird', 'MessageBird client ID', M,
    r'(?i)(?:messagebird|message-bird|message_bird)' + ASSIGN + r'(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + END,
    ['messagebird', 'message-bird', 'message_bird'], binary=False)
ctx('nexmo-api-secret', 'Vonage', 'Vonage (Nexmo) API secret', H, ['nexmo', 'vonage'],
    r'[a-z0-9]{16}', entropy=3.0)
ctx('datadog-access-token', 'Datadog', 'Datadog access token', H, ['datadog', 'dd_api_key', 'dd_app_key'],
    r'[a-z0-9]{40}')
tok('datadog-api-key', 'Datadog', 'Datadog API key', H,
    r'(?i)(?:datadog|dd)[_-]?api[_-]?key' + ASSIGN + r'(?P<secret>[a-f0-9]{32})' + END,
    ['datadog', 'dd_api_key', 'dd-api-key'], binary=False)
tok('new-relic-user-api-key', 'New Relic', 'New Relic user API key', H,
    r'(?i)(?P<secret>NRAK-[a-z0-9]{27})' + RB, ['nrak-'])
ctx('new-relic-user-api-id', 'New Relic', 'New Relic user API ID', M,
    ['new-relic', 'newrelic', 'new_relic'], r'[a-z0-9]{64}')
tok('new-relic-browser-api-token', 'New Relic', 'New Relic browser API token', M,
    r'(?i)(?P<secret>NRJS-[a-f0-9]{19})' + RB, ['nrjs-'])
tok('new-relic-insert-key', 'New Relic', 'New Relic insert key', H,
    r'(?i)(?P<secret>NRII-[a-z0-9-]{32})' + RBX, ['nrii-'])
tok('new-relic-license-key', 'New Relic', 'New Relic license key', H,
    LB + r'(?P<secret>[a-f0-9]{36}NRAL)' + RB, ['nral'])
tok('grafana-api-key', 'Grafana', 'Grafana API key', H,
    r'(?i)(?<![a-z0-9])(?P<secret>eyJrIjoi[a-z0-9]{70,400}={0,2})' + r'(?![\w=])', ['eyjrijoi'])
tok('grafana-cloud-api-token', 'Grafana', 'Grafana Cloud API token', H,
    r'(?<![A-Za-z0-9])(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,2})' + r'(?![\w+/=])', ['glc_'],
    entropy=3.5)
tok('grafana-service-account-token', 'Grafana', 'Grafana service account token', H,
    r'(?i)(?<![a-z0-9])(?P<secret>glsa_[a-z0-9]{32}_[a-f0-9]{8})' + RB, ['glsa_'], entropy=3.5)
ctx('sumologic-access-id', 'Sumo Logic', 'Sumo Logic access ID', M, ['sumo'],
    r'(?-i:su[a-zA-Z0-9]{12})', entropy=3.0, kwre=SUMO)
ctx('sumologic-access-token', 'Sumo Logic', 'Sumo Logic access key', H, ['sumo'],
    r'[a-z0-9]{64}', entropy=3.0, kwre=SUMO)
tok('sentry-access-token', 'Sentry', 'Sentry access token', H,
    r'(?i)sentry' + ASSIGN + r'(?P<secret>[a-f0-9]{64})' + END, ['sentry'], binary=False)
tok('sentry-org-token', 'Sentry', 'Sentry organization token', H,
    LB + r'(?P<secret>sntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43})' + r'(?![\w+/])',
    ['sntrys_'])
tok('sentry-user-token', 'Sentry', 'Sentry user token', H,
    LB + r'(?P<secret>sntryu_[a-f0-9]{64})' + RB, ['sntryu_'], entropy=3.5)
tok('postman-api-token', 'Postman', 'Postman API token', H,
    r'(?i)(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})' + RB, ['pmak-'])
tok('linear-api-key', 'Linear', 'Linear API key', H,
    r'(?i)(?P<secret>lin_api_[a-z0-9]{40})' + RB, ['lin_api_'])
ctx('linear-client-secret', 'Linear', 'Linear client secret', H, ['linear'], r'[a-f0-9]{32}')
ctx('asana-client-id', 'Asana', 'Asana client ID', M, ['asana'], r'[0-9]{16}')
ctx('asana-client-secret', 'Asana', 'Asana client secret', H, ['asana'], r'[a-z0-9]{32}')
tok('asana-pat', 'Asana', 'Asana personal access token', H,
    LB + r'(?P<secret>[12]/\d{16}/\d{16}:[a-f0-9]{32})' + RB, ['/'], binary=False,
    prefilter=r'[12]/\d{16}/\d{16}:')
ctx('atlassian-api-token', 'Atlassian', 'Atlassian (Jira, Confluence) API token', H,
    ['atlassian', 'confluence', 'jira'], r'[a-z0-9]{24}')
tok('atlassian-api-token-v2', 'Atlassian', 'Atlassian API token (ATATT)', H,
    LB + r'(?P<secret>ATATT3[A-Za-z0-9_\-=]{186})' + r'(?![\w=-])', ['atatt3'])
tok('airtable-personnal-access-token', 'Airtable', 'Airtable personal access token', H,
    LB + r'(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})' + RB, ['pat'], binary=False,
    prefilter=r'pat[A-Za-z0-9]{14}\.[a-f0-9]{8}')
ctx('airtable-api-key', 'Airtable', 'Airtable API key', H, ['airtable'], r'[a-z0-9]{17}')
ctx('algolia-api-key', 'Algolia', 'Algolia API key', H, ['algolia'], r'[a-z0-9]{32}')
ctx('adafruit-api-key', 'Adafruit', 'Adafruit IO key', M, ['adafruit'], r'[a-z0-9_-]{32}')
ctx('adobe-client-id', 'Adobe', 'Adobe client ID', M, ['adobe'], r'[a-f0-9]{32}')
tok('adobe-client-secret', 'Adobe', 'Adobe client secret', H,
    r'(?i)(?<![a-z0-9])(?P<secret>p8e-[a-z0-9]{32})' + RB, ['p8e-'])
tok('age-secret-key', 'age', 'age secret key', C,
    r'(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})' + RB,
    ['age-secret-key-1'], **{'no-placeholder-check': True})
tok('1password-secret-key', '1Password', '1Password secret key', C,
    LB + r'(?P<secret>A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})' + RB,
    ['a3-'], binary=False, entropy=3.0)
tok('1password-service-account-token', '1Password', '1Password service account token', C,
    LB + r'(?P<secret>ops_eyJ[a-zA-Z0-9+/]{250,}={0,3})' + r'(?![\w+/=])', ['ops_eyj'],
    entropy=4.0, window=4096)
ctx('beamer-api-token', 'Beamer', 'Beamer API token', M, ['beamer'], r'b_[a-z0-9=_\-]{44}')
ctx('contentful-delivery-api-token', 'Contentful', 'Contentful delivery API token', M,
    ['contentful'], r'[a-z0-9=_\-]{43}')
ctx('confluent-access-token', 'Confluent', 'Confluent access token', H, ['confluent'],
    r'[a-z0-9]{16}')
ctx('confluent-secret-key', 'Confluent', 'Confluent secret key', H, ['confluent'],
    r'[a-z0-9]{64}')
ctx('dropbox-api-token', 'Dropbox', 'Dropbox API secret', H, ['dropbox'], r'[a-z0-9]{15}')
tok('dropbox-short-lived-api-token', 'Dropbox', 'Dropbox short-lived API token', H,
    r'(?i)dropbox' + ASSIGN + r'(?P<secret>sl\.[a-z0-9\-=_]{135})' + END, ['dropbox'], binary=False)
tok('dropbox-long-lived-api-token', 'Dropbox', 'Dropbox long-lived API token', H,
    r'(?i)dropbox' + ASSIGN + r'(?P<secret>[a-z0-9]{11}AAAAAAAAAA[a-z0-9\-_=]{43})' + END,
    ['dropbox'], binary=False, **{'no-placeholder-check': True})
ctx('etsy-access-token', 'Etsy', 'Etsy access token', H, ['etsy'], r'[a-z0-9]{24}')
ctx('facebook-secret', 'Facebook', 'Facebook app secret', H, ['facebook'], r'[a-f0-9]{32}')
tok('facebook-access-token', 'Facebook', 'Facebook access token', H,
    r'(?i)(?<![a-z0-9])(?P<secret>\d{15,16}(?:\||%7C)[0-9a-z\-_]{27,40})' + RBX, ['|', '%7c'],
    binary=False, prefilter=r'\d{15}(?:\||%7[Cc])')
tok('facebook-page-access-token', 'Facebook', 'Facebook page access token', H,
    LB + r'(?P<secret>EAA[MC](?i:[a-z0-9]{100,}))' + RB, ['eaam', 'eaac'], entropy=4.0)
ctx('fastly-api-token', 'Fastly', 'Fastly API token', H, ['fastly'], r'[a-z0-9=_\-]{32}')
ctx('flickr-access-token', 'Flickr', 'Flickr access token', M, ['flickr'], r'[a-z0-9]{32}')
tok('frameio-api-token', 'Frame.io', 'Frame.io API token', H,
    r'(?i)(?P<secret>fio-u-[a-z0-9\-_=]{64})' + r'(?![\w=-])', ['fio-u-'])
add(id='freemius-secret-key', category='Freemius', title='Freemius secret key', severity=H,
    path=r'(?i)\.php$',
    regex=r'''(?i)["']secret_key["']\s*=>\s*["'](?P<secret>sk_[\S]{29})["']''',
    keywords=['secret_key'], binary=False)
ctx('hubspot-api-key', 'HubSpot', 'HubSpot API key', H, ['hubspot'],
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
tok('hubspot-private-app-token', 'HubSpot', 'HubSpot private app token', H,
    LB + r'(?P<secret>pat-(?:na|eu)1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + RB,
    ['pat-na1-', 'pat-eu1-'])
tok('intra42-client-secret', '42', '42 intra client secret', H,
    LB + r'(?P<secret>s-s4t2(?:ud|af)-[a-f0-9]{64})' + RB, ['s-s4t2ud-', 's-s4t2af-'])
ctx('launchdarkly-access-token', 'LaunchDarkly', 'LaunchDarkly access token', H,
    ['launchdarkly'], r'[a-z0-9=_\-]{40}')
ctx('linkedin-client-id', 'LinkedIn', 'LinkedIn client ID', M, ['linkedin', 'linked-in'],
    r'[a-z0-9]{14}', entropy=2.5)
ctx('linkedin-client-secret', 'LinkedIn', 'LinkedIn client secret', H, ['linkedin', 'linked-in'],
    r'[a-z0-9]{16}', entropy=2.5)
tok('lob-api-key', 'Lob', 'Lob API key', H,
    r'(?i)lob' + ASSIGN + r'(?P<secret>(?:live|test)_[a-f0-9]{35})' + END, ['lob'], binary=False)
tok('lob-pub-api-key', 'Lob', 'Lob publishable API key', L,
    r'(?i)lob' + ASSIGN + r'(?P<secret>(?:test|live)_pub_[a-f0-9]{31})' + END, ['lob'], binary=False)
ctx('looker-client-id', 'Looker', 'Looker client ID', M, ['looker'], r'[a-z0-9]{20}')
ctx('looker-client-secret', 'Looker', 'Looker client secret', H, ['looker'], r'[a-z0-9]{24}')
tok('mapbox-api-token', 'Mapbox', 'Mapbox API token', M,
    r'(?i)mapbox' + ASSIGN + r'(?P<secret>pk\.[a-z0-9]{60}\.[a-z0-9]{22})' + END, ['mapbox'],
    binary=False)
tok('mapbox-secret-token', 'Mapbox', 'Mapbox secret token', H,
    LB + r'(?P<secret>sk\.eyJ1Ijoi[\w-]{20,200}\.[\w-]{22})' + RBX, ['sk.eyj1ijoi'])
tok('maxmind-license-key', 'MaxMind', 'MaxMind license key', M,
    LB + r'(?P<secret>[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)' + RB, ['_mmk'])
ctx('cisco-meraki-api-key', 'Cisco', 'Cisco Meraki API key', H, ['meraki'], r'(?-i:[0-9a-f]{40})',
    entropy=3.0)
ctx('nytimes-access-token', 'New York Times', 'New York Times API key', M,
    ['nytimes', 'new-york-times', 'newyorktimes'], r'[a-z0-9=_\-]{32}')
ctx('netlify-access-token', 'Netlify', 'Netlify access token', H, ['netlify'],
    r'[a-z0-9=_\-]{40,46}')
tok('okta-access-token', 'Okta', 'Okta API token', H,
    r'(?i)(?<![a-z])okta' + ASSIGN + r'(?P<secret>00(?-i:[\w=-]{40}))' + END, ['okta'], binary=False,
    entropy=4.0)
ctx('rapidapi-access-token', 'RapidAPI', 'RapidAPI access token', H, ['rapidapi'],
    r'[a-z0-9_-]{50}')
tok('readme-api-token', 'ReadMe', 'ReadMe API token', H,
    LB + r'(?P<secret>rdme_[a-z0-9]{70})' + RB, ['rdme_'], entropy=3.0)
tok('sidekiq-secret', 'Sidekiq', 'Sidekiq Enterprise credentials', H,
    r'(?i)(?:BUNDLE_ENTERPRISE__CONTRIBSYS__COM|BUNDLE_GEMS__CONTRIBSYS__COM)' + ASSIGN + r'(?P<secret>[a-f0-9]{8}:[a-f0-9]{8})' + END,
    ['contribsys__com'], binary=False)
tok('sidekiq-sensitive-url', 'Sidekiq', 'Sidekiq Enterprise URL with credentials', H,
    r'(?i)https?://(?P<secret>[a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com',
    ['contribsys.com'])
ctx('twitter-api-key', 'Twitter', 'Twitter API key', M, ['twitter'], r'[a-z0-9]{25}')
ctx('twitter-api-secret', 'Twitter', 'Twitter API secret', H, ['twitter'], r'[a-z0-9]{50}')
ctx('twitter-access-token', 'Twitter', 'Twitter access token', H, ['twitter'],
    r'[0-9]{15,25}-[a-z0-9]{20,40}')
ctx('twitter-access-secret', 'Twitter', 'Twitter access secret', H, ['twitter'], r'[a-z0-9]{45}')
ctx('twitter-bearer-token', 'Twitter', 'Twitter bearer token', H, ['twitter'],
    r'(?-i:A{22}[a-zA-Z0-9%]{80,100})', **{'no-placeholder-check': True})
tok('typeform-api-token', 'Typeform', 'Typeform API token', H,
    r'(?i)(?<![a-z0-9])(?P<secret>tfp_[a-z0-9\-_.=]{59})' + r'(?![\w.=-])', ['tfp_'])
ctx('zendesk-secret-key', 'Zendesk', 'Zendesk secret key', H, ['zendesk'], r'[a-z0-9]{40}')
ctx('messente-api-token', 'Messente', 'Messente API token', M, ['messente'], r'[a-z0-9]{32}')
ctx('mattermost-legacy', 'Mattermost', 'Mattermost personal token', M, ['mattermost'],
    r'[a-z0-9]{26}')
tok('gitguardian-api-key', 'GitGuardian', 'GitGuardian API key', H,
    r'(?i)gitguardian' + ASSIGN + r'(?P<secret>[a-z0-9]{69})' + END, ['gitguardian'], binary=False)
tok('algolia-admin-key', 'Algolia', 'Algolia admin key', H,
    r'(?i)algolia[\w.-]{0,20}admin[\w.-]{0,20}' + ASSIGN + r'(?P<secret>[a-f0-9]{32})' + END,
    ['algolia'], binary=False)
tok('contentful-personal-token', 'Contentful', 'Contentful personal access token', H,
    LB + r'(?P<secret>CFPAT-[\w-]{43})' + RBX, ['cfpat-'])
tok('buildkite-token', 'Buildkite', 'Buildkite agent or API token', H,
    LB + r'(?P<secret>bkua_[a-f0-9]{40})' + RB, ['bkua_'])
tok('fastly-api-key-v2', 'Fastly', 'Fastly API token (labelled)', H,
    r'(?i)fastly[_-]?(?:api)?[_-]?(?:key|token)' + ASSIGN + r'(?P<secret>[\w-]{32})' + END,
    ['fastly'], binary=False)
tok('netlify-pat', 'Netlify', 'Netlify personal access token', H,
    LB + r'(?P<secret>nfp_[a-zA-Z0-9]{36})' + RB, ['nfp_'])
tok('render-api-key', 'Render', 'Render API key', H,
    LB + r'(?P<secret>rnd_[a-zA-Z0-9]{32})' + RB, ['rnd_'], entropy=3.5)
tok('vercel-token', 'Vercel', 'Vercel access token', H,
    r'(?i)vercel' + ASSIGN + r'(?P<secret>(?-i:[A-Za-z0-9]{24}))' + END, ['vercel'], binary=False,
    entropy=3.5)
tok('supabase-service-key', 'Supabase', 'Supabase service key', H,
    LB + r'(?P<secret>sbp_[a-f0-9]{40})' + RB, ['sbp_'])
tok('supabase-secret-key', 'Supabase', 'Supabase secret key', H,
    LB + r'(?P<secret>sb_secret_[\w-]{31,})' + RBX, ['sb_secret_'])
tok('terraform-cloud-token-user', 'HashiCorp', 'HCP service principal secret', H,
    r'(?i)hcp[_-]client[_-]secret' + ASSIGN + r'(?P<secret>[\w-]{64})' + END, ['hcp_client_secret', 'hcp-client-secret'],
    binary=False)
tok('tailscale-key', 'Tailscale', 'Tailscale auth or API key', H,
    LB + r'(?P<secret>tskey-(?:auth|api|client|scim|webhook)-[a-zA-Z0-9]{10,20}-[a-zA-Z0-9]{20,40})' + RB,
    ['tskey-'])
tok('ngrok-token', 'ngrok', 'ngrok auth token', H,
    r'(?i)ngrok' + ASSIGN + r'(?P<secret>(?-i:[0-9a-zA-Z]{25,27}_[0-9a-zA-Z]{20,22}))' + END,
    ['ngrok'], binary=False)
tok('pagerduty-token', 'PagerDuty', 'PagerDuty API token', H,
    r'(?i)pagerduty' + ASSIGN + r'(?P<secret>(?-i:u\+[\w-]{18}|[\w+-]{20}))' + END,
    ['pagerduty'], binary=False, entropy=3.5)
tok('opsgenie-api-key', 'Opsgenie', 'Opsgenie API key', H,
    r'(?i)opsgenie' + ASSIGN + r'(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + END,
    ['opsgenie'], binary=False)
tok('rollbar-token', 'Rollbar', 'Rollbar access token', H,
    r'(?i)rollbar' + ASSIGN + r'(?P<secret>[a-f0-9]{32})' + END, ['rollbar'], binary=False)
tok('bugsnag-api-key', 'Bugsnag', 'Bugsnag API key', M,
    r'(?i)bugsnag' + ASSIGN + r'(?P<secret>[a-f0-9]{32})' + END, ['bugsnag'], binary=False)
tok('honeycomb-api-key', 'Honeycomb', 'Honeycomb API key', H,
    r'(?i)honeycomb' + ASSIGN + r'(?P<secret>(?-i:hc[a-z]{2}_[a-z0-9]{20,58}|[a-zA-Z0-9]{22,32}))' + END,
    ['honeycomb'], binary=False, entropy=3.2)
tok('segment-write-key', 'Segment', 'Segment token', M,
    LB + r'(?P<secret>sgp_[A-Za-z0-9]{64})' + RB, ['sgp_'])
tok('launchdarkly-sdk-key', 'LaunchDarkly', 'LaunchDarkly SDK key', H,
    LB + r'(?P<secret>(?:sdk|api)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + RB,
    ['sdk-', 'api-'], binary=False, entropy=3.5)
tok('cloudinary-url', 'Cloudinary', 'Cloudinary URL with credentials', H,
    r'(?P<secret>cloudinary://\d{10,16}:[\w-]{20,40}@[\w-]+)', ['cloudinary://'])
tok('algolia-app-creds', 'Algolia', 'Algolia credentials in URL', M,
    r'(?i)x-algolia-api-key=(?P<secret>[a-f0-9]{32})' + RB, ['x-algolia-api-key='])
tok('mongodb-atlas-key', 'MongoDB', 'MongoDB Atlas API private key', H,
    r'(?i)(?:mongodb|atlas)[\w.-]{0,20}private[_-]?key' + ASSIGN + r'(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + END,
    ['mongodb', 'atlas'], binary=False)
tok('salesforce-token', 'Salesforce', 'Salesforce access token', H,
    LB + r'(?P<secret>00D[0-9A-Za-z]{12,15}![\w.]{90,110})' + RBX, ['00d'], binary=False,
    entropy=4.0, prefilter=r'00D[0-9A-Za-z]{12,15}!')
tok('zoom-jwt', 'Zoom', 'Zoom API secret', H,
    r'(?i)zoom[_-]?(?:api|client)?[_-]?secret' + ASSIGN + r'(?P<secret>(?-i:[A-Za-z0-9]{32,36}))' + END,
    ['zoom'], binary=False, entropy=3.5)
tok('trello-api-key', 'Trello', 'Trello API token', H,
    r'(?i)trello' + ASSIGN + r'(?P<secret>[a-f0-9]{64}|ATTA[a-f0-9]{64}[A-F0-9]{8})' + END, ['trello'],
    binary=False)
tok('shopify-storefront-token', 'Shopify', 'Shopify storefront token (labelled)', M,
    r'(?i)storefront[_-]?(?:access)?[_-]?token' + ASSIGN + r'(?P<secret>[a-f0-9]{32})' + END,
    ['storefront'], binary=False)
tok('wakatime-api-key', 'WakaTime', 'WakaTime API key', M,
    LB + r'(?P<secret>waka_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})' + RB,
    ['waka_'])
tok('lokalise-token', 'Lokalise', 'Lokalise API token', M,
    r'(?i)lokalise' + ASSIGN + r'(?P<secret>[a-f0-9]{40})' + END, ['lokalise'], binary=False)
tok('mux-token', 'Mux', 'Mux token secret', H,
    r'(?i)mux[_-]token[_-]secret' + ASSIGN + r'(?P<secret>(?-i:[A-Za-z0-9+/]{75}))' + END,
    ['mux_token_secret', 'mux-token-secret'], binary=False)
tok('expo-access-token', 'Expo', 'Expo access token', H,
    r'(?i)expo[_-]token' + ASSIGN + r'(?P<secret>(?-i:[A-Za-z0-9_-]{40}))' + END,
    ['expo_token', 'expo-token'], binary=False, entropy=3.5)
tok('fly-machines-macaroon', 'Fly.io', 'Fly.io macaroon token', H,
    LB + r'(?P<secret>FlyV1 fm2_[A-Za-z0-9+/]{100,}={0,3})', ['flyv1 fm2_'], window=4096)

# ---- credentials in URLs, headers and commands ---------------------------------------
tok('database-url-password', 'Database', 'Database connection URL with password', H,
    r'(?i)(?<![\w+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis(?:s)?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse)://[^\s:/@"\'`]{1,64}:(?P<secret>[^\s:/@"\'`$<>{}]{3,128})@[\w.-]+',
    ['://'], binary=False, prefilter=r'(?i)(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse)://[^\s:/@]{1,64}:')
tok('url-basic-auth', 'URL', 'Password in an HTTP(S) or FTP URL', M,
    r'(?i)(?<![\w+.-])(?:https?|ftps?|sftp|smb|ldaps?)://[\w.%~-]{1,64}:(?P<secret>[\w.%~!*-]{6,128})@[\w-]+(?:\.[\w-]+)+',
    ['://'], binary=False, entropy=3.0,
    prefilter=r'(?i)(?:https?|ftps?|sftp|smb|ldaps?)://[\w.%~-]{1,64}:[\w.%~!*-]{6,128}@')
tok('curl-auth-user', 'curl', 'Credentials in a curl -u/--user argument', M,
    r'''\bcurl\b[\s\S]{0,600}?\s(?:-u|--user)\s+["']?(?=[^\s]{6})(?P<secret>[^\s"'$:<>()\[\]]{0,64}["']?:["']?[^\s"'$<>()\[\]]{1,128})''',
    ['curl'], binary=False, entropy=2.5, window=1024,
    **{'allow-rules': [{'id': 'curl-user-placeholder', 'description': 'user:password words, not values',
                        'regex': r'''(?i)(?:-u|--user)\s+["']?[\w.@-]*["']?:["']?(?:password|passwd|pass|pwd|token|secret|test|changeme|yyy)["']?$'''}]})
tok('curl-auth-header', 'curl', 'Credential in a curl -H Authorization/API key header', M,
    r'''(?i)\bcurl\b[\s\S]{0,600}?(?:-H|--header)\s+["'](?:Authorization|[\w-]*api[_-]?key|[\w-]*token|x-[\w-]*key)\s*:\s*(?:(?:Bearer|Basic|Token|Api-Token|Digest)\s+)?(?P<secret>[\w.~+/=@-]{10,})["']''',
    ['curl'], binary=False, entropy=3.0, window=2048)
tok('authorization-bearer', 'HTTP', 'Bearer token in an Authorization header', M,
    r'''(?i)authorization["']?\s*[:=]\s*["']?bearer\s+(?P<secret>[\w.~+/=-]{20,})''',
    ['bearer'], binary=False, entropy=3.5)
tok('jwt', 'JWT', 'JSON Web Token', M,
    r'(?<![\w.-])(?P<secret>ey[a-zA-Z0-9_-]{12,}\.ey[a-zA-Z0-9_\\/-]{12,}\.(?:[a-zA-Z0-9_\\/+-]{8,}={0,2})?)(?![\w.=-])',
    ['ey'], binary=False, entropy=3.0, window=4096,
    prefilter=r'ey[a-zA-Z0-9_-]{12}[a-zA-Z0-9_-]*\.ey')
tok('jwt-base64', 'JWT', 'Base64-encoded JSON Web Token', M,
    r'(?<![A-Za-z0-9+/])(?P<secret>ZXlK[A-Za-z0-9+/]{0,4000}?(?:LmV5|5leU|uZXl)[A-Za-z0-9+/]{20,4000}={0,2})(?![A-Za-z0-9+/=])',
    ['zxlk'], binary=False, window=8192)
add(id='kubernetes-secret-yaml', category='Kubernetes', title='Kubernetes Secret with data',
    severity=H, path=r'(?i)\.ya?ml$',
    regex=(r'(?im)^[ \t]*kind:[ \t]*["\']?secret["\']?[ \t]*$[\s\S]{0,2000}?^[ \t]*(?:data|stringData):[ \t]*\n'
           r'(?:[ \t]*#[^\n]*\n)*[ \t]+[\w.-]+:[ \t]*(?:[|>][-+]?[ \t]*\n[ \t]+)?["\']?(?P<secret>[^\s"\'{}$][^\s"\'{}]{10,})'),
    keywords=['secret'], binary=False, window=4096)
add(id='kubernetes-secret-yaml-data-first', category='Kubernetes',
    title='Kubernetes Secret with data (data before kind)', severity=H, path=r'(?i)\.ya?ml$',
    regex=(r'(?im)^[ \t]*(?:data|stringData):[ \t]*\n(?:[ \t]*#[^\n]*\n)*[ \t]+[\w.-]+:[ \t]*(?:[|>][-+]?[ \t]*\n[ \t]+)?["\']?'
           r'(?P<secret>[^\s"\'{}$][^\s"\'{}]{10,})["\']?[ \t]*\n[\s\S]{0,2000}?^[ \t]*kind:[ \t]*["\']?secret["\']?[ \t]*$'),
    keywords=['secret'], binary=False, window=4096)
add(id='pkcs12-file', category='PrivateKey', title='PKCS#12 key store file', severity=H,
    path=r'(?i)\.(?:p12|pfx)$')

# ---- generic -----------------------------------------------------------------------------
GENERIC_KW = (r'(?:secret|token|passw(?:or)?d|pwd|passphrase|api[_.-]?key|apikey|auth(?!or)|'
              r'creds?|credentials?|private[_.-]?key|access[_.-]?key|client[_.-]?secret)')
add(id='generic-api-key', category='Generic', title='Generic secret assignment', severity=M,
    # the match starts at the keyword (PCRE2 skips to its first letters fast); the
    # engine extends it back over the identifier (identifier-prefix) for allow rules
    regex=(r'''(?i)(?P<ident>''' + GENERIC_KW + r'''[\w.\-]{0,25}+)'''
           r'''["'`]?(?:[ \t]+(?:string|str|String|const|final))?[ \t]*(?:={1,2}>?|:{1,3}=?|\?=|\.=|->|(?<=["'`]),[ \t]*(?=["'`])|>\s{0,40})[ \t]*["'`]?[ \t]*'''
           r'''(?P<secret>[\w\-.~+/!@#%^&*]{10,150}={0,3})''' + END),
    keywords=['secret', 'token', 'passw', 'pwd', 'passphrase', 'api_key', 'api-key', 'api.key',
              'apikey', 'auth', 'cred', 'private_key', 'private-key', 'privatekey', 'access_key',
              'access-key', 'accesskey', 'client_secret', 'client-secret', 'clientsecret'],
    binary=False, entropy=3.5, window=32, **{'identifier-prefix': 40},
    **{'allow-rules': [
        {'id': 'generic-identifier-not-a-secret',
         'description': 'identifiers naming something other than the secret itself',
         'regex': r'''(?i)^[\w.\-]*?(?:[_.\-]?(?:id|ids|name|names|url|uri|urls|file|path|dir|version|type|size|length|len|mode|format|hash|key_?id|count|max|min|timeout|ttl|expiry|expires?(?:_?at)?|endpoint|host|header|prefix|suffix|field|label|env|policy)|public[\w.\-]*|csrf[\w.\-]*|xsrf[\w.\-]*|[\w.\-]*(?:nonmatching|fake|dummy|mock|sample|example|invalid|wrong|placeholder)[\w.\-]*|\w*(?:author)\w*)["'`]?[ \t]*(?:[=:,>?.\-])'''},
        {'id': 'generic-value-hostname',
         'description': 'the value is a host name or dotted identifier',
         'regex': r'''(?i)[=:>,]\s*["'`]?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|local|internal|int|cn|de|uk|ca|dev|cloud|app)["'`]?\s*$'''},
        {'id': 'generic-value-identifier',
         'description': 'the value is itself an identifier (snake or kebab case words)',
         'regex': r'''[=:>,]\s*["'`]?[a-zA-Z]+(?:[_-][a-zA-Z]+){1,}["'`]?\s*$'''},
        {'id': 'generic-value-path',
         'description': 'the value is a file system path or URL path',
         'regex': r'''[=:>,]\s*["'`]?/[\w.\-/]*["'`]?\s*$'''},
        {'id': 'generic-value-version',
         'description': 'the value is a package name with a version',
         'regex': r'''[=:]\s*["'`]?[\w.:-]*?\d+\.\d+(?:\.\d+)?(?:[-.][\w]+)?["'`]?\s*$'''},
        {'id': 'generic-value-code',
         'description': 'the value is a code expression or dotted reference',
         'regex': r'''[=:]\s*["'`]?[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+["'`]?\s*$'''},
    ]})


def discord_bot_prefilter():
    # A bot token's first part is the base64 of the bot's user id, a decimal snowflake of
    # 17 or more digits: it starts with the base64 of three digits, the first not 0. Those
    # 900 four-character prefixes are literals to Hyperscan; the token's shape as a trigger
    # ([MNO] and 23-25 token characters, a dot, 6, a dot, 27) was a run of classes that
    # cost 2% of a scan of a Debian image, every byte of every text file.
    import base64
    by3 = {}
    for n in range(100, 1000):
        p = base64.b64encode(str(n).encode()).decode()[:4]
        by3.setdefault(p[:3], set()).add(p[3])
    return '(?:' + '|'.join(k + '[' + ''.join(sorted(v)) + ']' for k, v in sorted(by3.items())) + ')'


# Hyperscan triggers for rules whose keywords are too common to be a useful trigger
# ('sk', 's.', 'api-', 'lob'...): the start of the token's own shape. (prefilter,
# bytes before the trigger's end that the rule's match can start)
SHAPES = {
    'twilio-api-key': (r'SK[0-9a-fA-F]{32}', 64),
    'telegram-bot-api-token': (r'[0-9]{5,16}:A[a-zA-Z0-9_-]{34}', 80),
    'vault-service-token': (r'hvs\.[\w-]{20}|s\.[a-zA-Z0-9]{24}', 64),
    'yandex-aws-access-token': (r'YC[\w-]{38}', 64),
    'yandex-access-token': (r't1\.[A-Za-z0-9_-]+=*\.[A-Za-z0-9_-]{20}', 512),
    'octopus-deploy-api-key': (r'API-[A-Z0-9]{26}', 64),
    'launchdarkly-sdk-key': (r'(?:sdk|api)-[0-9a-f]{8}-[0-9a-f]{4}-', 64),
    'cratesio-api-token': (r'cio[a-zA-Z0-9]{32}', 64),
    'nuget-api-key': (r'oy2[a-z0-9]{43}', 64),
    'adyen-api-key': (r'AQE[a-zA-Z0-9]{2}[\w+/-]{40}', 64),
    'square-access-token': (r'EAAA[\w-]{22}|sq0atp-[\w-]{22}', 64),
    'notion-secret-legacy': (r'secret_[A-Za-z0-9]{43}', 64),
    'harness-api-key': (r'(?:pat|sat)\.[a-zA-Z0-9_-]{22}\.', 64),
    '1password-secret-key': (r'A3-[A-Z0-9]{6}-', 64),
    'hex-api-key': (r'(?i)hex[\w.-]{0,20}key', 64),
    'lob-api-key': (r'(?:live|test)_[a-f0-9]{35}', 256),
    'lob-pub-api-key': (r'(?:test|live)_pub_[a-f0-9]{31}', 256),
    'discord-bot-token': (discord_bot_prefilter(), 128),
    # "curl" alone was 2 x 1,300 confirmations on a Debian image (package lists name curl
    # everywhere), each a 600-byte lazy search: the trigger now ends after the option
    'curl-auth-user': (r'\bcurl\b[\s\S]{0,600}\s(?:-u|--user)\s', 700),
    'curl-auth-header': (r'(?i)\bcurl\b[\s\S]{0,600}(?:-H|--header)\s', 700),
    'openai-api-key': (r'T3BlbkFJ', 256),
    'mongodb-atlas-key': (r'(?i)(?:mongodb|atlas)[\w.-]{0,20}private[_-]?key', 64),
    'line-channel-token': (r'(?i)line[\w.-]{0,20}token', 64),
    'zoom-jwt': (r'(?i)zoom[_-]?(?:api|client)?[_-]?secret', 64),
    'generic-api-key': (r'(?i)(?:secret|token|passw|pwd|passphrase|api[_.-]?key|apikey|auth|cred|'
                        r'private[_.-]?key|access[_.-]?key|client[_.-]?secret)[\w.\-]{0,25}'
                        r'["\'`]?(?:[ \t]+\w+)?[ \t]*(?:[=:>,]{1,4}|\.=|\?=|->)\s*["\'`]?[ \t]*'
                        r'[\w\-.~+/!@#%^&*]{10,}={0,3}(?:["\'`\s;,)\]}<>\\&|]|$)', 256),
    'hashicorp-tf-password': (r'(?i)password[\w-]*\s*=\s*"', 128),
    'nuget-config-password': (r'(?i)<add\s+key=["\'](?:cleartext)?password["\']', 64),
    'kubernetes-secret-yaml': (r'(?im)^[ \t]*kind:[ \t]*["\']?secret["\']?[ \t]*$', 64),
    'kubernetes-secret-yaml-data-first': (r'(?im)^[ \t]*kind:[ \t]*["\']?secret["\']?[ \t]*$', 4096),
    'url-basic-auth': (None, 256),
    'database-url-password': (None, 160),
    'jwt': (None, 4096),
    'gcp-service-account': (None, 512),
    'facebook-access-token': (None, 64),
    'asana-pat': (None, 64),
    'salesforce-token': (None, 64),
    'airtable-personnal-access-token': (None, 64),
}


def apply_shapes():
    for r in RULES:
        if r['id'] in SHAPES:
            pf, before = SHAPES[r['id']]
            if pf:
                r['prefilter'] = pf
            r['window-before'] = before


def q(s):
    return "'" + s.replace("'", "''") + "'"


def emit(out):
    ids = set()
    out.write('# laocoon built-in secret rules - generated by data/secrets/gen_rules.py; edit that.\n')
    out.write('# Fields follow Trivy\'s secret config (id, category, title, severity, regex,\n')
    out.write('# keywords, path, allow-rules, secret-group-name) plus entropy, binary, window,\n')
    out.write('# prefilter, no-placeholder-check. Regexes are PCRE2.\n')
    out.write('rules:\n')
    for r in RULES:
        assert r['id'] not in ids, r['id']
        ids.add(r['id'])
        out.write('  - id: %s\n' % r['id'])
        out.write('    category: %s\n' % q(r['category']))
        out.write('    title: %s\n' % q(r['title']))
        out.write('    severity: %s\n' % r['severity'])
        if 'regex' in r:
            out.write('    regex: %s\n' % q(r['regex']))
            out.write('    secret-group-name: secret\n')
        if r.get('keywords'):
            out.write('    keywords:\n')
            for k in r['keywords']:
                out.write('      - %s\n' % q(k))
        if 'path' in r:
            out.write('    path: %s\n' % q(r['path']))
        if 'entropy' in r:
            out.write('    entropy: %s\n' % r['entropy'])
        if r.get('binary'):
            out.write('    binary: true\n')
        if 'window' in r:
            out.write('    window: %d\n' % r['window'])
        if 'window-before' in r:
            out.write('    window-before: %d\n' % r['window-before'])
        if 'prefilter' in r:
            out.write('    prefilter: %s\n' % q(r['prefilter']))
        if r.get('identifier-prefix'):
            out.write('    identifier-prefix: %d\n' % r['identifier-prefix'])
        if r.get('no-placeholder-check'):
            out.write('    no-placeholder-check: true\n')
        if r.get('allow-rules'):
            out.write('    allow-rules:\n')
            for a in r['allow-rules']:
                out.write('      - id: %s\n' % a['id'])
                out.write('        description: %s\n' % q(a['description']))
                out.write('        regex: %s\n' % q(a['regex']))
    sys.stderr.write('%d rules\n' % len(RULES))


if __name__ == '__main__':
    apply_shapes()
    emit(sys.stdout)
