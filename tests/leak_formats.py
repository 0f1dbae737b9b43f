"""The formats of the leak corpus (tests/leak_corpus.py): how each kind of secret is shaped.

Facts taken from public secret-scanning rule sets (gitleaks' config/gitleaks.toml, trufflehog's
detectors): a literal prefix, a length, an alphabet; written here as generators of fake values.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from urllib.parse import quote

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
ALNUM = LOWER + UPPER + DIGITS
ALNUM_U = ALNUM + "_"
ALNUM_DU = ALNUM + "-_"
HEX = "0123456789abcdef"
UPPER_DIGITS = UPPER + DIGITS
LOWER_DIGITS = LOWER + DIGITS
B64 = ALNUM + "+/"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
PASSWORD_SYMBOLS = "!@#%^&*-_+=.~"
WORDS = (  # noqa: SIM905
    "amber falcon river copper maple orbit granite velvet harbor summit cobalt willow lantern meadow crimson "
    "tundra saffron glacier marble thistle juniper quartz ember hollow"
).split()


def rs(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def mixed(rng: random.Random, alphabet: str, n: int) -> str:
    """Random, but with at least one digit, one upper and one lower case letter when the alphabet has them."""
    while True:
        value = rs(rng, alphabet, n)
        if all(any(c in cls for c in value) for cls in (DIGITS, UPPER, LOWER) if any(c in alphabet for c in cls)):
            return value


def uuid(rng: random.Random) -> str:
    h = rs(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: random.Random) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {
        "sub": str(rng.randrange(10**6, 10**9)),
        "name": rng.choice(WORDS),
        "iat": rng.randrange(1_600_000_000, 1_800_000_000),
    }
    payload = b64url(json.dumps(claims).encode())
    return f"{header}.{payload}.{b64url(rng.randbytes(32))}"


def password(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return rng.choice(WORDS).capitalize() + str(rng.randrange(10, 9999)) + rng.choice("!@#%&*") + rng.choice(WORDS)
    if style == 1:
        return mixed(rng, ALNUM + PASSWORD_SYMBOLS, rng.randrange(12, 24))
    if style == 2:
        return "-".join(rng.sample(WORDS, 3)) + "-" + str(rng.randrange(10, 99))
    return mixed(rng, ALNUM, rng.randrange(10, 20))


def pem_body(rng: random.Random, lines: int) -> str:
    raw = base64.b64encode(rng.randbytes(48 * lines)).decode()
    return "\n".join(raw[i : i + 64] for i in range(0, len(raw), 64))


Gen = Callable[[random.Random], str]


def pre(prefix: str, alphabet: str, n: int) -> Gen:
    return lambda rng: prefix + mixed(rng, alphabet, n)


# --- token formats: secret by their shape, wherever they stand --------------------------------
TOKEN_FORMATS: dict[str, Gen] = {
    # cloud
    "aws-access-key-id": lambda r: r.choice(["AKIA", "ASIA"]) + rs(r, UPPER + "234567", 16),
    "aws-bedrock-key": pre("ABSK", B64, 132),
    "gcp-api-key": pre("AIza", ALNUM_DU, 35),
    "google-oauth-client-secret": pre("GOCSPX-", ALNUM_DU, 28),
    "google-oauth-access-token": pre("ya29.", ALNUM_DU, 120),
    "google-refresh-token": lambda r: "1//0" + mixed(r, ALNUM_DU, 98),
    "azure-ad-client-secret": lambda r: rs(r, ALNUM, 3) + r.choice(DIGITS) + "Q~" + mixed(r, ALNUM + "_~.-", 34),
    "alibaba-access-key-id": pre("LTAI", ALNUM, 20),
    "digitalocean-pat": pre("dop_v1_", HEX, 64),
    "digitalocean-refresh-token": pre("dor_v1_", HEX, 64),
    "heroku-api-key-v2": pre("HRKU-AA", ALNUM_DU, 58),
    "databricks-token": pre("dapi", HEX, 32),
    "cloudflare-origin-ca-key": lambda r: "v1.0-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 146),
    "flyio-token": pre("fo1_", ALNUM_DU, 43),
    "supabase-token": pre("sbp_", HEX, 40),
    "planetscale-password": pre("pscale_pw_", ALNUM_U, 43),
    "tailscale-key": lambda r: "tskey-auth-" + mixed(r, ALNUM, 17) + "-" + mixed(r, ALNUM, 33),
    "pulumi-token": pre("pul-", HEX, 40),
    "terraform-cloud-token": lambda r: mixed(r, ALNUM, 14) + ".atlasv1." + mixed(r, ALNUM_DU, 67),
    "openshift-token": pre("sha256~", ALNUM_DU, 43),
    "dynatrace-token": lambda r: "dt0c01." + rs(r, UPPER_DIGITS, 24) + "." + rs(r, UPPER_DIGITS, 64),
    "grafana-service-account-token": lambda r: "glsa_" + mixed(r, ALNUM, 32) + "_" + rs(r, HEX, 8),
    "newrelic-user-key": pre("NRAK-", UPPER_DIGITS, 27),
    "sentry-user-token": pre("sntryu_", HEX, 64),
    "docker-hub-pat": pre("dckr_pat_", ALNUM_DU, 27),
    # secret managers
    "vault-service-token": pre("hvs.", ALNUM_DU, 95),
    "vault-batch-token": pre("hvb.", ALNUM_DU, 140),
    "1password-service-token": lambda r: "ops_eyJ" + mixed(r, B64, 260),
    "1password-secret-key": lambda r: "-".join(
        ["A3", rs(r, UPPER_DIGITS, 6), rs(r, UPPER_DIGITS, 11), *(rs(r, UPPER_DIGITS, 5) for _ in range(3))]
    ),
    "doppler-token": pre("dp.pt.", ALNUM, 43),
    "age-secret-key": lambda r: "AGE-SECRET-KEY-1" + rs(r, BECH32, 58),
    # code hosting and registries
    "github-pat": pre("ghp_", ALNUM, 36),
    "github-oauth-token": pre("gho_", ALNUM, 36),
    "github-app-token": pre("ghs_", ALNUM, 36),
    "github-refresh-token": pre("ghr_", ALNUM, 36),
    "github-fine-grained-pat": lambda r: "github_pat_" + mixed(r, ALNUM, 22) + "_" + mixed(r, ALNUM, 59),
    "gitlab-pat": pre("glpat-", ALNUM_DU, 20),
    "gitlab-deploy-token": pre("gldt-", ALNUM_DU, 20),
    "gitlab-runner-token": pre("glrt-", ALNUM_DU, 20),
    "gitlab-oauth-secret": pre("gloas-", ALNUM_DU, 64),
    "bitbucket-app-password": pre("ATBB", ALNUM, 32),
    "atlassian-api-token": pre("ATATT3", ALNUM_DU + "=", 186),
    "npm-token": pre("npm_", ALNUM, 36),
    "pypi-token": pre("pypi-AgEIcHlwaS5vcmc", ALNUM_DU, 70),
    "rubygems-token": pre("rubygems_", HEX, 48),
    "nuget-api-key": pre("oy2", LOWER_DIGITS, 43),
    "clojars-token": pre("CLOJARS_", LOWER_DIGITS, 60),
    "postman-api-key": lambda r: "PMAK-" + rs(r, HEX, 24) + "-" + rs(r, HEX, 34),
    "linear-api-key": pre("lin_api_", ALNUM, 40),
    "notion-token": lambda r: "ntn_" + rs(r, DIGITS, 11) + mixed(r, ALNUM, 35),
    "figma-token": pre("figd_", ALNUM_DU, 40),
    # messaging and mail
    "slack-bot-token": lambda r: f"xoxb-{rs(r, DIGITS, 11)}-{rs(r, DIGITS, 13)}-{mixed(r, ALNUM, 24)}",
    "slack-user-token": lambda r: f"xoxp-{rs(r, DIGITS, 11)}-{rs(r, DIGITS, 11)}-{rs(r, DIGITS, 13)}-{rs(r, HEX, 32)}",
    "slack-app-token": lambda r: f"xapp-1-A{rs(r, UPPER_DIGITS, 10)}-{rs(r, DIGITS, 13)}-{rs(r, HEX, 64)}",
    "telegram-bot-token": lambda r: rs(r, DIGITS, 10) + ":AA" + mixed(r, ALNUM_DU, 33),
    "twilio-api-key": pre("SK", HEX, 32),
    "sendgrid-key": lambda r: "SG." + mixed(r, ALNUM_DU, 22) + "." + mixed(r, ALNUM_DU, 43),
    "mailgun-key": pre("key-", HEX, 32),
    "mailchimp-key": lambda r: rs(r, HEX, 32) + "-us" + str(r.randrange(1, 21)),
    "sendinblue-key": lambda r: "xkeysib-" + rs(r, HEX, 64) + "-" + mixed(r, ALNUM, 16),
    # payments and e-commerce
    "stripe-secret-key": lambda r: (
        r.choice(["sk_live_", "sk_test_", "rk_live_"]) + mixed(r, ALNUM, r.randrange(24, 99))
    ),
    "stripe-webhook-secret": pre("whsec_", ALNUM, 32),
    "square-access-token": pre("EAAA", ALNUM_DU, 60),
    "square-oauth-secret": pre("sq0csp-", ALNUM_DU, 43),
    "braintree-access-token": lambda r: "access_token$production$" + rs(r, LOWER_DIGITS, 16) + "$" + rs(r, HEX, 32),
    "razorpay-key": pre("rzp_live_", ALNUM, 14),
    "flutterwave-secret-key": lambda r: "FLWSECK-" + rs(r, HEX, 32) + "-X",
    "shippo-token": pre("shippo_live_", HEX, 40),
    "easypost-key": pre("EZAK", ALNUM, 54),
    "duffel-token": pre("duffel_live_", ALNUM_DU, 43),
    "plaid-access-token": lambda r: "access-production-" + uuid(r),
    "shopify-access-token": lambda r: r.choice(["shpat_", "shpca_", "shppa_"]) + rs(r, HEX, 32),
    "shopify-shared-secret": pre("shpss_", HEX, 32),
    "woocommerce-secret": lambda r: r.choice(["cs_", "ck_"]) + rs(r, HEX, 40),
    # AI providers
    "openai-project-key": lambda r: "sk-proj-" + mixed(r, ALNUM_DU, 74) + "T3BlbkFJ" + mixed(r, ALNUM_DU, 74),
    "openai-legacy-key": lambda r: "sk-" + mixed(r, ALNUM, 20) + "T3BlbkFJ" + mixed(r, ALNUM, 20),
    "anthropic-key": lambda r: "sk-ant-api03-" + mixed(r, ALNUM_DU, 93) + "AA",
    "openrouter-key": pre("sk-or-v1-", HEX, 64),
    "groq-key": pre("gsk_", ALNUM, 52),
    "replicate-token": pre("r8_", ALNUM, 37),
    "huggingface-token": pre("hf_", LOWER + UPPER, 34),
    "perplexity-key": pre("pplx-", ALNUM, 48),
    "langsmith-key": lambda r: "lsv2_pt_" + rs(r, HEX, 32) + "_" + rs(r, HEX, 10),
    "pinecone-key": lambda r: "pcsk_" + mixed(r, ALNUM, 6) + "_" + mixed(r, ALNUM, 63),
    "jwt": jwt,
}

# --- generic secrets: no shape of their own; the context says what they are ------------------
# format -> (value generator, names a key/variable of this kind takes, prose noun)
GENERIC_FORMATS: dict[str, tuple[Gen, tuple[str, ...], str]] = {
    "password": (password, ("DB_PASSWORD", "password", "adminPassword", "SMTP_PASS", "db_pass"), "password"),
    "aws-secret-access-key": (
        lambda r: mixed(r, B64, 40),
        ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", "SecretAccessKey", "secretKey"),
        "AWS secret key",
    ),
    "hex-api-key": (
        lambda r: rs(r, HEX, r.choice([32, 40, 64])),
        ("DATADOG_API_KEY", "api_key", "apiKey", "SENTRY_AUTH_TOKEN", "x-api-key"),
        "API key",
    ),
    "uuid-api-key": (uuid, ("HEROKU_API_KEY", "api_key", "POSTMARK_SERVER_TOKEN", "accessKey"), "API key"),
    "private-key-id": (lambda r: rs(r, HEX, 40), ("private_key_id", "PRIVATE_KEY_ID"), "private key id"),
    "oauth-client-secret": (
        lambda r: mixed(r, ALNUM_DU, r.randrange(24, 48)),
        ("client_secret", "GITHUB_CLIENT_SECRET", "clientSecret", "OAUTH_CLIENT_SECRET"),
        "client secret",
    ),
    "refresh-token": (
        lambda r: mixed(r, ALNUM_DU + ".", r.randrange(40, 120)),
        ("refresh_token", "REFRESH_TOKEN", "refreshToken"),
        "refresh token",
    ),
    "session-secret": (
        lambda r: mixed(r, ALNUM + "!@#%^&*()-_=+", 50),
        ("SECRET_KEY", "SESSION_SECRET", "secret_key_base", "JWT_SECRET"),
        "secret key",
    ),
    "basic-auth": (
        lambda r: base64.b64encode(f"{r.choice(WORDS)}:{password(r)}".encode()).decode(),
        ("auth", "_auth", "BASIC_AUTH"),
        "auth string",
    ),
}

# --- command lines that carry a secret as an argument ------------------------------------------
Cmd = Callable[[random.Random, str], str]  # (rng, secret) -> command line


def url_password(rng: random.Random) -> str:
    """A password as it stands in a URL: percent-encoded."""
    return quote(password(rng), safe="")


def _tok(r: random.Random) -> str:
    return mixed(r, ALNUM, r.randrange(24, 44))


# format -> (secret generator, command template)
COMMAND_FORMATS: dict[str, tuple[Gen, Cmd]] = {
    "docker-login-p": (password, lambda r, s: f"docker login -u deploy -p {s} registry.acme.io"),
    "docker-login-password": (password, lambda r, s: f"docker login --username ci --password '{s}' ghcr.io"),
    "mysql-p": (password, lambda r, s: f"mysql -h db.internal -u root -p{s} shop < dump.sql"),
    "pgpassword-env": (password, lambda r, s: f"PGPASSWORD={s} psql -h localhost -U app -d app -c 'select 1'"),
    "redis-cli-a": (password, lambda r, s: f"redis-cli -h cache.internal -a {s} ping"),
    "sshpass-p": (password, lambda r, s: f"sshpass -p '{s}' ssh deploy@10.0.0.7 'systemctl restart app'"),
    "curl-u": (password, lambda r, s: f"curl -fsS -u admin:{s} https://jenkins.acme.io/api/json"),
    "npm-config-authtoken": (_tok, lambda r, s: f"npm config set //registry.acme.io/:_authToken {s}"),
    "npm-config-authtoken-eq": (_tok, lambda r, s: f"npm config set '//npm.pkg.acme.dev/:_authToken={s}'"),
    "yarn-config-token": (_tok, lambda r, s: f"yarn config set npmAuthToken {s}"),
    "gh-auth-with-token": (_tok, lambda r, s: f"echo {s} | gh auth login --with-token"),
    "vercel-login-token": (_tok, lambda r, s: f"vercel login {s}"),
    "vercel-token-flag": (_tok, lambda r, s: f"npx vercel deploy --prod --token={s}"),
    "cli-short-t": (_tok, lambda r, s: f"netlify deploy --prod -t {s}"),
    "heroku-config-set": (password, lambda r, s: f"heroku config:set DATABASE_PASSWORD={s} -a acme-api"),
    "git-config-insteadof": (
        _tok,
        lambda r, s: f'git config --global url."https://ci:{s}@git.acme.io/".insteadOf "https://git.acme.io/"',
    ),
    "git-config-extraheader": (
        _tok,
        lambda r, s: f'git config http.extraHeader "Authorization: Bearer {s}"',
    ),
    "aws-configure-set": (
        lambda r: mixed(r, B64, 40),
        lambda r, s: f"aws configure set aws_secret_access_key {s} --profile staging",
    ),
    "poetry-config-token": (_tok, lambda r, s: f"poetry config pypi-token.private {s}"),
    "gh-secret-set-body": (password, lambda r, s: f"gh secret set DB_PASSWORD --body '{s}' --repo acme/api"),
    "kubectl-from-literal": (
        password,
        lambda r, s: f"kubectl create secret generic db-creds --from-literal=password={s} -n prod",
    ),
    "openssl-passin": (password, lambda r, s: f"openssl rsa -in server.key -out plain.key -passin pass:{s}"),
    "az-login-sp": (
        lambda r: mixed(r, ALNUM + "~._-", 40),
        lambda r, s: f"az login --service-principal -u {uuid(r)} -p {s} --tenant {uuid(r)}",
    ),
    "twine-upload-p": (password, lambda r, s: f"twine upload -u deploy -p {s} dist/*"),
}

# --- connection strings -------------------------------------------------------------------------
CONNECTION_FORMATS: dict[str, tuple[Gen, Cmd]] = {
    "odbc-pwd": (
        password,
        lambda r, s: (
            f"Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:db.acme.io,1433;Uid=app;Pwd={s};Encrypt=yes;"
        ),
    ),
    "ado-password": (password, lambda r, s: f"Server=db.acme.io;Database=Shop;User Id=shop_app;Password={s};"),
    "jdbc-password-param": (
        url_password,
        lambda r, s: f"jdbc:postgresql://db.acme.io:5432/shop?user=app&password={s}&ssl=true",
    ),
    "postgres-url": (url_password, lambda r, s: f"postgres://app:{s}@db.acme.io:5432/shop"),
    "mongodb-srv": (
        url_password,
        lambda r, s: f"mongodb+srv://admin:{s}@cluster0.ab1cd.mongodb.net/shop?retryWrites=true",
    ),
    "redis-url": (url_password, lambda r, s: f"redis://:{s}@cache.acme.io:6379/0"),
    "amqp-url": (url_password, lambda r, s: f"amqp://worker:{s}@mq.acme.io:5672/vhost"),
    "url-pass-param": (url_password, lambda r, s: f"https://ftp.acme.io/login?user=ops&pass={s}"),
    "url-token-param": (_tok, lambda r, s: f"https://api.acme.io/v2/export?format=csv&access_token={s}"),
    "azure-storage-conn": (
        lambda r: base64.b64encode(r.randbytes(64)).decode(),
        lambda r, s: (
            f"DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey={s};EndpointSuffix=core.windows.net"
        ),
    ),
    "azure-sas-url": (
        lambda r: b64url(r.randbytes(32)) + "%3D",
        lambda r, s: f"https://acmestore.blob.core.windows.net/c/f.zip?sv=2022-11-02&se=2030-01-01&sp=r&sig={s}",
    ),
    "slack-webhook-url": (
        lambda r: f"T{rs(r, UPPER_DIGITS, 8)}/B{rs(r, UPPER_DIGITS, 8)}/{mixed(r, ALNUM, 24)}",
        lambda r, s: f"https://hooks.slack.com/services/{s}",
    ),
    "discord-webhook-url": (
        lambda r: rs(r, DIGITS, 18) + "/" + mixed(r, ALNUM_DU, 68),
        lambda r, s: f"https://discord.com/api/webhooks/{s}",
    ),
    "git-remote-token": (_tok, lambda r, s: f"https://oauth2:{s}@gitlab.acme.io/platform/api.git"),
}


# --- credential files ---------------------------------------------------------------------------
def _file_env(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    pw, key, tok = password(r), mixed(r, B64, 40), pre("ghp_", ALNUM, 36)(r)
    text = (
        f"NODE_ENV=production\nPORT=8080\nDATABASE_PASSWORD={pw}\n"
        f"AWS_ACCESS_KEY_ID={'AKIA' + rs(r, UPPER_DIGITS, 16)}\nAWS_SECRET_ACCESS_KEY={key}\nGITHUB_TOKEN={tok}\n"
    )
    return ".env", text, (pw, key, tok)


def _file_npmrc(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    tok, auth = _tok(r), base64.b64encode(f"ci:{password(r)}".encode()).decode()
    text = f"registry=https://registry.npmjs.org/\n//npm.acme.io/:_authToken={tok}\n//legacy.acme.io/:_auth={auth}\nalways-auth=true\n"
    return ".npmrc", text, (tok, auth)


def _file_pypirc(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    pw = password(r)
    text = f"[distutils]\nindex-servers =\n    private\n\n[private]\nrepository = https://pypi.acme.io/\nusername = deploy\npassword = {pw}\n"  # noqa: E501
    return ".pypirc", text, (pw,)


def _file_netrc(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    pw, pw2 = password(r), _tok(r)
    text = f"machine git.acme.io\n  login deploy\n  password {pw}\nmachine api.heroku.com login ops@acme.io password {pw2}\n"  # noqa: E501
    return ".netrc", text, (pw, pw2)


def _file_aws(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    kid, key, tok = "AKIA" + rs(r, UPPER_DIGITS, 16), mixed(r, B64, 40), mixed(r, B64, 200)
    text = (
        f"[default]\naws_access_key_id = {kid}\naws_secret_access_key = {key}\n\n"
        f"[sso]\naws_access_key_id = ASIA{rs(r, UPPER_DIGITS, 16)}\naws_secret_access_key = {key[::-1]}\n"
        f"aws_session_token = {tok}\nregion = eu-west-1\n"
    )
    return "credentials", text, (kid, key, key[::-1], tok)


def _file_service_account(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    kid, body = rs(r, HEX, 40), pem_body(r, 12)
    pem = "-----BEGIN " + "PRIVATE KEY-----\n" + body + "\n-----END " + "PRIVATE KEY-----\n"
    doc = {
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": kid,
        "private_key": pem,
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "client_id": rs(r, DIGITS, 21),
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return "service-account.json", json.dumps(doc, indent=2), (kid, *body.split("\n"))


def _file_kubeconfig(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    tok, keydata = jwt(r), base64.b64encode(r.randbytes(120)).decode()
    text = (
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://k8s.acme.io:6443\n  name: prod\n"
        f"users:\n- name: admin\n  user:\n    token: {tok}\n- name: ops\n  user:\n    client-key-data: {keydata}\n"
    )
    return "kubeconfig", text, (tok, keydata)


def _file_docker_config(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    auth = base64.b64encode(f"ci:{password(r)}".encode()).decode()
    doc = {"auths": {"registry.acme.io": {"auth": auth}}, "credsStore": "desktop"}
    return "config.json", json.dumps(doc, indent=2), (auth,)


def _file_pem(kind: str) -> Callable[[random.Random], tuple[str, str, tuple[str, ...]]]:
    def build(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
        body = pem_body(r, 10)
        text = f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"
        return "key.pem", text, tuple(line for line in body.split("\n") if len(line) >= 16)

    return build


def _file_git_credentials(r: random.Random) -> tuple[str, str, tuple[str, ...]]:
    tok = pre("glpat-", ALNUM_DU, 20)(r)
    pw = url_password(r)  # git stores credentials percent-encoded
    return ".git-credentials", f"https://deploy:{tok}@gitlab.acme.io\nhttps://ops:{pw}@bitbucket.org\n", (tok, pw)


FILE_FORMATS: dict[str, Callable[[random.Random], tuple[str, str, tuple[str, ...]]]] = {
    "dotenv": _file_env,
    "npmrc": _file_npmrc,
    "pypirc": _file_pypirc,
    "netrc": _file_netrc,
    "aws-credentials": _file_aws,
    "gcp-service-account": _file_service_account,
    "kubeconfig": _file_kubeconfig,
    "docker-config": _file_docker_config,
    "pem-rsa": _file_pem("RSA " + "PRIVATE KEY"),
    "pem-openssh": _file_pem("OPENSSH " + "PRIVATE KEY"),
    "pem-ec": _file_pem("EC " + "PRIVATE KEY"),
    "pgp-private-key": _file_pem("PGP " + "PRIVATE KEY BLOCK"),
    "git-credentials": _file_git_credentials,
}
