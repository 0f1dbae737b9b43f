# ruff: noqa: E501
"""A second held-out part of the blind set (``holdout2``), written after the first held-out part
was measured and before its misses were studied: the first held-out part then guided a second
round of fixes, and this part measures that round on templates it was not written from.

Same families, other phrasings and formats: .git/config, FileZilla, WordPress, PHP, PowerShell,
Python and Java repr, Windows and RDP commands, gradle -P and maven -D, S3 SigV2 URLs, more prose.
"""

from __future__ import annotations

from tests.leak_blind_cases import C, Case, bash

HOLDOUT2: list[Case] = [
    # --- version control ---
    C(
        "git-auth-failed-url",
        "vcs",
        "Cloning into 'app'...\nremote: Invalid username or password.\nfatal: Authentication failed for 'https://⟪user⟫:⟪S:pw_url⟫@git.example.com/⟪org⟫/⟪repo⟫.git/'",
    ),
    C(
        "git-config-file",
        "vcs",
        '[remote "origin"]\n\turl = https://⟪user⟫:⟪S:ghp⟫@github.com/⟪org⟫/⟪repo⟫.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*',
    ),
    C("git-credentials-gitlab", "vcs", "https://⟪user⟫:⟪S:glpat⟫@gitlab.example.com"),
    # --- containers ---
    C("docker-service-env", "container", "docker service create --name cache -e REDIS_PASSWORD=⟪S:pw⟫ redis:7"),
    C("compose-quoted-env", "container", 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: "⟪S:pw⟫"'),
    C("dockerfile-env-space", "container", 'FROM python:3.12\nENV DATABASE_PASSWORD ⟪S:pw⟫\nCMD ["python", "app.py"]'),
    # --- kubernetes ---
    C(
        "kubectl-two-literals",
        "k8s",
        "kubectl create secret generic app --from-literal=DB_PASS=⟪S:pw⟫ --from-literal=JWT_SECRET=⟪S:hex64⟫",
    ),
    C(
        "secret-stringdata",
        "k8s",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ⟪S:pw⟫\n  username: admin",
    ),
    C("kubectl-exec-env", "k8s", "$ kubectl exec deploy/api -- env | grep -i pass\nDATABASE_PASSWORD=⟪S:pw⟫"),
    # --- infrastructure as code ---
    C("tf-variable-default", "iac", 'variable "db_password" {\n  type    = string\n  default = "⟪S:pw⟫"\n}'),
    C("helm-set-string-quoted", "iac", 'helm install api ./chart --set-string auth.password="⟪S:pw⟫"'),
    C("ansible-vars-yaml", "iac", "all:\n  vars:\n    ansible_user: deploy\n    ansible_ssh_pass: ⟪S:pw⟫"),
    # --- http clients ---
    C("curl-bearer-openai", "http", "curl -sSf -H 'Authorization: Bearer ⟪S:openai⟫' https://api.openai.com/v1/models"),
    C("curl-query-api-key", "http", "curl 'https://api.example.com/v1/data?api_key=⟪S:hex32⟫&format=json'"),
    C("powershell-headers", "http", "Invoke-RestMethod -Uri $uri -Headers @{ 'X-API-Key' = '⟪S:hex40⟫' }"),
    C("python-auth-tuple", "http", "resp = requests.get(url, auth=('⟪user⟫', '⟪S:pw⟫'))"),
    C("axios-bearer-template", "http", "await axios.get(url, { headers: { Authorization: `Bearer ⟪S:jwt_hs⟫` } })"),
    # --- package managers ---
    C(
        "npmrc-password-b64",
        "pkg",
        "//npm.pkg.github.com/:username=⟪user⟫\n//npm.pkg.github.com/:_password=⟪S:b64_password⟫",
    ),
    C(
        "pip-extra-index-flag",
        "pkg",
        bash("pip install --extra-index-url https://⟪user⟫:⟪S:pw_url⟫@pypi.corp.example.com/simple internal-lib"),
        "obj",
    ),
    C("uv-index-password", "pkg", "UV_INDEX_PRIVATE_PASSWORD=⟪S:pw⟫ uv sync --frozen"),
    C("gradle-P-property", "pkg", "./gradlew publish -PmavenUser=⟪user⟫ -PmavenPassword=⟪S:pw⟫"),
    C("maven-D-property", "pkg", "mvn deploy -Dusername=deploy -Dpassword=⟪S:pw⟫"),
    # --- notebooks ---
    C(
        "ipynb-source-key",
        "notebook",
        '   "source": [\n    "import anthropic\\n",\n    "client = anthropic.Anthropic(api_key=\\"⟪S:anthropic⟫\\")\\n"\n   ]',
        "json",
    ),
    C("notebook-login-output", "notebook", "Logged in to the Hub as ⟪user⟫ with token ⟪S:hf⟫"),
    # --- stack traces and dumps ---
    C("py-dataclass-repr", "trace", "Settings(db_user='app', db_password='⟪S:pw⟫', debug=False)"),
    C("java-tostring", "trace", "DataSourceConfig{url='jdbc:postgresql://db/app', username='app', password='⟪S:pw⟫'}"),
    C(
        "go-dsn-log",
        "trace",
        "2025/01/10 10:00:00 config: {DSN:postgres://app:⟪S:pw_url⟫@db:5432/app?sslmode=disable Workers:4}",
    ),
    C("js-console-pass", "trace", "{ user: 'app', pass: '⟪S:pw⟫' }"),
    # --- logs ---
    C(
        "log-headers-dict-token",
        "log",
        "2025-01-10T10:00:00Z DEBUG request headers={'Authorization': 'Token ⟪S:hex40⟫', 'Accept': '*/*'}",
    ),
    C("redis-empty-user-url", "log", "[INFO] Connecting to redis://:⟪S:pw_url⟫@cache:6379/0"),
    C("logfmt-quoted-password", "log", 'time=⟪isots⟫ level=debug msg="login" user=⟪user⟫ password="⟪S:pw⟫"'),
    # --- SQL ---
    C(
        "mysql-grant-identified",
        "sql",
        "GRANT ALL PRIVILEGES ON *.* TO '⟪user⟫'@'%' IDENTIFIED BY '⟪S:pw⟫' WITH GRANT OPTION;",
    ),
    C("mysql-glued-p-e", "sql", "mysql -uroot -p⟪S:pw⟫ -e 'SHOW DATABASES'"),
    # --- credential files ---
    C(
        "aws-credentials-session",
        "credfile",
        "[default]\naws_access_key_id = ⟪S:akid⟫\naws_secret_access_key = ⟪S:aws_secret⟫\naws_session_token = ⟪S:aws_session⟫",
    ),
    C(
        "docker-config-auths",
        "credfile",
        '{\n  "auths": {\n    "ghcr.io": {\n      "auth": "⟪S:docker_auth⟫"\n    }\n  }\n}',
        "json",
    ),
    C("netrc-one-line", "credfile", "machine github.com login ⟪user⟫ password ⟪S:ghp⟫"),
    C("my-cnf-quoted", "credfile", '[client]\nuser = root\npassword = "⟪S:pw⟫"'),
    C(
        "filezilla-sitemanager",
        "credfile",
        '<Server>\n  <Host>ftp.example.com</Host>\n  <User>⟪user⟫</User>\n  <Pass encoding="base64">⟪S:b64_password⟫</Pass>\n</Server>',
    ),
    # --- cloud CLIs ---
    C(
        "az-sp-create-output",
        "cloudcli",
        '{\n  "appId": "⟪uuid4⟫",\n  "displayName": "ci",\n  "password": "⟪S:azure_client_secret⟫",\n  "tenant": "⟪uuid4#2⟫"\n}',
        "json",
    ),
    C(
        "aws-assume-role-output",
        "cloudcli",
        '"Credentials": {\n    "AccessKeyId": "⟪asia⟫",\n    "SecretAccessKey": "⟪S:aws_secret⟫",\n    "SessionToken": "⟪S:aws_session⟫"\n}',
        "json",
    ),
    C("gcloud-print-token", "cloudcli", "$ gcloud auth print-access-token\n⟪S:ya29⟫"),
    C(
        "vault-token-create",
        "cloudcli",
        '$ vault token create -ttl=1h\nKey                  Value\n---                  -----\ntoken                ⟪S:vault_hvs⟫\ntoken_policies       ["default"]',
    ),
    # --- webhooks ---
    C("slack-webhook-env", "webhook", "SLACK_WEBHOOK=https://hooks.slack.com/services/⟪S:slack_webhook⟫"),
    C("discord-webhook-wait", "webhook", "webhook: https://discord.com/api/webhooks/⟪S:discord_webhook⟫?wait=true"),
    # --- signed URLs ---
    C(
        "s3-sigv2-url",
        "signedurl",
        "Location: https://⟪org⟫-files.s3.amazonaws.com/x.zip?AWSAccessKeyId=⟪akid⟫&Expires=⟪epoch⟫&Signature=⟪S:sas_sig⟫",
    ),
    C(
        "azure-sas-reordered",
        "signedurl",
        "https://⟪org⟫acct.blob.core.windows.net/c/f.txt?sv=2021-08-06&st=⟪isots⟫&se=⟪isots#2⟫&sr=b&sp=r&sig=⟪S:sas_sig⟫",
    ),
    # --- keys ---
    C("ec-private-key", "key", "-----BEGIN EC PRIVATE KEY-----\n⟪S:rsa_key_body⟫\n-----END EC PRIVATE KEY-----"),
    C(
        "ssh-key-in-json",
        "key",
        '{"ssh_key": "-----BEGIN OPENSSH PRIVATE KEY-----\\n⟪S:pkcs8_escaped⟫\\n-----END OPENSSH PRIVATE KEY-----\\n"}',
    ),
    C("jwt-secret-env", "key", "JWT_SECRET=⟪S:hex64⟫"),
    C("session-secret-env", "key", "SESSION_SECRET=⟪S:wireguard_key⟫"),
    C("encryption-key-yaml", "key", 'encryption_key: "⟪S:azure_storage_key⟫"'),
    # --- app config ---
    C("dotnet-jwt-key", "config", '"Jwt": {\n    "Issuer": "api",\n    "Key": "⟪S:hex64⟫"\n  }', "json"),
    C(
        "spring-mail-app-password",
        "config",
        "spring.mail.username=⟪email⟫\nspring.mail.password=⟪S:gmail_app_password⟫",
    ),
    C("rails-secret-key-base", "config", "SECRET_KEY_BASE=⟪S:hex64⟫⟪S:hex64#2⟫"),
    C("wp-config-define", "config", "define( 'DB_USER', 'wp' );\ndefine( 'DB_PASSWORD', '⟪S:pw⟫' );"),
    C("wp-config-salt", "config", "define('AUTH_KEY', '⟪S:django_key⟫');"),
    C("php-var-pass", "config", '$db_pass = "⟪S:pw⟫";'),
    # --- other command lines ---
    C("mysqladmin-password", "command", "mysqladmin -u root password '⟪S:pw⟫'"),
    C("windows-net-use", "command", "net use Z: \\\\fs01\\share /user:⟪user⟫ ⟪S:pw⟫"),
    C("psexec-u-p", "command", "psexec \\\\host01 -u admin -p ⟪S:pw⟫ cmd /c whoami"),
    C("xfreerdp", "command", "xfreerdp /u:⟪user⟫ /p:⟪S:pw⟫ /v:10.0.0.7"),
    C("chpasswd-echo", "command", "echo '⟪user⟫:⟪S:pw⟫' | sudo chpasswd"),
    C("rsync-password-env", "command", "RSYNC_PASSWORD=⟪S:pw⟫ rsync -av rsync://⟪user⟫@backup/mod ./data"),
    C("openssl-enc-k", "command", "openssl enc -aes-256-cbc -salt -k ⟪S:pw⟫ -in db.sql -out db.sql.enc"),
    C("unzip-P", "command", "unzip -P ⟪S:pw⟫ archive.zip"),
    C("wget-user-password", "command", "wget --user=⟪user⟫ --password=⟪S:pw⟫ https://files.example.com/dump.tgz"),
    C("lftp-comma", "command", "lftp -u ⟪user⟫,⟪S:pw⟫ sftp://files.example.com"),
    C("ftp-url", "command", "ftp://⟪user⟫:⟪S:pw_url⟫@ftp.example.com/pub/"),
    # --- prose ---
    C("prose-pw-for", "prose", "pw for the jump host: ⟪S:pw⟫"),
    C("prose-temporary", "prose", "Temporary password: ⟪S:pw⟫ (you'll be asked to change it)"),
    C("prose-api-token-is", "prose", "The API token is ⟪S:hex40⟫ — keep it safe"),
    C("prose-shared-secret", "prose", "shared secret = ⟪S:pw⟫"),
    C("prose-de-lautet-colon", "prose", "Passwort lautet: ⟪S:pw⟫"),
    C("prose-es-colon", "prose", "contraseña: ⟪S:pw⟫"),
    C("prose-zh-fullwidth", "prose", "密码：⟪S:pw⟫"),
    C("prose-ja-fullwidth", "prose", "パスワード：⟪S:pw⟫"),
    C("prose-fr-space-colon", "prose", "le mot de passe : ⟪S:pw⟫"),
    C("prose-pt-colon", "prose", "senha: ⟪S:pw⟫"),
    C("prose-nl-colon", "prose", "wachtwoord: ⟪S:pw⟫"),
    C("prose-pl-colon", "prose", "hasło: ⟪S:pw⟫"),
    C("prose-tr-colon", "prose", "şifre: ⟪S:pw⟫"),
    C("prose-ru-dash", "prose", "пароль — ⟪S:pw⟫"),
]

HOLDOUT2_NEGATIVE: list[Case] = [
    C("neg-mysqladmin-prompt", "command", "mysqladmin -u root -p password"),
    C("neg-net-use-star", "command", "net use Z: \\\\fs01\\share /user:corp\\⟪user⟫ *"),
    C("neg-xfreerdp-nopass", "command", "xfreerdp /u:⟪user⟫ /v:10.0.0.7 /cert:ignore"),
    C("neg-wp-getenv", "config", "define( 'DB_PASSWORD', getenv('DB_PASSWORD') );"),
    C("neg-prose-expired", "prose", "Temporary password expired, ask the admin for a new one"),
    C("neg-zh-prompt", "prose", "密码：请输入您的密码"),
    C("neg-requests-auth-vars", "http", "resp = requests.get(url, auth=(user, password))"),
    C("neg-query-no-key", "http", "curl 'https://api.example.com/v1/data?page=2&format=json'"),
    C("neg-session-secret-var", "key", "SESSION_SECRET=${SESSION_SECRET}"),
    C(
        "neg-sts-identity",
        "cloudcli",
        '{\n  "UserId": "AROA⟪request_id⟫:ci",\n  "Account": "123456789012",\n  "Arn": "arn:aws:sts::123456789012:assumed-role/ci/ci"\n}',
    ),
    C("neg-dotnet-log-key", "config", '"Logging": {\n  "LogLevel": {\n    "Default": "Information"\n  }\n}'),
    C("neg-openssl-env", "command", "openssl enc -aes-256-cbc -k $BACKUP_PASS -in db.sql -out db.sql.enc"),
    C("neg-public-key", "key", "-----BEGIN PUBLIC KEY-----\n⟪cert_body⟫\n-----END PUBLIC KEY-----"),
    C("neg-sigv2-no-signature", "signedurl", "https://⟪org⟫-files.s3.amazonaws.com/x.zip?versionId=⟪request_id⟫"),
]
