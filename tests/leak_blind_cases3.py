# ruff: noqa: E501
"""A third blind part (``tune3`` and ``holdout3``), written by a third author before reading the
detectors (nevo/redact*.py) or seeing which earlier cases they catch, to measure how the
redaction generalises to places earlier parts cover thinly: CI files (GitHub Actions, GitLab CI,
CircleCI, Jenkinsfiles), shell history, .env variants, database and cache CLIs, cloud and Vault
logins, provider tokens in code and logs (Stripe, Twilio, SendGrid, Slack, Discord, Telegram),
framework config (Rails credentials, Django, Spring), kubeconfigs, SSH keys pasted in YAML, HTTP
request dumps, stack traces printing settings, JSON logs, SQL that sets passwords, and chat prose
in English, Italian and Swedish (plus one Czech line).

The two lists were split before anything was measured: most kinds have one template in each, with
a different phrasing or format. Misses in TUNE3 may be studied and fixed; HOLDOUT3 is measured
once before fixing and once after, never studied in between. Each list has near misses with no
secret (TUNE3_NEGATIVE, HOLDOUT3_NEGATIVE) that must come out unchanged.
"""

from __future__ import annotations

from tests.leak_blind_cases import C, Case, bash, write

TUNE3: list[Case] = [
    # --- CI files ---
    C(
        "gha-job-env-aws",
        "ci",
        "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      AWS_ACCESS_KEY_ID: ⟪S:akid⟫\n      AWS_SECRET_ACCESS_KEY: ⟪S:aws_secret⟫\n      AWS_REGION: ⟪region⟫\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/deploy.sh",
    ),
    C(
        "gha-docker-login-with",
        "ci",
        "      - name: Log in to Docker Hub\n        uses: docker/login-action@v3\n        with:\n          username: ⟪user⟫\n          password: ⟪S:pw⟫",
    ),
    C(
        "gitlab-ci-variables",
        "ci",
        'variables:\n  POSTGRES_DB: app\n  POSTGRES_USER: ⟪user⟫\n  POSTGRES_PASSWORD: ⟪S:pw⟫\n  DATABASE_URL: "postgres://⟪user⟫:⟪S:pw_url⟫@postgres:5432/app"\n\ntest:\n  image: python:3.12\n  services:\n    - postgres:16\n  script:\n    - pytest -q',
    ),
    C(
        "gitlab-runner-register",
        "ci",
        bash(
            "gitlab-runner register --non-interactive --url https://gitlab.example.com/ --token ⟪S:glrt⟫ --executor docker --docker-image alpine:3.20"
        ),
        "obj",
    ),
    C(
        "circleci-image-auth",
        "ci",
        "jobs:\n  build:\n    docker:\n      - image: ghcr.io/⟪org⟫/builder:latest\n        auth:\n          username: ⟪user⟫\n          password: ⟪S:ghp⟫\n    steps:\n      - checkout",
    ),
    C(
        "jenkins-withcredentials-literal",
        "ci",
        "stage('Publish') {\n  steps {\n    withCredentials([usernamePassword(credentialsId: 'nexus', usernameVariable: 'NEXUS_USER', passwordVariable: 'NEXUS_PASS')]) {\n      sh 'mvn -B deploy -Dnexus.user=⟪user⟫ -Dnexus.password=⟪S:pw⟫'\n    }\n  }\n}",
    ),
    # --- shell history ---
    C(
        "history-export-token",
        "shell",
        "$ history | tail -4\n  501  cd ~/src/⟪repo⟫\n  502  export GITHUB_TOKEN=⟪S:ghp⟫\n  503  gh pr list\n  504  history | tail -4",
    ),
    C("history-curl-u", "shell", "  88  curl -u ⟪user⟫:⟪S:pw⟫ https://⟪host⟫/api/v1/backup -o backup.tgz"),
    # --- .env variants ---
    C(
        "dotenv-export-quoted-comment",
        "dotenv",
        '# database (rotated ⟪date⟫)\nexport DB_HOST=⟪host⟫\nexport DB_PASSWORD="⟪S:pw⟫"  # do not commit',
    ),
    C(
        "dotenv-stripe-block",
        "dotenv",
        "# --- Stripe ---\nSTRIPE_PUBLISHABLE_KEY=pk_live_⟪request_id⟫\nSTRIPE_SECRET_KEY=⟪S:stripe_live⟫ # live!\nSTRIPE_WEBHOOK_SECRET='⟪S:whsec⟫'",
    ),
    C(
        "dotenv-write-tool",
        "dotenv",
        write("/srv/app/.env.production", "APP_ENV=production\nAPP_KEY=⟪S:laravel_key⟫\nMAIL_PASSWORD=⟪S:pw⟫\n"),
        "obj",
    ),
    # --- registries and database CLIs ---
    C(
        "docker-login-p-warning",
        "dbcli",
        "$ docker login -u ⟪user⟫ -p ⟪S:dckr⟫ registry.example.com\nWARNING! Using --password via the CLI is insecure. Use --password-stdin.\nLogin Succeeded",
    ),
    C("mysqldump-glued-p", "dbcli", "mysqldump -h ⟪host⟫ -u⟪user⟫ -p⟪S:pw⟫ --single-transaction app > app.sql"),
    C(
        "pgpassword-psql",
        "dbcli",
        bash("PGPASSWORD=⟪S:pw⟫ psql -h ⟪host⟫ -U ⟪user⟫ -d app -c 'select count(*) from users'"),
        "obj",
    ),
    C("redis-cli-a", "dbcli", "redis-cli -h ⟪host⟫ -p 6379 -a ⟪S:pw⟫ --no-auth-warning INFO keyspace"),
    C(
        "mongosh-srv",
        "dbcli",
        'mongosh "mongodb+srv://⟪user⟫:⟪S:pw_url⟫@cluster0.x7k2p.mongodb.net/app?retryWrites=true&w=majority" --apiVersion 1',
    ),
    C(
        "jdbc-mysql-query-password",
        "dbcli",
        "jdbc:mysql://⟪host⟫:3306/app?user=⟪user⟫&password=⟪S:pw_url⟫&useSSL=true&serverTimezone=UTC",
    ),
    # --- cloud CLIs ---
    C("aws-configure-set-secret", "cloudcli", "aws configure set aws_secret_access_key ⟪S:aws_secret⟫ --profile ⟪org⟫"),
    C(
        "gcloud-sa-key-cat",
        "cloudcli",
        '$ cat ~/keys/ci.json\n{\n  "type": "service_account",\n  "project_id": "⟪org⟫-prod",\n  "private_key_id": "⟪hex40⟫",\n  "private_key": "⟪S:gcp_pem_escaped⟫",\n  "client_email": "ci@⟪org⟫-prod.iam.gserviceaccount.com",\n  "client_id": "10⟪epoch⟫⟪num⟫"\n}\n$ gcloud auth activate-service-account --key-file ~/keys/ci.json\nActivated service account credentials for: [ci@⟪org⟫-prod.iam.gserviceaccount.com]',
    ),
    C(
        "az-login-sp",
        "cloudcli",
        bash("az login --service-principal -u ⟪uuid4⟫ -p ⟪S:azure_client_secret⟫ --tenant ⟪uuid4#2⟫"),
        "obj",
    ),
    # --- provider tokens in code and logs ---
    C("stripe-python-api-key", "provider", 'import stripe\n\nstripe.api_key = "⟪S:stripe_live⟫"'),
    C(
        "twilio-client-positional",
        "provider",
        'from twilio.rest import Client\n\nclient = Client("AC⟪hex32⟫", "⟪S:hex32#2⟫")\nclient.messages.create(to="+15555550100", from_="+15555550199", body="hi")',
    ),
    C(
        "sendgrid-log-line",
        "provider",
        "2025-03-02 10:14:07,311 INFO mailer: sending via SendGrid with key ⟪S:sendgrid⟫ to ⟪email⟫",
    ),
    C(
        "slack-bolt-app",
        "provider",
        'app = App(\n    token="⟪S:slack_bot⟫",\n    signing_secret="⟪S:hex32⟫",\n)',
    ),
    C("discord-client-run", "provider", "bot = commands.Bot(command_prefix='!')\n...\nbot.run('⟪S:discord_bot⟫')"),
    C(
        "telegram-httpx-log",
        "provider",
        '2025-03-02 10:14:07,311 - httpx - INFO - HTTP Request: POST https://api.telegram.org/bot⟪S:telegram⟫/getUpdates "HTTP/1.1 200 OK"',
    ),
    # --- framework config ---
    C(
        "rails-credentials-show",
        "framework",
        "$ bin/rails credentials:show\nsecret_key_base: ⟪S:hex64⟫⟪S:hex64#2⟫\naws:\n  access_key_id: ⟪S:akid⟫\n  secret_access_key: ⟪S:aws_secret⟫",
    ),
    C(
        "django-insecure-key",
        "framework",
        "# SECURITY WARNING: keep the secret key used in production secret!\nSECRET_KEY = 'django-insecure-⟪S:django_key⟫'",
    ),
    C(
        "spring-datasource-properties",
        "framework",
        "spring.datasource.url=jdbc:postgresql://⟪host⟫:5432/app\nspring.datasource.username=⟪user⟫\nspring.datasource.password=⟪S:pw⟫\nspring.jpa.hibernate.ddl-auto=validate",
    ),
    # --- kubernetes ---
    C(
        "kubeconfig-user-token",
        "k8s",
        "users:\n- name: ci-deployer\n  user:\n    token: ⟪S:k8s_sa_token⟫\ncontexts:\n- context:\n    cluster: prod\n    user: ci-deployer\n  name: prod",
    ),
    C(
        "kubeconfig-client-key-data",
        "k8s",
        "users:\n- name: admin\n  user:\n    client-certificate-data: ⟪cert_b64⟫\n    client-key-data: ⟪S:pem_b64⟫",
    ),
    # --- vault ---
    C(
        "vault-login-positional",
        "vault",
        "$ vault login ⟪S:vault_hvs⟫\nSuccess! You are now authenticated. The token information displayed below\nis already stored in the token helper.",
    ),
    C(
        "vault-token-env-inline",
        "vault",
        "VAULT_ADDR=https://vault.example.com:8200 VAULT_TOKEN=⟪S:vault_legacy⟫ vault kv get -field=password secret/app/db",
    ),
    # --- keys pasted in YAML ---
    C(
        "ssh-key-yaml-block",
        "key",
        "deploy:\n  host: ⟪host⟫\n  user: ⟪user⟫\n  ssh_private_key: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n⟪S:openssh_key_yaml⟫\n    -----END OPENSSH PRIVATE KEY-----",
    ),
    # --- HTTP request dumps ---
    C(
        "http-cookie-session",
        "http",
        "GET /api/me HTTP/1.1\nHost: app.example.com\nUser-Agent: Mozilla/5.0\nCookie: _ga=GA1.2.⟪num⟫.⟪epoch⟫; session=⟪S:session_id⟫; theme=dark\nAccept: application/json",
    ),
    C(
        "curl-v-proxy-authorization",
        "http",
        "* Connected to proxy.corp.example.com (10.0.0.5) port 3128\n> CONNECT api.example.com:443 HTTP/1.1\n> Host: api.example.com:443\n> Proxy-Authorization: Basic ⟪S:basic_auth⟫\n> User-Agent: curl/8.5.0\n>\n< HTTP/1.1 200 Connection established",
    ),
    # --- stack traces printing settings ---
    C(
        "py-trace-settings-dict",
        "trace",
        "Traceback (most recent call last):\n  File \"/app/worker.py\", line 42, in connect\n    conn = psycopg2.connect(**settings)\npsycopg2.OperationalError: connection to server at \"⟪host⟫\" failed\n\nsettings = {'host': '⟪host⟫', 'port': 5432, 'user': '⟪user⟫', 'password': '⟪S:pw⟫', 'dbname': 'app'}",
    ),
    C(
        "flask-config-repr",
        "trace",
        "<Config {'DEBUG': False, 'TESTING': False, 'SECRET_KEY': '⟪S:hex32⟫', 'SQLALCHEMY_DATABASE_URI': 'postgresql://app:⟪S:pw_url⟫@db/app', 'SESSION_COOKIE_NAME': 'session'}>",
    ),
    # --- JSON logs ---
    C(
        "json-log-password",
        "log",
        '{"level":"debug","ts":⟪epoch⟫.118,"caller":"auth/login.go:88","msg":"login attempt","user":"⟪user⟫","password":"⟪S:pw⟫"}',
        "json",
    ),
    C(
        "json-log-headers-bearer",
        "log",
        '{"time":"⟪isots⟫","level":"info","req":{"method":"GET","url":"/v1/orders","headers":{"host":"api","authorization":"Bearer ⟪S:jwt_hs⟫"}},"res":{"statusCode":200}}',
        "json",
    ),
    # --- SQL ---
    C(
        "pg-create-user-password",
        "sql",
        "CREATE USER ⟪user⟫ WITH PASSWORD '⟪S:pw⟫';\nGRANT CONNECT ON DATABASE app TO ⟪user⟫;",
    ),
    C(
        "pg-alter-role-valid-until",
        "sql",
        "ALTER ROLE ⟪user⟫ WITH LOGIN PASSWORD '⟪S:pw⟫' VALID UNTIL '2026-01-01';",
    ),
    # --- prose in chat ---
    C("prose-en-staging-pw", "prose", "fyi the staging pw is ⟪S:pw⟫ until we rotate it on friday"),
    C("prose-it-staging", "prose", "la password di staging è ⟪S:pw⟫, cambiala dopo il deploy"),
    C("prose-sv-staging", "prose", "lösenordet till staging-databasen är ⟪S:pw⟫"),
    C("prose-en-creds-slash", "prose", "staging db creds: ⟪user⟫ / ⟪S:pw⟫"),
]

HOLDOUT3: list[Case] = [
    # --- CI files ---
    C(
        "gha-workflow-top-env",
        "ci",
        "name: release\non:\n  push:\n    tags: ['v*']\nenv:\n  NPM_TOKEN: ⟪S:npm⟫\n  SENTRY_AUTH_TOKEN: ⟪S:sentry_user⟫\njobs:\n  publish:\n    runs-on: ubuntu-latest",
    ),
    C(
        "gha-step-env-db",
        "ci",
        "      - name: Migrate\n        env:\n          DATABASE_PASSWORD: ⟪S:pw⟫\n        run: alembic upgrade head",
    ),
    C(
        "gitlab-ci-trigger-curl",
        "ci",
        "trigger_downstream:\n  stage: deploy\n  script:\n    - curl -X POST --fail -F token=⟪S:glptt⟫ -F ref=main https://gitlab.example.com/api/v4/projects/42/trigger/pipeline",
    ),
    C(
        "gitlab-ci-docker-login-literal",
        "ci",
        "build:\n  script:\n    - docker login -u ⟪user⟫ -p ⟪S:pw⟫ registry.gitlab.example.com\n    - docker build -t app .",
    ),
    C(
        "circleci-environment-codecov",
        "ci",
        "jobs:\n  test:\n    docker:\n      - image: cimg/python:3.12\n    environment:\n      CODECOV_TOKEN: ⟪S:uuid4⟫\n    steps:\n      - checkout",
    ),
    C(
        "jenkinsfile-curl-api-token",
        "ci",
        "stage('Trigger') {\n  steps {\n    sh \"curl -X POST -u ⟪user⟫:⟪S:jenkins_token⟫ https://jenkins.example.com/job/deploy/buildWithParameters?ENV=prod\"\n  }\n}",
    ),
    C(
        "jenkinsfile-environment-block",
        "ci",
        "pipeline {\n  agent any\n  environment {\n    SONAR_TOKEN = '⟪S:sonar⟫'\n    REGISTRY_PASS = '⟪S:pw⟫'\n  }\n}",
    ),
    # --- shell history ---
    C("zsh-history-export", "shell", ": ⟪epoch⟫:0;export DB_PASS='⟪S:pw⟫'\n: ⟪epoch#2⟫:0;./manage.py migrate"),
    C(
        "history-mysql-password-flag",
        "shell",
        "  312  mysql --host=⟪host⟫ --user=⟪user⟫ --password=⟪S:pw⟫ app\n  313  exit",
    ),
    # --- .env variants ---
    C(
        "dotenv-spaces-around-equals",
        "dotenv",
        "SMTP_HOST = smtp.example.com\nSMTP_USER = ⟪email⟫\nSMTP_PASS = ⟪S:pw⟫",
    ),
    C(
        "dotenv-redis-url-comment",
        "dotenv",
        "# cache\nREDIS_URL=redis://default:⟪S:pw_url⟫@⟪host⟫:6379/0 # managed instance",
    ),
    C(
        "dotenv-cat-output",
        "dotenv",
        "$ cat .env.local\nNEXT_PUBLIC_API_URL=https://api.example.com\nNEXTAUTH_SECRET=⟪S:wireguard_key⟫\nGITHUB_CLIENT_SECRET=⟪S:hex40⟫",
    ),
    # --- registries and database CLIs ---
    C(
        "docker-login-long-flags",
        "dbcli",
        bash("docker login --username=⟪user⟫ --password=⟪S:pw⟫ ghcr.io && docker push ghcr.io/⟪org⟫/app:latest"),
        "obj",
    ),
    C(
        "mysql-glued-p-db",
        "dbcli",
        "$ mysql -h⟪host⟫ -u⟪user⟫ -p⟪S:pw⟫ app\nmysql: [Warning] Using a password on the command line interface can be insecure.",
    ),
    C("pgpassword-pg-dump-quoted", "dbcli", "PGPASSWORD='⟪S:pw⟫' pg_dump -h ⟪host⟫ -U ⟪user⟫ -Fc app > app.dump"),
    C("redis-cli-pass-flag", "dbcli", "redis-cli --user ⟪user⟫ --pass ⟪S:pw⟫ -h ⟪host⟫ PING"),
    C(
        "mongosh-u-p-flags",
        "dbcli",
        "mongosh --host ⟪host⟫ -u admin -p ⟪S:pw⟫ --authenticationDatabase admin",
    ),
    C(
        "jdbc-sqlserver-semicolon",
        "dbcli",
        "jdbc:sqlserver://⟪host⟫:1433;databaseName=app;user=sa;password=⟪S:pw⟫;encrypt=true;trustServerCertificate=true",
    ),
    # --- cloud CLIs ---
    C(
        "aws-configure-set-pair",
        "cloudcli",
        bash(
            "aws configure set aws_access_key_id ⟪S:akid⟫ && aws configure set aws_secret_access_key ⟪S:aws_secret⟫ && aws s3 ls"
        ),
        "obj",
    ),
    C(
        "gcloud-key-write-tool",
        "cloudcli",
        write(
            "/tmp/gcp-key.json",
            '{\n  "type": "service_account",\n  "project_id": "⟪org⟫-dev",\n  "private_key": "⟪S:gcp_pem_escaped⟫",\n  "client_email": "builder@⟪org⟫-dev.iam.gserviceaccount.com"\n}',
        ),
        "obj",
    ),
    C("az-login-user-password", "cloudcli", "az login -u ⟪email⟫ -p ⟪S:pw⟫ --allow-no-subscriptions"),
    # --- provider tokens in code and logs ---
    C("stripe-node-require", "provider", "const stripe = require('stripe')('⟪S:stripe_live⟫');"),
    C(
        "twilio-auth-token-var",
        "provider",
        "account_sid = 'AC⟪hex32⟫'\nauth_token = '⟪S:hex32#2⟫'\nclient = Client(account_sid, auth_token)",
    ),
    C("sendgrid-client-code", "provider", "sg = SendGridAPIClient('⟪S:sendgrid⟫')\nresponse = sg.send(message)"),
    C("slack-app-token-log", "provider", "[socket-mode] connecting with app token ⟪S:slack_app⟫ (attempt 1)"),
    C(
        "discord-authorization-bot",
        "provider",
        "> GET /api/v10/users/@me HTTP/1.1\n> Authorization: Bot ⟪S:discord_bot⟫\n> User-Agent: DiscordBot (https://github.com/⟪org⟫/bot, 1.0)",
    ),
    C(
        "telegram-builder-token",
        "provider",
        'application = Application.builder().token("⟪S:telegram⟫").build()',
    ),
    # --- framework config ---
    C(
        "rails-credentials-nested",
        "framework",
        "$ EDITOR=cat bin/rails credentials:edit --environment production\nstripe:\n  secret_key: ⟪S:stripe_live⟫\nsmtp:\n  user_name: ⟪email⟫\n  password: ⟪S:pw⟫",
    ),
    C(
        "django-databases-dict",
        "framework",
        "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n        'NAME': 'app',\n        'USER': '⟪user⟫',\n        'PASSWORD': '⟪S:pw⟫',\n        'HOST': '⟪host⟫',\n    }\n}",
    ),
    C(
        "spring-application-yml",
        "framework",
        "spring:\n  datasource:\n    url: jdbc:mysql://⟪host⟫:3306/app\n    username: ⟪user⟫\n    password: ⟪S:pw⟫\n  security:\n    oauth2:\n      client:\n        registration:\n          google:\n            client-secret: ⟪S:gocspx⟫",
    ),
    # --- kubernetes ---
    C(
        "kubectl-set-credentials-token",
        "k8s",
        bash("kubectl config set-credentials ci --token=⟪S:k8s_sa_token⟫ && kubectl config use-context prod"),
        "obj",
    ),
    C(
        "kubeconfig-view-raw-json",
        "k8s",
        '{\n  "name": "admin",\n  "user": {\n    "client-certificate-data": "⟪cert_b64⟫",\n    "client-key-data": "⟪S:pem_b64⟫"\n  }\n}',
        "json",
    ),
    # --- vault ---
    C(
        "vault-export-token",
        "vault",
        'export VAULT_ADDR="https://vault.example.com"\nexport VAULT_TOKEN="⟪S:vault_hvs⟫"',
    ),
    C(
        "vault-approle-secret-id",
        "vault",
        "vault write auth/approle/login role_id=⟪uuid4⟫ secret_id=⟪S:uuid4#2⟫",
    ),
    # --- keys pasted in YAML ---
    C(
        "rsa-key-helm-values",
        "key",
        "git:\n  ssh:\n    privateKey: |\n      -----BEGIN RSA PRIVATE KEY-----\n⟪S:rsa_key_yaml⟫\n      -----END RSA PRIVATE KEY-----\n  knownHosts: github.com",
    ),
    # --- HTTP request dumps ---
    C(
        "http-rails-session-cookie",
        "http",
        "POST /orders HTTP/1.1\nHost: shop.example.com\nCookie: _shop_session=⟪S:rails_cookie⟫\nContent-Type: application/x-www-form-urlencoded",
    ),
    C(
        "http-set-cookie-sessionid",
        "http",
        "HTTP/1.1 302 Found\nLocation: /dashboard/\nSet-Cookie: sessionid=⟪S:mattermost⟫; expires=Tue, 18 Mar 2025 10:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax",
    ),
    # --- stack traces printing settings ---
    C(
        "node-axios-error-config",
        "trace",
        "AxiosError: Request failed with status code 401\n    at settle (node_modules/axios/lib/core/settle.js:19:12) {\n  config: {\n    url: '/v1/charges',\n    auth: { username: '⟪user⟫', password: '⟪S:pw⟫' },\n    method: 'post'\n  }\n}",
    ),
    C(
        "ruby-ar-config-inspect",
        "trace",
        'ActiveRecord::ConnectionNotEstablished: could not connect\n#<ActiveRecord::DatabaseConfigurations::HashConfig env_name="production", configuration_hash={:adapter=>"postgresql", :host=>"⟪host⟫", :username=>"⟪user⟫", :password=>"⟪S:pw⟫"}>',
    ),
    # --- JSON logs ---
    C(
        "json-log-nested-passwd",
        "log",
        '{"ts":"⟪isots⟫","event":"db.connect.failed","params":{"host":"⟪host⟫","user":"⟪user⟫","passwd":"⟪S:pw⟫"},"err":"timeout"}',
        "json",
    ),
    C(
        "json-log-api-key-header",
        "log",
        '{"level":30,"time":⟪epoch⟫000,"req":{"id":7,"method":"POST","headers":{"x-api-key":"⟪S:hex40⟫","content-type":"application/json"}},"msg":"request completed"}',
        "json",
    ),
    # --- SQL ---
    C(
        "mysql-alter-user-identified-with",
        "sql",
        "ALTER USER 'root'@'localhost' IDENTIFIED WITH mysql_native_password BY '⟪S:pw⟫';\nFLUSH PRIVILEGES;",
    ),
    C("mssql-create-login", "sql", "CREATE LOGIN ⟪user⟫ WITH PASSWORD = '⟪S:pw⟫', CHECK_POLICY = OFF;"),
    # --- prose in chat ---
    C("prose-en-root-now", "prose", "heads up: the root password on the bastion is now ⟪S:pw⟫"),
    C("prose-it-nuova", "prose", "ciao, la nuova password del db di produzione è ⟪S:pw⟫ (scade tra 30 giorni)"),
    C("prose-sv-tillfalligt", "prose", "Ditt tillfälliga lösenord är ⟪S:pw⟫, byt det när du loggar in."),
    C("prose-cs-heslo", "prose", "heslo k serveru je ⟪S:pw⟫"),
]

TUNE3_NEGATIVE: list[Case] = [
    C(
        "neg-gha-secrets-refs",
        "ci",
        "    env:\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n      DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n      GITHUB_TOKEN: ${{ github.token }}",
    ),
    C("neg-docker-password-stdin", "dbcli", 'echo "$CR_PAT" | docker login ghcr.io -u ⟪user⟫ --password-stdin'),
    C("neg-mysql-prompt", "dbcli", "mysql -h ⟪host⟫ -u ⟪user⟫ -p app"),
    C("neg-redis-cli-port", "dbcli", "redis-cli -h ⟪host⟫ -p 6380 ping"),
    C(
        "neg-kubeconfig-ca-data",
        "k8s",
        "clusters:\n- cluster:\n    certificate-authority-data: ⟪cert_b64⟫\n    server: https://⟪host⟫:6443\n  name: prod",
    ),
    C("neg-django-env-key", "framework", 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]'),
    C(
        "neg-json-log-redacted",
        "log",
        '{"level":"info","msg":"login ok","user":"⟪user⟫","password":"[REDACTED]","trace_id":"⟪hex32⟫"}',
        "json",
    ),
    C("neg-psql-variable-password", "sql", "CREATE USER app WITH PASSWORD :'app_password';"),
    C("neg-prose-en-where", "prose", 'the staging pw is in 1Password under "staging-db", ask ⟪user⟫'),
    C("neg-prose-it-where", "prose", "la password di staging è nel vault, chiedi a ⟪user⟫"),
    C("neg-vault-login-oidc", "vault", "vault login -method=oidc role=dev"),
]

HOLDOUT3_NEGATIVE: list[Case] = [
    C(
        "neg-gitlab-ci-predefined",
        "ci",
        "  script:\n    - docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY",
    ),
    C(
        "neg-jenkins-withcredentials-vars",
        "ci",
        "withCredentials([usernamePassword(credentialsId: 'db', usernameVariable: 'DB_USER', passwordVariable: 'DB_PASS')]) {\n  sh 'psql -U \"$DB_USER\" -c \"select 1\"'\n}",
    ),
    C("neg-pgpassfile", "dbcli", "PGPASSFILE=~/.pgpass psql -h ⟪host⟫ -U ⟪user⟫ app"),
    C("neg-psql-port", "dbcli", "psql -h ⟪host⟫ -p 5432 -U ⟪user⟫ -d app"),
    C(
        "neg-kubeconfig-exec",
        "k8s",
        'users:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: ["eks", "get-token", "--cluster-name", "prod"]',
    ),
    C("neg-cookie-prefs", "http", "Cookie: theme=dark; lang=en-US; _ga=GA1.2.⟪num⟫.⟪epoch⟫"),
    C("neg-aws-configure-region", "cloudcli", "aws configure set region ⟪region⟫ --profile ⟪org⟫"),
    C(
        "neg-gcloud-keys-list",
        "cloudcli",
        "$ gcloud iam service-accounts keys list --iam-account ci@⟪org⟫.iam.gserviceaccount.com\nKEY_ID                                    CREATED_AT            EXPIRES_AT\n⟪hex40⟫  ⟪isots⟫  9999-12-31T23:59:59Z",
    ),
    C("neg-spring-placeholder", "framework", "spring.datasource.password=${DB_PASSWORD}"),
    C("neg-prose-sv-where", "prose", "lösenordet finns i Bitwarden, fråga ⟪user⟫"),
    C("neg-settings-masked", "trace", "settings = {'host': 'db', 'password': '********', 'port': 5432}"),
    C("neg-alter-role-nologin", "sql", "ALTER ROLE ⟪user⟫ WITH NOLOGIN;"),
]
