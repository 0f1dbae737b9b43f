# ruff: noqa: E501
"""Templates of the blind leak set (see tests/leak_blind.py for the field syntax and the modes).

TUNE and HOLDOUT cover the same families with different templates; the near misses (TUNE_NEGATIVE,
HOLDOUT_NEGATIVE) hold no secret: variables, placeholders, public keys, hashes, encrypted values,
and prose that names a password without giving one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    text: str
    mode: str = "text"


def C(name: str, family: str, text: str, mode: str = "text") -> Case:
    return Case(name, family, text, mode)


def bash(command: str) -> str:
    """A Bash tool_input as the monitor receives it (mode "obj"); `command` is JSON-escaped here."""
    escaped = command.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '{"command": "' + escaped + '", "description": "Run it"}'


def write(path: str, content: str) -> str:
    escaped = content.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '{"file_path": "' + path + '", "content": "' + escaped + '"}'


TUNE: list[Case] = [
    # --- version control ---
    C(
        "git-remote-v",
        "vcs",
        "$ git remote -v\norigin\thttps://⟪user⟫:⟪S:ghp⟫@github.com/⟪org⟫/⟪repo⟫.git (fetch)\norigin\thttps://⟪user⟫:⟪S:ghp⟫@github.com/⟪org⟫/⟪repo⟫.git (push)",
    ),
    C(
        "git-remote-oauth2",
        "vcs",
        "upstream\thttps://oauth2:⟪S:glpat⟫@gitlab.com/⟪org⟫/⟪repo⟫.git (fetch)\nupstream\thttps://oauth2:⟪S:glpat⟫@gitlab.com/⟪org⟫/⟪repo⟫.git (push)",
    ),
    C(
        "git-clone-token-user",
        "vcs",
        bash("git clone https://⟪S:ghp⟫@github.com/⟪org⟫/⟪repo⟫.git /tmp/src && cd /tmp/src"),
        "obj",
    ),
    C(
        "git-insteadof",
        "vcs",
        'git config --global url."https://⟪user⟫:⟪S:gh_fine⟫@github.com/".insteadOf "https://github.com/"',
    ),
    C(
        "git-fatal-url",
        "vcs",
        "fatal: unable to access 'https://x-access-token:⟪S:ghs⟫@github.com/⟪org⟫/⟪repo⟫.git/': The requested URL returned error: 403",
    ),
    C("git-remote-bitbucket", "vcs", "origin  https://⟪user⟫:⟪S:bitbucket_app⟫@bitbucket.org/⟪org⟫/⟪repo⟫.git (fetch)"),
    # --- containers ---
    C(
        "docker-build-arg",
        "container",
        bash("docker build --build-arg NPM_TOKEN=⟪S:npm⟫ --build-arg NODE_ENV=production -t ⟪org⟫/⟪repo⟫:latest ."),
        "obj",
    ),
    C(
        "docker-run-e-password",
        "container",
        "docker run -d --name pg -e POSTGRES_PASSWORD=⟪S:pw⟫ -e POSTGRES_USER=⟪user⟫ -p 5432:5432 postgres:16",
    ),
    C(
        "docker-run-e-aws",
        "container",
        "docker run --rm -e AWS_ACCESS_KEY_ID=⟪S:akid⟫ -e AWS_SECRET_ACCESS_KEY=⟪S:aws_secret⟫ amazon/aws-cli s3 ls",
    ),
    C(
        "docker-login-p",
        "container",
        "$ docker login -u ⟪user⟫ -p ⟪S:dckr⟫ registry.example.com\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded",
    ),
    C(
        "docker-inspect-env",
        "container",
        '        "Env": [\n            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",\n            "REDIS_PASSWORD=⟪S:pw⟫",\n            "LANG=C.UTF-8"\n        ],',
        "json",
    ),
    # --- kubernetes ---
    C(
        "kubectl-from-literal",
        "k8s",
        "kubectl create secret generic db-creds --from-literal=username=⟪user⟫ --from-literal=password='⟪S:pw_any⟫' -n prod",
    ),
    C(
        "kubectl-docker-registry",
        "k8s",
        bash(
            "kubectl create secret docker-registry regcred --docker-server=ghcr.io --docker-username=⟪user⟫ --docker-password=⟪S:ghp⟫ --docker-email=⟪email⟫"
        ),
        "obj",
    ),
    C(
        "kubectl-get-secret-yaml",
        "k8s",
        "apiVersion: v1\ndata:\n  password: ⟪S:b64_password⟫\n  username: ⟪b64user⟫\nkind: Secret\nmetadata:\n  name: db-creds\n  namespace: default\ntype: Opaque",
    ),
    C("kubeconfig-token", "k8s", "users:\n- name: ci\n  user:\n    token: ⟪S:k8s_sa_token⟫"),
    C("kubectl-token-flag", "k8s", "kubectl --server=https://10.0.0.1:6443 --token=⟪S:k8s_sa_token⟫ get pods -A"),
    # --- infrastructure as code ---
    C("terraform-var", "iac", "terraform apply -var 'db_password=⟪S:pw⟫' -var 'region=⟪region⟫' -auto-approve"),
    C("terraform-var-dq", "iac", 'terraform plan -var="datadog_api_key=⟪S:hex32⟫" -out tfplan'),
    C(
        "helm-set",
        "iac",
        "helm upgrade --install pg bitnami/postgresql --set auth.postgresPassword=⟪S:pw⟫ --set auth.database=app",
    ),
    C(
        "helm-set-string",
        "iac",
        "helm install notifier ./chart --set-string secrets.slackToken=⟪S:slack_bot⟫ --namespace ops",
    ),
    C(
        "terraform-output-json",
        "iac",
        '{\n  "db_password": {\n    "sensitive": true,\n    "type": "string",\n    "value": "⟪S:pw⟫"\n  }\n}',
        "json",
    ),
    C("tfvars-cloudflare", "iac", 'zone_id              = "⟪hex32⟫"\ncloudflare_api_token = "⟪S:cf40⟫"'),
    # --- http clients ---
    C("curl-u", "http", "curl -u ⟪user⟫:⟪S:pw⟫ https://api.example.com/v1/items"),
    C("curl-x-api-key", "http", 'curl -H "X-Api-Key: ⟪S:hex40⟫" https://api.example.com/v2/report'),
    C(
        "curl-private-token",
        "http",
        "curl -sS -H 'PRIVATE-TOKEN: ⟪S:glpat⟫' \"https://gitlab.example.com/api/v4/projects\"",
    ),
    C(
        "curl-bearer-jwt",
        "http",
        bash('curl -s -H "Authorization: Bearer ⟪S:jwt_hs⟫" https://api.example.com/v1/me | jq .'),
        "obj",
    ),
    C(
        "curl-oauth-form",
        "http",
        "curl -X POST https://oauth2.googleapis.com/token -d client_id=8819.apps.googleusercontent.com -d client_secret=⟪S:gocspx⟫ -d refresh_token=⟪S:google_refresh⟫ -d grant_type=refresh_token",
    ),
    C(
        "curl-verbose-basic",
        "http",
        "> GET /v1/me HTTP/2\n> Host: api.example.com\n> authorization: Basic ⟪S:basic_auth⟫\n> user-agent: curl/8.5.0\n> accept: */*\n>\n< HTTP/2 401",
    ),
    C(
        "httpie-vault",
        "http",
        "http POST https://vault.example.com/v1/secret/data/app X-Vault-Token:⟪S:vault_hvs⟫ data:='{}'",
    ),
    # --- package managers ---
    C(
        "npmrc",
        "pkg",
        "//registry.npmjs.org/:_authToken=⟪S:npm⟫\n@⟪org⟫:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=⟪S:ghp⟫\nalways-auth=true",
    ),
    C(
        "yarnrc-yml",
        "pkg",
        'npmScopes:\n  ⟪org⟫:\n    npmAlwaysAuth: true\n    npmAuthToken: "⟪S:npm⟫"\n    npmRegistryServer: "https://registry.npmjs.org"',
    ),
    C(
        "pip-config-index-url",
        "pkg",
        "pip config set global.index-url https://⟪user⟫:⟪S:pw_url⟫@pypi.example.com/simple",
    ),
    C(
        "maven-settings",
        "pkg",
        "<settings>\n  <servers>\n    <server>\n      <id>ossrh</id>\n      <username>⟪user⟫</username>\n      <password>⟪S:pw⟫</password>\n    </server>\n  </servers>\n</settings>",
    ),
    C(
        "gradle-properties",
        "pkg",
        "org.gradle.jvmargs=-Xmx2g\nossrhUsername=⟪user⟫\nossrhPassword=⟪S:pw⟫\nsigning.keyId=24875D73\nsigning.password=⟪S:pw#2⟫",
    ),
    C("poetry-http-basic", "pkg", "poetry config http-basic.private ⟪user⟫ ⟪S:pw⟫"),
    C("twine-upload", "pkg", bash("twine upload -u __token__ -p ⟪S:pypi⟫ dist/*"), "obj"),
    # --- notebooks ---
    C(
        "ipynb-stream-output",
        "notebook",
        '{\n "cell_type": "code",\n "execution_count": 3,\n "metadata": {},\n "outputs": [\n  {\n   "name": "stdout",\n   "output_type": "stream",\n   "text": [\n    "Connecting with key ⟪S:openai⟫\\n",\n    "ok\\n"\n   ]\n  }\n ],\n "source": [\n  "client = OpenAI()\\n"\n ]\n}',
        "json",
    ),
    C(
        "notebook-edit-environ",
        "notebook",
        '{"notebook_path": "/work/analysis.ipynb", "new_source": "import os\\nos.environ[\\"HF_TOKEN\\"] = \\"⟪S:hf⟫\\"\\nfrom huggingface_hub import login\\nlogin()"}',
        "obj",
    ),
    C(
        "notebook-environ-repr",
        "notebook",
        "   \"data\": {\n    \"text/plain\": [\n     \"environ{'HOME': '/root', 'AWS_SECRET_ACCESS_KEY': '⟪S:aws_secret⟫', 'JPY_PARENT_PID': '7'}\"\n    ]\n   },",
        "json",
    ),
    # --- stack traces and dumps ---
    C(
        "py-traceback-environ",
        "trace",
        "Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>\n    url = os.environ['DATABASE_URL']\nKeyError: 'DATABASE_URL'\n\nenviron({'PATH': '/usr/bin', 'STRIPE_SECRET_KEY': '⟪S:stripe_live⟫', 'HOME': '/home/app'})",
    ),
    C(
        "node-error-config",
        "trace",
        "Error: connect ECONNREFUSED 10.0.0.5:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {\n  config: { host: 'db', user: '⟪user⟫', password: '⟪S:pw⟫', database: 'app', port: 5432 }\n}",
    ),
    C(
        "go-struct-dump",
        "trace",
        "panic: dial tcp: lookup db: no such host\n\ncfg=&{Host:db Port:5432 User:⟪user⟫ Password:⟪S:pw⟫ SSLMode:disable}",
    ),
    C(
        "ruby-hash-inspect",
        "trace",
        'ActiveRecord::ConnectionNotEstablished: {:adapter=>"postgresql", :username=>"⟪user⟫", :password=>"⟪S:pw⟫", :host=>"db"}',
    ),
    # --- logs ---
    C(
        "json-log-authorization",
        "log",
        '{"level":"debug","ts":"⟪isots⟫","msg":"outgoing request","headers":{"authorization":"Bearer ⟪S:jwt_hs⟫","content-type":"application/json"}}',
        "json",
    ),
    C("logfmt-api-key", "log", 'level=info ts=⟪isots⟫ msg="auth ok" user=⟪user⟫ api_key=⟪S:hex32⟫ latency=12ms'),
    C(
        "nginx-access-token",
        "log",
        '10.1.2.3 - - [10/Jan/2025:10:00:00 +0000] "GET /api/export?format=csv&access_token=⟪S:ya29⟫ HTTP/1.1" 200 5123 "-" "python-requests/2.31"',
    ),
    C(
        "json-log-x-api-key",
        "log",
        '{"req":{"method":"POST","url":"/v1/messages","headers":{"x-api-key":"⟪S:anthropic⟫","anthropic-version":"2023-06-01"}}}',
        "json",
    ),
    # --- SQL ---
    C("sql-create-user", "sql", "CREATE USER app_rw WITH PASSWORD '⟪S:pw⟫';"),
    C("sql-alter-role", "sql", "ALTER ROLE ⟪user⟫ WITH LOGIN PASSWORD '⟪S:pw⟫' VALID UNTIL 'infinity';"),
    C(
        "mysql-identified-by",
        "sql",
        "CREATE USER '⟪user⟫'@'%' IDENTIFIED BY '⟪S:pw⟫';\nGRANT ALL PRIVILEGES ON app.* TO '⟪user⟫'@'%';",
    ),
    C("psql-c-alter", "sql", bash("psql -h ⟪host⟫ -U postgres -c \"ALTER USER postgres PASSWORD '⟪S:pw⟫';\""), "obj"),
    # --- credential files ---
    C("pgpass", "credfile", "⟪host⟫:5432:app:⟪user⟫:⟪S:pw⟫\n*:*:*:postgres:⟪S:pw#2⟫"),
    C(
        "gh-hosts-yml",
        "credfile",
        "github.com:\n    git_protocol: ssh\n    users:\n        ⟪user⟫:\n            oauth_token: ⟪S:gho⟫\n    oauth_token: ⟪S:gho⟫\n    user: ⟪user⟫",
    ),
    C(
        "netrc-heroku",
        "credfile",
        "machine api.heroku.com\n  login ⟪email⟫\n  password ⟪S:uuid4⟫\nmachine git.heroku.com\n  login ⟪email⟫\n  password ⟪S:uuid4⟫",
    ),
    # --- cloud and secret-manager CLIs ---
    C(
        "az-login-sp",
        "cloudcli",
        "az login --service-principal -u ⟪uuid4⟫ --password '⟪S:azure_client_secret⟫' --tenant ⟪uuid4#2⟫",
    ),
    C("az-login-user", "cloudcli", bash("az login -u ⟪email⟫ -p ⟪S:pw⟫"), "obj"),
    C(
        "gcloud-key-file",
        "cloudcli",
        '$ cat /tmp/sa.json\n{\n  "type": "service_account",\n  "project_id": "acme-prod",\n  "private_key_id": "⟪S:hex40⟫",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n⟪S:pkcs8_escaped⟫\\n-----END PRIVATE KEY-----\\n",\n  "client_email": "deployer@acme-prod.iam.gserviceaccount.com",\n  "client_id": "104398172648372615243"\n}\n$ gcloud auth activate-service-account --key-file=/tmp/sa.json',
    ),
    C("aws-configure-set", "cloudcli", "aws configure set aws_secret_access_key ⟪S:aws_secret⟫ --profile prod"),
    C(
        "vault-login-output",
        "cloudcli",
        "$ vault login ⟪S:vault_hvs⟫\nSuccess! You are now authenticated.\n\nKey                  Value\n---                  -----\ntoken                ⟪S:vault_hvs⟫\ntoken_accessor       ⟪request_id⟫\ntoken_duration       768h",
    ),
    C(
        "vault-token-legacy",
        "cloudcli",
        "export VAULT_ADDR=https://vault.example.com:8200\nexport VAULT_TOKEN=⟪S:vault_legacy⟫",
    ),
    # --- webhooks ---
    C(
        "slack-webhook-curl",
        "webhook",
        "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deploy done\"}' https://hooks.slack.com/services/⟪S:slack_webhook⟫",
    ),
    C("discord-webhook-env", "webhook", "DISCORD_WEBHOOK_URL=https://discord.com/api/webhooks/⟪S:discord_webhook⟫"),
    C(
        "teams-webhook-yaml",
        "webhook",
        "notify:\n  webhook_url: https://⟪org⟫.webhook.office.com/webhookb2/⟪S:teams_webhook⟫",
    ),
    # --- signed URLs ---
    C(
        "aws-presigned",
        "signedurl",
        "https://⟪repo⟫-artifacts.s3.amazonaws.com/build/app.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=⟪akid⟫%2F⟪date⟫%2F⟪region⟫%2Fs3%2Faws4_request&X-Amz-Date=⟪date⟫T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=⟪S:hex64⟫",
    ),
    C(
        "gcs-v4-signed",
        "signedurl",
        "https://storage.googleapis.com/⟪org⟫-exports/report.csv?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=exporter%40⟪org⟫-prod.iam.gserviceaccount.com%2F⟪date⟫%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=⟪date⟫T000000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=⟪S:hex512⟫",
    ),
    C(
        "azure-sas-blob",
        "signedurl",
        "https://⟪org⟫store.blob.core.windows.net/backups/db.bak?sp=r&st=⟪isots⟫&se=⟪isots#2⟫&spr=https&sv=2022-11-02&sr=b&sig=⟪S:sas_sig⟫",
    ),
    # --- keys ---
    C(
        "ssh-key-heredoc",
        "key",
        "cat > ~/.ssh/id_ed25519 <<'EOF'\n-----BEGIN OPENSSH PRIVATE KEY-----\n⟪S:openssh_key_body⟫\n-----END OPENSSH PRIVATE KEY-----\nEOF\nchmod 600 ~/.ssh/id_ed25519",
    ),
    C("age-keys-txt", "key", "# created: 2025-01-10T10:00:00Z\n# public key: ⟪age_pub⟫\n⟪S:age_key⟫"),
    C("sops-age-env", "key", "export SOPS_AGE_KEY=⟪S:age_key⟫\nsops -d secrets.enc.yaml > secrets.yaml"),
    C("jwt-in-prose", "key", "the service token is ⟪S:jwt_hs⟫ if you need to call it by hand"),
    # --- environment and app config ---
    C("powershell-env", "config", '$env:OPENAI_API_KEY = "⟪S:openai⟫"\npython .\\scripts\\eval.py'),
    C(
        "dotenv-passphrase",
        "config",
        'SMTP_HOST=smtp.example.com\nSMTP_USER=⟪email⟫\nSMTP_PASSWORD="⟪S:passphrase_spaces⟫"',
    ),
    C(
        "django-email-app-password",
        "config",
        'EMAIL_HOST = "smtp.gmail.com"\nEMAIL_HOST_USER = "⟪email⟫"\nEMAIL_HOST_PASSWORD = "⟪S:gmail_app_password⟫"',
    ),
    C(
        "spring-properties",
        "config",
        "spring.datasource.url=jdbc:postgresql://⟪host⟫:5432/app\nspring.datasource.username=⟪user⟫\nspring.datasource.password=⟪S:pw⟫",
    ),
    C(
        "appsettings-connstr",
        "config",
        '{\n  "ConnectionStrings": {\n    "Default": "Server=tcp:⟪org⟫.database.windows.net,1433;Initial Catalog=app;User ID=⟪user⟫;Password=⟪S:pw⟫;Encrypt=True;"\n  }\n}',
        "json",
    ),
    C("systemd-environment", "config", '[Service]\nEnvironment="API_TOKEN=⟪S:hex40⟫"\nExecStart=/usr/local/bin/worker'),
    # --- other command lines ---
    C(
        "ldapsearch-w",
        "command",
        'ldapsearch -x -H ldap://ldap.example.com -D "cn=admin,dc=example,dc=com" -w ⟪S:pw⟫ -b "dc=example,dc=com"',
    ),
    C("smbclient-percent", "command", "smbclient //fs01/share -U ⟪user⟫%⟪S:pw⟫ -c 'ls'"),
    C("sqlplus-slash", "command", "sqlplus system/⟪S:pw⟫@//⟪host⟫:1521/ORCLPDB1 @migrate.sql"),
    C("redis-cli-a", "command", "redis-cli -h ⟪host⟫ -a '⟪S:pw⟫' --no-auth-warning ping"),
    C(
        "openssl-passout",
        "command",
        "openssl pkcs12 -export -in cert.pem -inkey key.pem -out bundle.p12 -passout pass:⟪S:pw⟫",
    ),
    C(
        "mount-cifs",
        "command",
        "sudo mount -t cifs //nas/backup /mnt/backup -o username=⟪user⟫,password=⟪S:pw⟫,vers=3.0",
    ),
    C("nmcli-wifi", "command", 'nmcli dev wifi connect "Office-5G" password "⟪S:pw⟫"'),
    C("htpasswd-b", "command", "htpasswd -bc /etc/nginx/.htpasswd ⟪user⟫ ⟪S:pw⟫"),
    # --- prose ---
    C("prose-use-pw", "prose", "use pw ⟪S:pw⟫ to log in to the staging box"),
    C("prose-token-expires", "prose", "token=⟪S:hex40⟫ (expires tomorrow)"),
    C("prose-creds-slash", "prose", "creds for the test tenant: ⟪email⟫ / ⟪S:pw⟫"),
    C("prose-reset-to", "prose", "I reset the admin password to ⟪S:pw⟫, change it after you log in"),
    C("prose-de", "prose", "Das Passwort für den Datenbankserver lautet ⟪S:pw⟫"),
    C("prose-fr", "prose", "Le mot de passe du compte admin est ⟪S:pw⟫"),
    C("prose-es", "prose", "La contraseña de la VPN es ⟪S:pw⟫ hasta el lunes"),
    C("prose-pt", "prose", "A senha do banco é ⟪S:pw⟫"),
    C("prose-ru", "prose", "Пароль от сервера: ⟪S:pw⟫"),
    C("prose-zh", "prose", "数据库密码是 ⟪S:pw⟫"),
    C("prose-ja", "prose", "管理画面のパスワードは ⟪S:pw⟫ です"),
    C("prose-api-key-dash", "prose", "here's my api key for the staging project ⟪S:openai⟫ — don't commit it"),
]

HOLDOUT: list[Case] = [
    # --- version control ---
    C(
        "git-remote-azure-devops",
        "vcs",
        "origin\thttps://⟪org⟫:⟪S:azure_devops⟫@dev.azure.com/⟪org⟫/Platform/_git/⟪repo⟫ (fetch)",
    ),
    C(
        "git-extraheader-basic",
        "vcs",
        'git -c http.extraheader="AUTHORIZATION: basic ⟪S:basic_auth⟫" clone https://dev.azure.com/⟪org⟫/_git/⟪repo⟫',
    ),
    C(
        "git-push-url-password",
        "vcs",
        bash("git push https://⟪user⟫:⟪S:pw_url⟫@git.example.com/⟪org⟫/⟪repo⟫.git HEAD:main"),
        "obj",
    ),
    C(
        "git-credential-approve",
        "vcs",
        "git credential approve <<EOF\nprotocol=https\nhost=github.com\nusername=⟪user⟫\npassword=⟪S:gho⟫\nEOF",
    ),
    C(
        "git-extraheader-bearer",
        "vcs",
        'git -c http.https://github.com/.extraheader="AUTHORIZATION: bearer ⟪S:ghs⟫" fetch origin',
    ),
    # --- containers ---
    C(
        "compose-config-env",
        "container",
        "services:\n  db:\n    environment:\n      MYSQL_DATABASE: app\n      MYSQL_ROOT_PASSWORD: ⟪S:pw⟫\n    image: mysql:8.4",
    ),
    C(
        "dockerfile-arg-token",
        "container",
        'FROM node:20\nARG GITHUB_TOKEN=⟪S:ghp⟫\nRUN echo "//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}" > .npmrc && npm ci',
    ),
    C(
        "podman-env-dd",
        "container",
        "podman run -d --env DD_API_KEY=⟪S:hex32⟫ --env DD_SITE=datadoghq.eu docker.io/datadog/agent:7",
    ),
    C(
        "compose-database-url",
        "container",
        "    environment:\n      - DATABASE_URL=postgres://⟪user⟫:⟪S:pw_url⟫@db:5432/app\n      - REDIS_URL=redis://cache:6379/0",
    ),
    C(
        "docker-password-stdin",
        "container",
        bash("echo ⟪S:dckr⟫ | docker login ghcr.io -u ⟪user⟫ --password-stdin"),
        "obj",
    ),
    # --- kubernetes ---
    C(
        "kubectl-sa-secret-b64",
        "k8s",
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\ndata:\n  namespace: ZGVmYXVsdA==\n  token: ⟪S:k8s_token_b64⟫",
    ),
    C("sa-token-cat", "k8s", "$ cat /var/run/secrets/kubernetes.io/serviceaccount/token\n⟪S:k8s_sa_token⟫"),
    C(
        "kubectl-describe-env",
        "k8s",
        "    Environment:\n      DB_HOST:      postgres.prod.svc\n      DB_PASSWORD:  ⟪S:pw⟫\n      LOG_LEVEL:    info",
    ),
    C(
        "kubectl-literal-upper",
        "k8s",
        bash("kubectl create secret generic llm --from-literal=OPENAI_API_KEY=⟪S:openai⟫ --dry-run=client -o yaml"),
        "obj",
    ),
    C("kubectl-set-env", "k8s", "kubectl set env deployment/api STRIPE_KEY=⟪S:stripe_live⟫"),
    # --- infrastructure as code ---
    C("tf-var-env", "iac", "TF_VAR_db_password=⟪S:pw⟫ terraform apply -auto-approve"),
    C("helm-set-nested", "iac", "helm upgrade redis bitnami/redis --set global.redis.password=⟪S:pw⟫ --reuse-values"),
    C("pulumi-config-secret", "iac", "pulumi config set --secret dbPassword ⟪S:pw⟫"),
    C("ansible-extra-vars", "iac", 'ansible-playbook site.yml -i hosts -e "ansible_become_pass=⟪S:pw⟫"'),
    C("ansible-inventory", "iac", "[web]\nweb1 ansible_host=10.0.0.5 ansible_user=ubuntu ansible_password=⟪S:pw⟫"),
    C("tfvars-tfe-token", "iac", 'tfe_token = "⟪S:tf_cloud⟫"'),
    # --- http clients ---
    C(
        "curl-user-mailgun",
        "http",
        "curl -s --user 'api:⟪S:mailgun⟫' https://api.mailgun.net/v3/mg.example.com/messages -F from=ops@example.com",
    ),
    C(
        "wget-header-token",
        "http",
        'wget --header="Authorization: token ⟪S:ghp⟫" https://api.github.com/repos/⟪org⟫/⟪repo⟫/tarball',
    ),
    C(
        "curl-apim-key",
        "http",
        'curl -H "Ocp-Apim-Subscription-Key: ⟪S:hex32⟫" https://api.cognitive.microsoft.com/bing/v7.0/search?q=x',
    ),
    C(
        "curl-dd-api-key",
        "http",
        bash('curl -X POST "https://api.datadoghq.com/api/v1/series" -H "DD-API-KEY: ⟪S:hex32⟫" -d @metrics.json'),
        "obj",
    ),
    C("curl-oauth2-bearer", "http", "curl --oauth2-bearer ⟪S:ya29⟫ https://www.googleapis.com/drive/v3/files"),
    C(
        "curl-json-login",
        "http",
        'curl -X POST https://api.example.com/login -H \'Content-Type: application/json\' -d \'{"username":"⟪user⟫","password":"⟪S:pw⟫"}\'',
    ),
    C("httpie-auth", "http", "http -a ⟪user⟫:⟪S:pw⟫ GET https://registry.example.com/v2/_catalog"),
    C(
        "curl-form-slack-token",
        "http",
        "curl -F token=⟪S:slack_bot⟫ -F channel=C024BE91L -F text=hi https://slack.com/api/chat.postMessage",
    ),
    # --- package managers ---
    C(
        "npmrc-auth-b64",
        "pkg",
        "registry=https://nexus.example.com/repository/npm/\n_auth=⟪S:basic_auth⟫\nemail=⟪email⟫\nalways-auth=true",
    ),
    C("npm-config-set-positional", "pkg", "npm config set //registry.npmjs.org/:_authToken ⟪S:npm⟫"),
    C("yarnrc-auth-ident", "pkg", 'npmRegistryServer: "https://npm.example.com"\nnpmAuthIdent: "⟪user⟫:⟪S:pw⟫"'),
    C(
        "pip-conf-extra-index",
        "pkg",
        "[global]\nextra-index-url = https://__token__:⟪S:glpat⟫@gitlab.com/api/v4/projects/42/packages/pypi/simple",
    ),
    C("composer-http-basic", "pkg", "composer config --global http-basic.repo.packagist.com ⟪user⟫ ⟪S:hex40⟫"),
    C("bundle-config", "pkg", "bundle config set --global rubygems.pkg.github.com ⟪user⟫:⟪S:ghp⟫"),
    C("cargo-login", "pkg", bash("cargo login ⟪S:cratesio⟫"), "obj"),
    C("gem-credentials", "pkg", "---\n:rubygems_api_key: ⟪S:rubygems⟫"),
    C(
        "nuget-config",
        "pkg",
        '<packageSourceCredentials>\n  <github>\n    <add key="Username" value="⟪user⟫" />\n    <add key="ClearTextPassword" value="⟪S:ghp⟫" />\n  </github>\n</packageSourceCredentials>',
    ),
    C(
        "dotnet-nuget-add",
        "pkg",
        "dotnet nuget add source https://nuget.pkg.github.com/⟪org⟫/index.json -n github -u ⟪user⟫ -p ⟪S:ghp⟫ --store-password-in-clear-text",
    ),
    C("poetry-pypi-token", "pkg", "poetry config pypi-token.pypi ⟪S:pypi⟫"),
    C(
        "maven-settings-passphrase",
        "pkg",
        "<server>\n  <id>gpg.passphrase</id>\n  <passphrase>⟪S:pw⟫</passphrase>\n</server>",
    ),
    # --- notebooks ---
    C(
        "notebook-pip-index",
        "notebook",
        '{"notebook_path": "/work/nb.ipynb", "new_source": "!pip install --index-url https://⟪user⟫:⟪S:pw_url⟫@pypi.example.com/simple internal-lib"}',
        "obj",
    ),
    C(
        "notebook-percent-env",
        "notebook",
        '  "source": [\n    "%env OPENAI_API_KEY=⟪S:openai⟫\\n",\n    "import openai"\n  ]',
        "json",
    ),
    C(
        "notebook-config-display",
        "notebook",
        "Out[4]: {'host': 'db.internal', 'user': '⟪user⟫', 'password': '⟪S:pw⟫', 'port': 5432}",
    ),
    # --- stack traces and dumps ---
    C(
        "php-var-dump",
        "trace",
        'array(3) {\n  ["user"]=>\n  string(5) "⟪user⟫"\n  ["password"]=>\n  string(16) "⟪S:pw⟫"\n  ["host"]=>\n  string(2) "db"\n}',
    ),
    C(
        "java-properties-tostring",
        "trace",
        "Caused by: java.lang.IllegalStateException: bad config {jdbc.url=jdbc:mysql://db/app, jdbc.user=⟪user⟫, jdbc.password=⟪S:pw⟫}",
    ),
    C(
        "py-logging-settings",
        "trace",
        "DEBUG settings={'SECRET_KEY': '⟪S:django_key⟫', 'DEBUG': False, 'ALLOWED_HOSTS': ['*']}",
    ),
    C(
        "rust-debug-struct",
        "trace",
        "thread 'main' panicked at src/main.rs:40:5:\nConfig { api_key: \"⟪S:sendgrid⟫\", timeout: 30 }",
    ),
    C(
        "elixir-map",
        "trace",
        '** (MatchError) no match of right hand side value: %{password: "⟪S:pw⟫", username: "⟪user⟫"}',
    ),
    # --- logs ---
    C(
        "curl-set-cookie",
        "log",
        "< HTTP/1.1 200 OK\n< set-cookie: session=⟪S:session_id⟫; Path=/; HttpOnly; Secure\n< content-type: text/html",
    ),
    C(
        "apache-log-apikey",
        "log",
        '203.0.113.9 - - [11/Jan/2025:08:12:44 +0000] "GET /v1/geo?apikey=⟪S:hex32⟫&q=Paris HTTP/1.1" 200 812',
    ),
    C(
        "json-log-basic",
        "log",
        '{"time":"⟪isots⟫","request":{"headers":{"Authorization":"Basic ⟪S:basic_auth⟫"}}}',
        "json",
    ),
    C(
        "actions-log-echo",
        "log",
        'Run echo "NPM_TOKEN=⟪S:npm⟫" >> $GITHUB_ENV\n  echo "NPM_TOKEN=⟪S:npm⟫" >> $GITHUB_ENV\n  shell: /usr/bin/bash -e {0}',
    ),
    C("npm-verbose-authtoken", "log", "npm verb config //registry.npmjs.org/:_authToken=⟪S:npm⟫ from user config"),
    # --- SQL ---
    C(
        "mysql-identified-with",
        "sql",
        "ALTER USER 'root'@'localhost' IDENTIFIED WITH mysql_native_password BY '⟪S:pw⟫';",
    ),
    C("mysql-set-password", "sql", "SET PASSWORD FOR '⟪user⟫'@'localhost' = '⟪S:pw⟫';"),
    C("mssql-create-login", "sql", "CREATE LOGIN svc_etl WITH PASSWORD = '⟪S:pw⟫', CHECK_POLICY = OFF;"),
    C("oracle-identified-by", "sql", "ALTER USER scott IDENTIFIED BY ⟪S:pw⟫ ACCOUNT UNLOCK;"),
    C("pg-create-role-encrypted", "sql", "CREATE ROLE reporting LOGIN ENCRYPTED PASSWORD '⟪S:pw⟫';"),
    # --- credential files ---
    C("my-cnf", "credfile", "[client]\nuser=root\npassword=⟪S:pw⟫\nhost=⟪host⟫"),
    C(
        "s3cfg",
        "credfile",
        "[default]\naccess_key = ⟪S:akid⟫\nsecret_key = ⟪S:aws_secret⟫\nhost_base = s3.amazonaws.com",
    ),
    C(
        "rclone-conf",
        "credfile",
        "[s3]\ntype = s3\nprovider = AWS\naccess_key_id = ⟪S:akid⟫\nsecret_access_key = ⟪S:aws_secret⟫\nregion = ⟪region⟫",
    ),
    C("cargo-credentials", "credfile", '[registry]\ntoken = "⟪S:cratesio⟫"'),
    C("redis-conf", "credfile", "bind 0.0.0.0\nrequirepass ⟪S:pw⟫\nmasterauth ⟪S:pw⟫"),
    C(
        "wireguard-conf",
        "credfile",
        "[Interface]\nPrivateKey = ⟪S:wireguard_key⟫\nAddress = 10.8.0.2/24\n\n[Peer]\nPublicKey = ⟪wg_pub⟫\nEndpoint = vpn.example.com:51820",
    ),
    # --- cloud and secret-manager CLIs ---
    C(
        "az-storage-account-key",
        "cloudcli",
        "az storage blob upload --account-name ⟪org⟫store --account-key ⟪S:azure_storage_key⟫ -c backups -f db.bak",
    ),
    C(
        "az-keyvault-set",
        "cloudcli",
        "az keyvault secret set --vault-name kv-prod --name DbPassword --value '⟪S:pw_any⟫'",
    ),
    C(
        "aws-secretsmanager",
        "cloudcli",
        bash(
            'aws secretsmanager create-secret --name prod/db --secret-string \'{"username":"⟪user⟫","password":"⟪S:pw⟫"}\''
        ),
        "obj",
    ),
    C(
        "aws-ssm-put",
        "cloudcli",
        "aws ssm put-parameter --name /app/stripe --type SecureString --value ⟪S:stripe_live⟫ --overwrite",
    ),
    C("doctl-auth", "cloudcli", "doctl auth init --access-token ⟪S:dop⟫"),
    C(
        "gcloud-sa-write",
        "cloudcli",
        write(
            "/tmp/key.json",
            '{\n  "type": "service_account",\n  "private_key_id": "⟪S:hex40⟫",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n⟪S:pkcs8_escaped⟫\\n-----END PRIVATE KEY-----\\n"\n}',
        ),
        "obj",
    ),
    C("vault-kv-put", "cloudcli", "vault kv put secret/app db_password=⟪S:pw⟫ api_key=⟪S:hex32⟫"),
    C("vault-approle", "cloudcli", "vault write auth/approle/login role_id=⟪uuid4⟫ secret_id=⟪S:uuid4⟫"),
    C("heroku-config-set", "cloudcli", "heroku config:set SENDGRID_API_KEY=⟪S:sendgrid⟫ -a ⟪repo⟫"),
    C("gh-secret-set", "cloudcli", 'gh secret set NPM_TOKEN --body "⟪S:npm⟫" --repo ⟪org⟫/⟪repo⟫'),
    C("ngrok-authtoken", "cloudcli", "ngrok config add-authtoken ⟪S:ngrok⟫"),
    C("tailscale-authkey", "cloudcli", "sudo tailscale up --authkey=⟪S:tailscale⟫ --hostname=build-01"),
    C("cloudflared-token", "cloudcli", "cloudflared tunnel run --token ⟪S:cloudflared_token⟫"),
    # --- webhooks ---
    C(
        "discordapp-webhook-py",
        "webhook",
        'requests.post("https://discordapp.com/api/webhooks/⟪S:discord_webhook⟫", json={"content": msg})',
    ),
    C(
        "power-automate-sig",
        "webhook",
        "https://prod-27.westeurope.logic.azure.com:443/workflows/⟪hex32⟫/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=⟪S:session_id⟫",
    ),
    C(
        "google-chat-webhook",
        "webhook",
        "https://chat.googleapis.com/v1/spaces/AAAA⟪request_id⟫/messages?key=⟪S:google_api⟫&token=⟪S:session_id⟫",
    ),
    C("mattermost-hook", "webhook", "MATTERMOST_HOOK=https://chat.example.com/hooks/⟪S:mattermost⟫"),
    # --- signed URLs ---
    C(
        "aws-presigned-session",
        "signedurl",
        "https://⟪org⟫-uploads.s3.⟪region⟫.amazonaws.com/in/file.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=⟪asia⟫%2F⟪date⟫%2F⟪region⟫%2Fs3%2Faws4_request&X-Amz-Date=⟪date⟫T080000Z&X-Amz-Expires=900&X-Amz-Security-Token=⟪S:aws_session⟫&X-Amz-SignedHeaders=host&X-Amz-Signature=⟪S:hex64⟫",
    ),
    C(
        "gcs-v2-signed",
        "signedurl",
        "https://storage.googleapis.com/⟪org⟫-media/v.mp4?GoogleAccessId=signer%40⟪org⟫.iam.gserviceaccount.com&Expires=⟪epoch⟫&Signature=⟪S:gcs_v2_sig⟫",
    ),
    C(
        "cloudfront-signed",
        "signedurl",
        "https://d111111abcdef8.cloudfront.net/video.mp4?Expires=⟪epoch⟫&Signature=⟪S:cloudfront_sig⟫&Key-Pair-Id=K2JCJMDEHXQW5F",
    ),
    C(
        "azcopy-sas",
        "signedurl",
        'azcopy copy ./dist "https://⟪org⟫web.blob.core.windows.net/$web?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=⟪isots⟫&spr=https&sig=⟪S:sas_sig⟫" --recursive',
    ),
    C(
        "azure-storage-connstr",
        "signedurl",
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=⟪org⟫store;AccountKey=⟪S:azure_storage_key⟫;EndpointSuffix=core.windows.net",
    ),
    # --- keys ---
    C(
        "rsa-key-echo-escaped",
        "key",
        'echo -e "-----BEGIN RSA PRIVATE KEY-----\\n⟪S:pkcs8_escaped⟫\\n-----END RSA PRIVATE KEY-----" > deploy.pem',
    ),
    C(
        "pgp-private-block",
        "key",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n⟪S:pgp_key_body⟫\n=Xk3P\n-----END PGP PRIVATE KEY BLOCK-----",
    ),
    C(
        "putty-ppk",
        "key",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ed25519-key-20250110\nPublic-Lines: 2\n⟪ssh_pub⟫\nPrivate-Lines: 1\n⟪S:ppk_private⟫\nPrivate-MAC: ⟪S:hex64⟫",
    ),
    C(
        "openvpn-static-key",
        "key",
        "<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n⟪S:openvpn_static⟫\n-----END OpenVPN Static key V1-----\n</tls-auth>",
    ),
    C("onepassword-sa", "key", "export OP_SERVICE_ACCOUNT_TOKEN=⟪S:onepassword_sa⟫"),
    C("laravel-app-key", "key", "APP_NAME=Shop\nAPP_ENV=production\nAPP_KEY=⟪S:laravel_key⟫\nAPP_DEBUG=false"),
    C("rails-master-key", "key", "RAILS_MASTER_KEY=⟪S:hex32⟫ bin/rails credentials:edit"),
    C("django-secret-key", "key", "SECRET_KEY = '⟪S:django_key⟫'"),
    C("flask-bytes-secret", "key", "app.secret_key = ⟪S:hex_bytes_literal⟫"),
    # --- environment and app config ---
    C("setx-windows", "config", "setx API_KEY ⟪S:hex32⟫"),
    C("fish-set-gx", "config", "set -gx GITHUB_TOKEN ⟪S:ghp⟫"),
    C("xml-property-password", "config", '<property name="hibernate.connection.password" value="⟪S:pw⟫"/>'),
    C("ini-database-section", "config", "[database]\nhost = ⟪host⟫\nuser = ⟪user⟫\npass = ⟪S:pw⟫"),
    C("toml-auth-token", "config", '[auth]\nendpoint = "https://api.example.com"\ntoken = "⟪S:lin⟫"'),
    # --- other command lines ---
    C("sshpass", "command", "sshpass -p '⟪S:pw⟫' ssh -o StrictHostKeyChecking=no ⟪user⟫@⟪host⟫ uptime"),
    C(
        "keytool-storepass",
        "command",
        "keytool -importcert -alias ca -file ca.crt -keystore truststore.jks -storepass ⟪S:pw⟫ -noprompt",
    ),
    C("7z-attached-p", "command", "7z a -p⟪S:pw⟫ -mhe=on backup.7z ./data"),
    C("zip-P", "command", "zip -r -P ⟪S:pw⟫ export.zip reports/"),
    C("mosquitto-P", "command", "mosquitto_pub -h broker.local -u ⟪user⟫ -P ⟪S:pw⟫ -t sensors/temp -m 21.5"),
    C(
        "libpq-keyword-dsn",
        "command",
        'psql "host=⟪host⟫ port=5432 user=⟪user⟫ password=⟪S:pw⟫ dbname=app sslmode=require"',
    ),
    C("jdbc-oracle-thin", "command", "jdbc:oracle:thin:scott/⟪S:pw⟫@//⟪host⟫:1521/orcl"),
    C("sqlcmd-P", "command", "sqlcmd -S tcp:sql01,1433 -U sa -P '⟪S:pw⟫' -Q \"SELECT 1\""),
    C(
        "mongodb-srv",
        "command",
        'mongosh "mongodb+srv://⟪user⟫:⟪S:pw_url⟫@cluster0.x1abc.mongodb.net/app?retryWrites=true"',
    ),
    C("amqp-url", "command", "CELERY_BROKER_URL=amqp://⟪user⟫:⟪S:pw_url⟫@rabbitmq:5672/prod"),
    C("mysqldump-attached-p", "command", "mysqldump -u root -p⟪S:pw⟫ --single-transaction app > app.sql"),
    C("gpg-passphrase", "command", "gpg --batch --pinentry-mode loopback --passphrase '⟪S:pw_any⟫' -d secrets.tar.gpg"),
    C("argocd-login", "command", "argocd login argocd.example.com --username admin --password ⟪S:pw⟫ --grpc-web"),
    # --- prose ---
    C("prose-login-pass", "prose", "login: ⟪user⟫ pass: ⟪S:pw⟫"),
    C("prose-sign-in-as", "prose", "you can sign in as ⟪user⟫ with ⟪S:pw⟫ until SSO is back"),
    C("prose-wifi", "prose", "the guest wifi password is ⟪S:pw⟫"),
    C("prose-ssh-parens", "prose", "ssh in as root (pw ⟪S:pw⟫) and restart nginx"),
    C("prose-arrow", "prose", "API key → ⟪S:hex32⟫"),
    C("prose-rotated", "prose", "new webhook secret: ⟪S:whsec⟫ (rotated today)"),
    C("prose-it", "prose", "La password di root è ⟪S:pw⟫"),
    C("prose-nl", "prose", "Het wachtwoord is ⟪S:pw⟫"),
    C("prose-pl", "prose", "Hasło do bazy: ⟪S:pw⟫"),
    C("prose-tr", "prose", "Sunucu şifresi: ⟪S:pw⟫"),
    C("prose-sv", "prose", "Lösenordet är ⟪S:pw⟫"),
    C("prose-ko", "prose", "비밀번호는 ⟪S:pw⟫ 입니다"),
    C("prose-de-kennwort", "prose", "Kennwort: ⟪S:pw⟫"),
    C("prose-fr-mdp", "prose", "mdp : ⟪S:pw⟫"),
    C("prose-es-clave", "prose", "usuario ⟪user⟫, clave ⟪S:pw⟫"),
    C("prose-passwd-jenkins", "prose", "passwd for jenkins = ⟪S:pw⟫"),
    C("prose-bearer-valid", "prose", "Bearer token (valid 1h): ⟪S:jwt_hs⟫"),
    C("prose-dmd-key", "prose", "DM'd you the key but here it is again: ⟪S:stripe_live⟫"),
]

TUNE_NEGATIVE: list[Case] = [
    C(
        "neg-git-remote-plain",
        "vcs",
        "origin\tgit@github.com:⟪org⟫/⟪repo⟫.git (fetch)\nupstream\thttps://github.com/⟪org⟫/⟪repo⟫.git (fetch)",
    ),
    C(
        "neg-docker-env-var",
        "container",
        "docker run -e POSTGRES_PASSWORD=$POSTGRES_PASSWORD --env-file .env -p 5432:5432 postgres:16",
    ),
    C(
        "neg-kubectl-from-file",
        "k8s",
        "kubectl create secret generic ssh-key --from-file=ssh-privatekey=$HOME/.ssh/id_rsa",
    ),
    C("neg-kubectl-tls", "k8s", "kubectl create secret tls web-tls --cert=tls.crt --key=tls.key -n prod"),
    C("neg-terraform-plain-var", "iac", "terraform apply -var 'instance_type=t3.micro' -var-file=prod.tfvars"),
    C(
        "neg-helm-existing-secret",
        "iac",
        "helm install pg bitnami/postgresql --set image.tag=16.2.0 --set auth.existingSecret=pg-secret",
    ),
    C(
        "neg-curl-env-creds",
        "http",
        'curl -u "$API_USER:$API_PASS" -H "X-Api-Key: ${API_KEY}" https://api.example.com/v1/items',
    ),
    C("neg-npmrc-env", "pkg", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nalways-auth=true"),
    C(
        "neg-maven-env",
        "pkg",
        "<server>\n  <id>ossrh</id>\n  <username>${env.MAVEN_USERNAME}</username>\n  <password>${env.MAVEN_PASSWORD}</password>\n</server>",
    ),
    C("neg-sql-psql-var", "sql", "CREATE USER app WITH PASSWORD :'app_password';\nALTER ROLE app WITH LOGIN;"),
    C(
        "neg-mysql-access-denied",
        "sql",
        "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)",
    ),
    C(
        "neg-az-login-vars",
        "cloudcli",
        "az login --service-principal -u $ARM_CLIENT_ID -p $ARM_CLIENT_SECRET --tenant $ARM_TENANT_ID",
    ),
    C(
        "neg-tf-plan-sensitive",
        "iac",
        '  + resource "aws_db_instance" "main" {\n      + password = (sensitive value)\n      + username = "⟪user⟫"\n    }',
    ),
    C("neg-age-public", "key", "creation_rules:\n  - path_regex: secrets/.*\\.yaml\n    age: ⟪age_pub⟫"),
    C("neg-ssh-public", "key", "ssh-ed25519 ⟪ssh_pub⟫ ⟪email⟫"),
    C(
        "neg-lockfile",
        "pkg",
        '"node_modules/left-pad": {\n  "version": "1.3.0",\n  "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n  "integrity": "⟪integrity⟫"\n}',
    ),
    C("neg-image-digest", "container", "Digest: ⟪digest⟫\nStatus: Downloaded newer image for postgres:16"),
    C("neg-prose-rules", "prose", "the password must be at least 12 characters and the token expires after 30 days"),
    C("neg-prose-de", "prose", "Passwort vergessen? Das Kennwort ist falsch."),
    C("neg-code-env", "prose", 'password = os.environ["DB_PASSWORD"]\ntoken = request.headers.get("Authorization")'),
    C(
        "neg-slack-placeholder",
        "webhook",
        "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    C("neg-git-sha", "vcs", "commit ⟪sha⟫\nAuthor: ⟪user⟫ <⟪email⟫>\n\n    Rotate the deploy token (see INFRA-123)"),
]

HOLDOUT_NEGATIVE: list[Case] = [
    C("neg-clone-ssh", "vcs", "git clone git@gitlab.com:⟪org⟫/⟪repo⟫.git && git remote -v"),
    C(
        "neg-compose-secret-file",
        "container",
        "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets:\n      - db_password",
    ),
    C(
        "neg-k8s-describe-secret",
        "k8s",
        "Name:         db-creds\nType:  Opaque\n\nData\n====\npassword:  16 bytes\nusername:  5 bytes",
    ),
    C("neg-helm-set-file", "iac", "helm upgrade web ./chart --set-file tls.ca=./ca.pem --set replicaCount=3"),
    C("neg-curl-bearer-var", "http", 'curl -H "Authorization: Bearer $TOKEN" https://api.example.com/v1/me'),
    C("neg-yarnrc-env", "pkg", 'npmAuthToken: "${NPM_AUTH_TOKEN}"'),
    C("neg-gradle-plain", "pkg", "org.gradle.caching=true\norg.gradle.parallel=true\nsigning.keyId=24875D73"),
    C(
        "neg-gcloud-key-file",
        "cloudcli",
        "gcloud auth activate-service-account --key-file=sa.json --project ⟪org⟫-prod",
    ),
    C("neg-sops-enc", "key", "password: ⟪sops_enc⟫\nsops:\n    age:\n        - recipient: ⟪age_pub⟫"),
    C("neg-cert-block", "key", "-----BEGIN CERTIFICATE-----\n⟪cert_body⟫\n-----END CERTIFICATE-----"),
    C(
        "neg-aws-request-id",
        "cloudcli",
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied (Request ID: ⟪request_id⟫)",
    ),
    C("neg-prose-fr", "prose", "mot de passe incorrect, réessayez"),
    C("neg-prose-es", "prose", "contraseña incorrecta para el usuario ⟪user⟫"),
    C("neg-prose-ru", "prose", "неверный пароль для пользователя ⟪user⟫"),
    C("neg-code-settings", "prose", "api_key=settings.API_KEY, password=getpass.getpass()"),
    C(
        "neg-docs-placeholder",
        "http",
        'curl -H "Authorization: Bearer <token>" -H "X-Api-Key: YOUR_API_KEY" https://api.example.com',
    ),
    C(
        "neg-ecr-login",
        "container",
        "aws ecr get-login-password --region ⟪region⟫ | docker login --username AWS --password-stdin 1234.dkr.ecr.⟪region⟫.amazonaws.com",
    ),
    C("neg-wg-public", "credfile", "[Peer]\nPublicKey = ⟪wg_pub⟫\nAllowedIPs = 10.8.0.0/24"),
    C("neg-discord-ids", "webhook", '{"channel_id": "⟪num⟫", "guild_id": "⟪num#2⟫", "type": 0}'),
    C("neg-ansible-vault-file", "iac", "ansible-playbook site.yml --vault-password-file ~/.vault_pass.txt"),
    C("neg-pg-hba", "credfile", "host    all    all    10.0.0.0/8    scram-sha-256"),
]
