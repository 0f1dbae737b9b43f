"""Values for the blind leak set (tests/leak_blind.py): fake secrets of each provider's real shape
and the ordinary words around them (users, hosts, dates).

Shapes are facts read from public secret-scanning rule sets (gitleaks' config/gitleaks.toml,
trufflehog's detectors) and from the providers' documentation: prefixes, lengths, alphabets. Every
value is random per seed and authenticates nothing; nothing here copies those projects' code. The
values exist only at run time, so the repository never holds a token-shaped string.

Written by a second author, without reading the round-1 corpus (tests/leak_formats.py).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable
from urllib.parse import quote

Gen = Callable[[random.Random], str]

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
BASE32_LOWER = LOWER + "234567"


def rs(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def mixed(r: random.Random, alphabet: str, n: int) -> str:
    """Random text that holds at least one upper, one lower letter and one digit when the alphabet
    has them (a real token of n >= 20 random characters nearly always does)."""
    while True:
        value = rs(r, alphabet, n)
        wants = [set(UPPER), set(LOWER), set(DIGITS)]
        if all(not (w & set(alphabet)) or (w & set(value)) for w in wants):
            return value


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def rbytes(r: random.Random, n: int) -> bytes:
    return bytes(r.getrandbits(8) for _ in range(n))


def uuid4(r: random.Random) -> str:
    h = rs(r, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{r.choice('89ab')}{h[17:20]}-{h[20:]}"


# --- ordinary words ------------------------------------------------------------------------------
USERS = ["alice", "deploy", "svc-ci", "admin", "jdoe", "ops", "build-bot", "mkowalski", "root", "app"]
ORGS = ["acme", "initech", "globex-eng", "umbrella-labs", "hooli", "vandelay"]
REPOS = ["billing-api", "infra", "web", "data-pipeline", "mobile-app", "terraform-live"]
HOSTS = ["db.internal", "10.0.3.12", "prod-db.example.com", "pg-primary.svc.cluster.local", "mysql-01.corp.example.net"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
WORDS = ["Falcon", "Summer", "Winter", "Dragon", "Kestrel", "Maple", "Orion", "Rocket", "Bluebird", "Tango"]
PHRASE = ["tidy", "lemon", "orbit", "canyon", "velvet", "copper", "mango", "harbor", "pixel", "saddle", "quartz"]


def user(r: random.Random) -> str:
    return r.choice(USERS)


def email(r: random.Random) -> str:
    return f"{r.choice(['ana', 'li.wei', 'sam', 'olga', 'tariq'])}@{r.choice(['example.com', 'acme.io'])}"


def org(r: random.Random) -> str:
    return r.choice(ORGS)


def repo(r: random.Random) -> str:
    return r.choice(REPOS)


def host(r: random.Random) -> str:
    return r.choice(HOSTS)


def region(r: random.Random) -> str:
    return r.choice(REGIONS)


def date(r: random.Random) -> str:
    return f"2025{r.randint(1, 12):02d}{r.randint(1, 28):02d}"


def isots(r: random.Random) -> str:
    return f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z"


def epoch(r: random.Random) -> str:
    return str(r.randint(1_735_000_000, 1_765_000_000))


def num(r: random.Random) -> str:
    return str(r.randint(2, 9999))


# --- passwords people choose ---------------------------------------------------------------------
SYMBOLS = "!@#%^*-_.+=~"


def pw(r: random.Random) -> str:
    """A password as people pick them, safe unquoted in a shell word, an env line or a config value
    (no quotes, spaces, $, &, ;, |, <, >, /, :, ?)."""
    kind = r.randrange(5)
    if kind == 0:
        return f"{r.choice(WORDS)}{r.randint(1, 2025)}{r.choice('!#@*.')}"
    if kind == 1:
        return mixed(r, ALNUM + SYMBOLS, r.randint(12, 22))
    if kind == 2:
        return "".join(r.choice(WORDS) for _ in range(2)) + r.choice(["!", "#1", "99", "_7"])
    if kind == 3:
        return f"{r.choice(PHRASE)}-{r.choice(PHRASE)}-{r.choice(PHRASE)}-{r.randint(10, 99)}"
    leet = r.choice(["P@ssw0rd", "S3cur3", "Adm1n", "Qwerty", "L3tM31n", "Welc0me"])
    return f"{leet}{r.choice(['-', '_', ''])}{r.choice(['Prod', 'Stg', 'DB', 'Vpn'])}{r.randint(1, 99)}{r.choice('!#')}"


def pw_url(r: random.Random) -> str:
    """A password that sits in a URL's user info without escaping."""
    kind = r.randrange(3)
    if kind == 0:
        return mixed(r, ALNUM + "-_.~", r.randint(12, 24))
    if kind == 1:
        return f"{r.choice(WORDS)}{r.randint(10, 2025)}{r.choice(['', '_', '.', '-x'])}"
    return f"{r.choice(PHRASE)}-{r.choice(PHRASE)}-{r.randint(100, 999)}"


def pw_any(r: random.Random) -> str:
    """A password with the characters that need quoting ($ & ; ? : /), used inside single quotes."""
    return mixed(r, ALNUM + "!@#$%^&*()-_=+[]{};:,.?/~", r.randint(14, 24))


def passphrase_spaces(r: random.Random) -> str:
    return " ".join(r.choice(PHRASE) for _ in range(4))


def gmail_app_password(r: random.Random) -> str:
    return " ".join(rs(r, LOWER, 4) for _ in range(4))


# --- provider shapes -----------------------------------------------------------------------------
def _pre(prefix: str, alphabet: str, n: int, mix: bool = True) -> Gen:
    return lambda r: prefix + (mixed(r, alphabet, n) if mix else rs(r, alphabet, n))


ghp = _pre("ghp_", ALNUM, 36)
gho = _pre("gho_", ALNUM, 36)
ghs = _pre("ghs_", ALNUM, 36)
glpat = _pre("glpat-", ALNUM + "-_", 20)
npm = _pre("npm_", ALNUM, 36)
dckr = _pre("dckr_pat_", ALNUM + "-_", 27)
hf = _pre("hf_", UPPER + LOWER, 34)
dapi = _pre("dapi", HEX, 32, mix=False)
dop = _pre("dop_v1_", HEX, 64, mix=False)
shpat = _pre("shpat_", HEX, 32, mix=False)
lin = _pre("lin_api_", ALNUM, 40)
pul = _pre("pul-", HEX, 40, mix=False)
doppler = _pre("dp.pt.", ALNUM, 43)
sentry_user = _pre("sntryu_", HEX, 64, mix=False)
rubygems = _pre("rubygems_", HEX, 48, mix=False)
cratesio = _pre("cio", ALNUM, 32)
nuget = _pre("oy2", LOWER + DIGITS, 43)
google_api = _pre("AIza", ALNUM + "-_", 35)
gocspx = _pre("GOCSPX-", ALNUM + "-_", 28)
ya29 = _pre("ya29.a0", ALNUM + "-_", 150)
twilio_sk = _pre("SK", HEX, 32, mix=False)
mailgun = _pre("key-", HEX, 32, mix=False)
nrak = _pre("NRAK-", UPPER + DIGITS, 27)
fly = _pre("fo1_", ALNUM + "-_", 43)
sbp = _pre("sbp_", HEX, 40, mix=False)
artifactory = _pre("AKCp", ALNUM, 69)
hex32 = _pre("", HEX, 32, mix=False)
hex40 = _pre("", HEX, 40, mix=False)
hex64 = _pre("", HEX, 64, mix=False)
azure_devops = _pre("", BASE32_LOWER, 52, mix=False)


def gh_fine(r: random.Random) -> str:
    return f"github_pat_11{mixed(r, UPPER + DIGITS, 20)}_{mixed(r, ALNUM, 59)}"


def akid(r: random.Random) -> str:
    return "AKIA" + rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def asia(r: random.Random) -> str:
    return "ASIA" + rs(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def aws_secret(r: random.Random) -> str:
    return mixed(r, B64, 40)


def aws_session(r: random.Random) -> str:
    return "IQoJb3JpZ2luX2Vj" + b64(rbytes(r, 420)).rstrip("=")


def stripe_live(r: random.Random) -> str:
    return f"{r.choice(['sk', 'rk'])}_live_51{mixed(r, ALNUM, 97)}"


def whsec(r: random.Random) -> str:
    return "whsec_" + mixed(r, ALNUM, 32)


def openai(r: random.Random) -> str:
    return f"sk-proj-{mixed(r, B64URL, 74)}T3BlbkFJ{mixed(r, B64URL, 74)}"


def anthropic(r: random.Random) -> str:
    return f"sk-ant-api03-{mixed(r, B64URL, 93)}AA"


def slack_bot(r: random.Random) -> str:
    return f"xoxb-{rs(r, DIGITS, 12)}-{rs(r, DIGITS, 13)}-{mixed(r, ALNUM, 24)}"


def slack_user(r: random.Random) -> str:
    return f"xoxp-{rs(r, DIGITS, 12)}-{rs(r, DIGITS, 12)}-{rs(r, DIGITS, 13)}-{rs(r, HEX, 32)}"


def sendgrid(r: random.Random) -> str:
    return f"SG.{mixed(r, B64URL, 22)}.{mixed(r, B64URL, 43)}"


def telegram(r: random.Random) -> str:
    return f"{r.randint(10**9, 8 * 10**9)}:AA{mixed(r, B64URL, 33)}"


def azure_client_secret(r: random.Random) -> str:
    return f"{mixed(r, ALNUM, 3)}{r.randint(0, 9)}Q~{mixed(r, ALNUM + '_~.-', 34)}"


def azure_storage_key(r: random.Random) -> str:
    return b64(rbytes(r, 64))


def tf_cloud(r: random.Random) -> str:
    return f"{mixed(r, ALNUM, 14)}.atlasv1.{mixed(r, ALNUM, 67)}"


def vault_hvs(r: random.Random) -> str:
    return "hvs.CAESI" + mixed(r, B64URL, 86)


def vault_legacy(r: random.Random) -> str:
    return "s." + mixed(r, ALNUM, 24)


def age_key(r: random.Random) -> str:
    return "AGE-SECRET-KEY-1" + rs(r, BECH32, 58)


def bitbucket_app(r: random.Random) -> str:
    return "ATBB" + mixed(r, ALNUM, 28) + rs(r, "0123456789ABCDEF", 8)


def grafana_sa(r: random.Random) -> str:
    return f"glsa_{mixed(r, ALNUM, 32)}_{rs(r, HEX, 8)}"


def tailscale(r: random.Random) -> str:
    return f"tskey-auth-k{mixed(r, ALNUM, 10)}CNTRL-{mixed(r, ALNUM, 33)}"


def ngrok(r: random.Random) -> str:
    return f"2{mixed(r, ALNUM, 26)}_{mixed(r, ALNUM, 21)}"


def okta(r: random.Random) -> str:
    return "00" + mixed(r, ALNUM + "-_", 40)


def google_refresh(r: random.Random) -> str:
    return "1//0" + mixed(r, B64URL, 99)


def django_key(r: random.Random) -> str:
    return rs(r, LOWER + DIGITS + "!@#%^*(-_=+)", 50)


def laravel_key(r: random.Random) -> str:
    return "base64:" + b64(rbytes(r, 32))


def wireguard_key(r: random.Random) -> str:
    return b64(rbytes(r, 32))


def hex_bytes_literal(r: random.Random) -> str:
    """A Python bytes literal of random bytes, as `os.urandom(16)` prints."""
    return repr(rbytes(r, 16))


def basic_auth(r: random.Random) -> str:
    return b64(f"{user(r)}:{pw(r)}".encode())


def docker_auth(r: random.Random) -> str:
    return b64(f"{user(r)}:{dckr(r)}".encode())


def jwt_hs(r: random.Random) -> str:
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = {"sub": uuid4(r), "email": email(r), "iat": int(epoch(r)), "exp": int(epoch(r)) + 3600}
    payload = b64url(json.dumps(body, separators=(",", ":")).encode())
    return f"{head}.{payload}.{b64url(rbytes(r, 32))}"


def k8s_sa_token(r: random.Random) -> str:
    head = b64url(json.dumps({"alg": "RS256", "kid": mixed(r, B64URL, 43)}, separators=(",", ":")).encode())
    name = r.choice(["deployer", "argocd-server", "default", "ci-runner"])
    ns = r.choice(["default", "kube-system", "ci", "prod"])
    body = {
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "exp": int(epoch(r)),
        "iat": int(epoch(r)) - 3600,
        "iss": "https://kubernetes.default.svc.cluster.local",
        "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": uuid4(r)}},
        "sub": f"system:serviceaccount:{ns}:{name}",
    }
    payload = b64url(json.dumps(body, separators=(",", ":")).encode())
    return f"{head}.{payload}.{b64url(rbytes(r, 256))}"


def k8s_token_b64(r: random.Random) -> str:
    """A service-account token as `kubectl get secret -o yaml` shows it: base64 of the JWT."""
    return b64(k8s_sa_token(r).encode())


def b64_password(r: random.Random) -> str:
    """A password as a Kubernetes Secret's data field holds it."""
    return b64(pw(r).encode())


def cloudflared_token(r: random.Random) -> str:
    body = {"a": rs(r, HEX, 32), "t": uuid4(r), "s": b64(rbytes(r, 32))}
    return b64(json.dumps(body, separators=(",", ":")).encode())


def onepassword_sa(r: random.Random) -> str:
    return "ops_eyJ" + mixed(r, B64, 300)


def slack_webhook(r: random.Random) -> str:
    return f"T{rs(r, UPPER + DIGITS, 9)}/B{rs(r, UPPER + DIGITS, 10)}/{mixed(r, ALNUM, 24)}"


def discord_webhook(r: random.Random) -> str:
    return f"{r.randint(10**17, 10**18 - 1)}/{mixed(r, B64URL, 68)}"


def teams_webhook(r: random.Random) -> str:
    return f"{uuid4(r)}@{uuid4(r)}/IncomingWebhook/{rs(r, HEX, 32)}/{uuid4(r)}/V2{mixed(r, B64URL, 43)}"


def sas_sig(r: random.Random) -> str:
    return quote(b64(rbytes(r, 32)), safe="")


def gcs_v2_sig(r: random.Random) -> str:
    return quote(b64(rbytes(r, 256)), safe="")


def hex512(r: random.Random) -> str:
    return rs(r, HEX, 512)


def cloudfront_sig(r: random.Random) -> str:
    return b64(rbytes(r, 128)).replace("+", "-").replace("=", "_").replace("/", "~")


def _wrap(body: str, width: int) -> str:
    return "\n".join(body[i : i + width] for i in range(0, len(body), width))


def openssh_key_body(r: random.Random) -> str:
    raw = b"openssh-key-v1\x00" + rbytes(r, 380)
    return _wrap(b64(raw), 70)


def rsa_key_body(r: random.Random) -> str:
    return _wrap("MIIEpAIBAAKCAQEA" + b64(rbytes(r, 1170)), 64)


def pkcs8_key_body(r: random.Random) -> str:
    return _wrap("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + b64(rbytes(r, 1180)), 64)


def pgp_key_body(r: random.Random) -> str:
    return _wrap("lQVYBGX" + b64(rbytes(r, 900)), 64)


def ppk_private(r: random.Random) -> str:
    return b64(rbytes(r, 48))


def openvpn_static(r: random.Random) -> str:
    return "\n".join(rs(r, HEX, 32) for _ in range(16))


def gcp_pem_escaped(r: random.Random) -> str:
    """The private_key of a service-account JSON file: a PEM with escaped newlines."""
    return "-----BEGIN PRIVATE KEY-----\\n" + pkcs8_key_body(r).replace("\n", "\\n") + "\\n-----END PRIVATE KEY-----\\n"


pypi = _pre("pypi-AgEIcHlwaS5vcmc", B64URL, 150)
cf40 = _pre("", ALNUM + "-_", 40)
session_id = _pre("", B64URL, 43)
mattermost = _pre("", LOWER + DIGITS, 26, mix=False)


def pkcs8_escaped(r: random.Random) -> str:
    """A PEM body with escaped newlines, as a service-account JSON file holds it."""
    return pkcs8_key_body(r).replace("\n", "\\n")


# --- shapes added for the third blind part (tests/leak_blind_cases3.py) --------------------------
def discord_bot(r: random.Random) -> str:
    """A Discord bot token: base64 of the bot's snowflake id, a timestamp part, an HMAC part."""
    snowflake = str(r.randint(10**17, 10**19 - 1)).encode()
    return f"{b64(snowflake).rstrip('=')}.{mixed(r, B64URL, 6)}.{mixed(r, B64URL, 38)}"


def slack_app(r: random.Random) -> str:
    return f"xapp-1-A{rs(r, UPPER + DIGITS, 10)}-{rs(r, DIGITS, 13)}-{rs(r, HEX, 64)}"


sonar = _pre("squ_", HEX, 40, mix=False)
glrt = _pre("glrt-", ALNUM + "-_", 20)
glptt = _pre("glptt-", HEX, 40, mix=False)
jenkins_token = _pre("11", HEX, 32, mix=False)


def _indent(body: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in body.split("\n"))


def openssh_key_yaml(r: random.Random) -> str:
    """An OpenSSH key body indented four spaces, as a YAML block scalar holds it."""
    return _indent(openssh_key_body(r), 4)


def rsa_key_yaml(r: random.Random) -> str:
    return _indent(rsa_key_body(r), 6)


def pem_b64(r: random.Random) -> str:
    """A kubeconfig's client-key-data: base64 of a whole RSA private-key PEM."""
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{rsa_key_body(r)}\n-----END RSA PRIVATE KEY-----\n"
    return b64(pem.encode())


def rails_cookie(r: random.Random) -> str:
    """A Rails encrypted session cookie: data--iv--tag, each base64, percent-encoded."""
    parts = (rbytes(r, 120), rbytes(r, 12), rbytes(r, 16))
    return "--".join(quote(b64(part), safe="") for part in parts)


# --- ordinary values that look random but are no secret -------------------------------------------
def b64user(r: random.Random) -> str:
    return b64(user(r).encode())


def age_pub(r: random.Random) -> str:
    return "age1" + rs(r, BECH32.lower(), 58)


def wg_pub(r: random.Random) -> str:
    return b64(rbytes(r, 32))


def sha(r: random.Random) -> str:
    return rs(r, HEX, 40)


def digest(r: random.Random) -> str:
    return "sha256:" + rs(r, HEX, 64)


def integrity(r: random.Random) -> str:
    return "sha512-" + b64(rbytes(r, 64))


def ssh_pub(r: random.Random) -> str:
    return "AAAAC3NzaC1lZDI1NTE5AAAAI" + b64(rbytes(r, 32)).rstrip("=")


def cert_body(r: random.Random) -> str:
    return _wrap("MIIDdzCCAl+gAwIBAgIE" + b64(rbytes(r, 800)), 64)


def sops_enc(r: random.Random) -> str:
    data = b64(rbytes(r, 18))
    return f"ENC[AES256_GCM,data:{data},iv:{b64(rbytes(r, 32))},tag:{b64(rbytes(r, 16))},type:str]"


def cert_b64(r: random.Random) -> str:
    """A kubeconfig's certificate-authority-data or client-certificate-data: base64 of a
    certificate PEM (public)."""
    pem = f"-----BEGIN CERTIFICATE-----\n{cert_body(r)}\n-----END CERTIFICATE-----\n"
    return b64(pem.encode())


def request_id(r: random.Random) -> str:
    return rs(r, UPPER + DIGITS, 16)


GENERATORS: dict[str, Gen] = {
    name: value
    for name, value in dict(globals()).items()
    if callable(value)
    and not name.startswith("_")
    and name not in {"rs", "mixed", "b64", "b64url", "rbytes", "quote", "Callable", "Gen"}
    and getattr(value, "__module__", __name__) == __name__
}


# --- what a leak check looks for ------------------------------------------------------------------
def _pem_core(value: str) -> str:
    """The key material of a whole PEM value: its armor lines are public and stay in place after
    redaction (-----BEGIN PRIVATE KEY-----\\n[REDACTED:private-key]\\n-----END ...)."""
    return re.sub(r"^(?:\\+n)+|(?:\\+n)+$", "", value.split("-----")[2].strip("\n"))


def _pem_b64_core(value: str) -> str:
    """The key material of base64 of a whole PEM: the encoded armor lines (the first 40 and last
    48 characters) read the same in a certificate's base64 (client-certificate-data) beside it."""
    return value[40:-48]


# A generator whose value holds public framing: the part of it a leak check looks for.
SECRET_CORE: dict[str, Callable[[str], str]] = {"gcp_pem_escaped": _pem_core, "pem_b64": _pem_b64_core}
