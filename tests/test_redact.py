"""Tests for nevo.redact: a corpus of realistic leaks, a corpus that must not change, properties.

Test secrets are assembled by concatenation so this file never holds a literal that a push
protection scanner would take for a live credential.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.redact import Finding, find_secrets, redact, redact_obj

# --- fake secrets, realistic shapes -----------------------------------------------------------
AWS_KEY_ID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
AWS_STS_KEY_ID = "ASIA" + "QWERTYUIOP" + "123456"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
GHO = "gho_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa"
GHS = "ghs_" + "16C7e42F292c6912E7710c838347Ae178B4a"
GH_PAT = "github_pat_" + "11ABCDEFG0aBcDeFgHiJkL_" + "mNoPqRsTuVwXyZ0123456789abcdefGHIJ"
GLPAT = "glpat-" + "xYz12AbC34dEf56GhI78"
SLACK_BOT = "xoxb-" + "1234567890-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_HOOK_PATH = "T0000AAAA/B0000BBBB/" + "XXXXXXXXXXXXXXXXXXXXXXXX"
STRIPE_LIVE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_RESTRICTED = "rk_" + "live_" + "51H8abcDEF0123456789xyz"
STRIPE_TEST = "sk_" + "test_" + "BQokikJOvBiI2HlWgH4olfQ2"
OPENAI = "sk-" + "proj-" + "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7_aB-c"
OPENAI_LEGACY = "sk-" + "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7" + "Qr9St1Uv3Wx5Yz7aB2cD4eF6"
ANTHROPIC = "sk-" + "ant-api03-" + "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7-AbCdEfAA"
NPM = "npm_" + "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5"
PYPI = "pypi-" + "AgEIcHlwaS5vcmc" + "CJDYzN2E3YjQ0LWU4ZDYtNGQ5Ni1hNTI2LTRlYmE0ZjgzYjNlOQ"
SENDGRID = "SG." + "ngeVfQFYQlKU0ufo8x5d1A" + "." + "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"
TWILIO_SK = "SK" + "0123456789abcdef0123456789abcdef"
GOOGLE_OAUTH = "ya29." + "a0AfH6SMBx3Ab5Cd7Ef9Gh1Ij3Kl5Mn7"
GCP_KEY = "AIza" + "SyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tUvW"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu" + "FDnmSjoSoEvW4UCcuGqqPRtwg1Sd9iKyA=="
PEM_BODY = (
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo"
)
PASSWORD = "hunter2-" + "Pa55w0rd!"

BEGIN = "-----BEGIN "
END = "-----END "


@dataclass(frozen=True)
class Leak:
    name: str
    text: str
    secrets: tuple[str, ...]  # none of these may survive
    kept: tuple[str, ...] = ()  # all of these must survive


LEAKS: list[Leak] = [
    # --- shell output and env dumps
    Leak(
        "env dump",
        f"HOME=/root\nAWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\nPWD=/work\n",
        (AWS_KEY_ID, AWS_SECRET),
        ("HOME=/root", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "PWD=/work"),
    ),
    Leak("export line", f"export GITHUB_TOKEN={GHP}", (GHP,), ("export GITHUB_TOKEN=",)),
    Leak(
        "aws credentials file",
        f"[default]\naws_access_key_id = {AWS_KEY_ID}\n"
        f"aws_secret_access_key = {AWS_SECRET}\nregion = eu-west-1",
        (AWS_KEY_ID, AWS_SECRET),
        ("[default]", "aws_secret_access_key = ", "region = eu-west-1"),
    ),
    Leak(
        "aws sts json",
        json.dumps({"Credentials": {"AccessKeyId": AWS_STS_KEY_ID, "SecretAccessKey": AWS_SECRET}}),
        (AWS_STS_KEY_ID, AWS_SECRET),
        ('"SecretAccessKey": "', "Credentials"),
    ),
    Leak(
        "aws key id in prose",
        f"Error: the key {AWS_KEY_ID} is not authorized to perform s3:GetObject",
        (AWS_KEY_ID,),
        ("Error: the key ", " is not authorized to perform s3:GetObject"),
    ),
    Leak(
        ".env file", f"DB_HOST=db\nDB_PASSWORD={PASSWORD}\nDEBUG=1\n", (PASSWORD,), ("DB_HOST=db", "DEBUG=1")
    ),
    Leak(
        ".env quoted with spaces",
        'SMTP_PASSWORD="correct horse battery staple"\nSMTP_USER=me',
        ("correct horse", "battery staple"),
        ("SMTP_PASSWORD=", "SMTP_USER=me"),
    ),
    Leak(
        "env with comment", "API_KEY=abc123def456 # prod key\n", ("abc123def456",), ("API_KEY=", "# prod key")
    ),
    Leak("shell inline env", f"PGPASSWORD={PASSWORD} psql -h db -U app", (PASSWORD,), ("psql -h db -U app",)),
    Leak(
        "mysql -p", f"$ mysql -h db -u root -p{PASSWORD} app", (PASSWORD,), ("mysql -h db -u root -p", " app")
    ),
    Leak(
        "mysql -p quoted", "mysqldump -u root -p'S3cr3t pass' app > dump.sql", ("S3cr3t pass",), ("dump.sql",)
    ),
    Leak("--password=", f"pg_restore --password={PASSWORD} dump", (PASSWORD,), ("--password=", "dump")),
    Leak(
        "--password value",
        f"vault login --password {PASSWORD} -method=userpass",
        (PASSWORD,),
        ("vault login",),
    ),
    Leak("--token value", f"gh auth login --token {GHO}", (GHO,), ("gh auth login --token ",)),
    Leak(
        "--api-key quoted",
        "tool --api-key 'k3y-9f8e7d6c5b4a' run",
        ("k3y-9f8e7d6c5b4a",),
        ("tool --api-key", "run"),
    ),
    Leak(
        "docker login",
        f"$ docker login -u ci-bot -p {PASSWORD} registry.example.com\nLogin Succeeded",
        (PASSWORD,),
        ("docker login -u ci-bot -p ", "registry.example.com", "Login Succeeded"),
    ),
    Leak(
        "curl -u user:password",
        "curl -sS -u admin:S3cr3t-Pw https://jenkins.example.com/api/json",
        ("S3cr3t-Pw",),
        ("curl -sS -u admin:", "https://jenkins.example.com/api/json"),
    ),
    Leak("sshpass", f"sshpass -p {PASSWORD} ssh deploy@host", (PASSWORD,), ("ssh deploy@host",)),
    # --- git
    Leak(
        "git remote -v",
        f"origin\thttps://x-access-token:{GHS}@github.com/acme/app.git (fetch)\n"
        f"origin\thttps://x-access-token:{GHS}@github.com/acme/app.git (push)",
        (GHS,),
        ("https://x-access-token:", "@github.com/acme/app.git (fetch)"),
    ),
    Leak(
        "git clone gitlab oauth2",
        f"git clone https://oauth2:{GLPAT}@gitlab.com/x.git",
        (GLPAT,),
        ("git clone https://oauth2:", "@gitlab.com/x.git"),
    ),
    Leak(
        "git clone url password",
        "fatal: unable to access 'https://bob:pl4inPass@git.example.com/r.git/': 403",
        ("pl4inPass",),
        ("https://bob:[REDACTED:url-password]@git.example.com/r.git/",),
    ),
    Leak("github pat", f"token: {GH_PAT}", (GH_PAT,), ("token: ",)),
    Leak(
        "git credential store",
        f"https://jane:{GHP}@github.com\n",
        (GHP,),
        ("https://jane:", "@github.com"),
    ),
    # --- curl -v and HTTP headers
    Leak(
        "curl -v bearer",
        f"> GET /v1/models HTTP/2\n> Host: api.openai.com\n> Authorization: Bearer {OPENAI}\n> Accept: */*\n",
        (OPENAI,),
        ("> Authorization: Bearer ", "> Host: api.openai.com", "> Accept: */*"),
    ),
    Leak(
        "curl -H token",
        f'curl -H "Authorization: token {GHP}" https://api.github.com/user',
        (GHP,),
        ('curl -H "Authorization: token ', '" https://api.github.com/user'),
    ),
    Leak(
        "basic auth header",
        "Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==\nContent-Type: application/json",
        ("dXNlcjpwYXNzd29yZDEyMw==",),
        ("Authorization: Basic ", "Content-Type: application/json"),
    ),
    Leak(
        "x-api-key header",
        "x-api-key: 7f3c9a1b2d4e6f8a0b1c2d3e\nanthropic-version: 2023-06-01",
        ("7f3c9a1b2d4e6f8a0b1c2d3e",),
        ("x-api-key: ", "anthropic-version: 2023-06-01"),
    ),
    Leak("anthropic key header", f"X-Api-Key: {ANTHROPIC}", (ANTHROPIC,), ("X-Api-Key: ",)),
    Leak("raw authorization", "Authorization: 4f2a9c8e7d6b5a4f3e2d1c0b", ("4f2a9c8e7d6b5a4f3e2d1c0b",), ()),
    Leak("x-auth-token", "X-Auth-Token: abcdef0123456789", ("abcdef0123456789",), ("X-Auth-Token: ",)),
    Leak(
        "query string token",
        "GET /callback?state=xyz&access_token=Zm9vYmFyYmF6&x=1",
        ("Zm9vYmFyYmF6",),
        ("&x=1",),
    ),
    Leak(
        "google oauth", f"access token {GOOGLE_OAUTH} expires in 3599", (GOOGLE_OAUTH,), ("expires in 3599",)
    ),
    Leak(
        "jwt in log",
        f"2024-05-01 INFO session cookie={JWT} user=42",
        (JWT, JWT.split(".")[2]),
        ("INFO session cookie=", " user=42"),
    ),
    # --- tracebacks, DSNs, pytest
    Leak(
        "python traceback dsn",
        'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n'
        "sqlalchemy.exc.OperationalError: could not connect to "
        f"postgresql://app:{PASSWORD}@db.internal:5432/app",
        (PASSWORD,),
        ('File "app.py", line 3', "postgresql://app:", "@db.internal:5432/app"),
    ),
    Leak(
        "redis url no user", "REDIS_URL=redis://:r3disPass@cache:6379/0", ("r3disPass",), ("@cache:6379/0",)
    ),
    Leak(
        "mongodb srv", "mongodb+srv://admin:M0ngoPass@cluster0.x.mongodb.net/db", ("M0ngoPass",), ("admin:",)
    ),
    Leak(
        "pytest settings dump",
        "E       AssertionError: assert Settings(debug=True, secret_key='dj4ng0-s3cr3t-k3y', "
        "database_url='sqlite://') == None\nFAILED tests/test_settings.py::test_load - AssertionError",
        ("dj4ng0-s3cr3t-k3y",),
        ("secret_key=", "debug=True", "FAILED tests/test_settings.py::test_load"),
    ),
    Leak(
        "python repr dict",
        "{'user': 'app', 'password': 'p@ss w0rd', 'host': 'db'}",
        ("p@ss w0rd",),
        ("'user': 'app'", "'host': 'db'"),
    ),
    Leak("python kwargs", "connect(host='db', passwd=\"S3cret!\", port=5432)", ("S3cret!",), ("port=5432",)),
    # --- JSON / YAML / config files
    Leak(
        "json config",
        json.dumps({"db": {"user": "app", "password": PASSWORD}, "max_tokens": 1024}, indent=2),
        (PASSWORD,),
        ('"max_tokens": 1024', '"user": "app"'),
    ),
    Leak(
        "json client secret",
        '{"client_id": "1234.apps.googleusercontent.com", "client_secret": "GOCSPX-abc123XYZ"}',
        ("GOCSPX-abc123XYZ",),
        ("1234.apps.googleusercontent.com",),
    ),
    Leak(
        "gcp service account",
        json.dumps(
            {
                "type": "service_account",
                "private_key_id": "0123456789abcdef0123456789abcdef01234567",
                "private_key": f"{BEGIN}PRIVATE KEY-----\n{PEM_BODY}\n{END}PRIVATE KEY-----\n",
                "client_email": "bot@proj.iam.gserviceaccount.com",
            }
        ),
        (PEM_BODY[:64], PEM_BODY.split("\n")[1]),
        ('"type": "service_account"', "bot@proj.iam.gserviceaccount.com"),
    ),
    Leak("gcp api key", f"GOOGLE_MAPS_URL=https://maps.googleapis.com/x?key={GCP_KEY}", (GCP_KEY,), ()),
    Leak(
        "yaml config",
        f"database:\n  host: db\n  password: {PASSWORD}\n  pool: 5\n",
        (PASSWORD,),
        ("database:", "host: db", "pool: 5"),
    ),
    Leak(
        "docker compose env",
        "services:\n  db:\n    environment:\n"
        "      - POSTGRES_PASSWORD=pg_pass_123\n      - POSTGRES_DB=app\n",
        ("pg_pass_123",),
        ("POSTGRES_DB=app",),
    ),
    Leak(
        "github actions yaml",
        f"    env:\n      NPM_TOKEN: {NPM}\n      NODE_ENV: production",
        (NPM,),
        ("NODE_ENV: production",),
    ),
    Leak(
        ".npmrc",
        f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={NPM}\n",
        (NPM,),
        ("//registry.npmjs.org/:_authToken=", "registry=https://registry.npmjs.org/"),
    ),
    Leak(
        ".npmrc legacy auth",
        "//npm.pkg.github.com/:_auth=Ym9iOnNlY3JldA==\nalways-auth=true",
        ("Ym9iOnNlY3JldA==",),
        ("always-auth=true",),
    ),
    Leak(
        "docker config.json",
        '{"auths": {"registry.example.com": {"auth": "Y2ktYm90OnMzY3IzdA=="}}}',
        ("Y2ktYm90OnMzY3IzdA==",),
        ("registry.example.com",),
    ),
    Leak(
        ".pypirc",
        f"[pypi]\nusername = __token__\npassword = {PYPI}\n",
        (PYPI,),
        ("username = __token__",),
    ),
    Leak("pypi token in twine", f"twine upload -u __token__ -p {PYPI} dist/*", (PYPI,), ("dist/*",)),
    Leak(
        ".netrc",
        f"machine api.heroku.com\n  login me@example.com\n  password {PASSWORD}\n",
        (PASSWORD,),
        ("machine api.heroku.com", "login me@example.com"),
    ),
    Leak(
        ".netrc one line",
        "machine github.com login jane password gh-netrc-s3cret",
        ("gh-netrc-s3cret",),
        ("machine github.com login jane password ",),
    ),
    Leak(
        "azure connection string",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey="
        + AZURE_KEY
        + ";EndpointSuffix=core.windows.net",
        (AZURE_KEY,),
        ("AccountName=acme", "EndpointSuffix=core.windows.net"),
    ),
    Leak(
        "azure sas url",
        "https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&sp=r&sig=AbC%2Bdef123456789XYZ%3D",
        ("AbC%2Bdef123456789XYZ%3D",),
        ("sv=2022-11-02&sp=r&sig=",),
    ),
    Leak(
        "terraform tfvars",
        'stripe_api_key = "' + STRIPE_LIVE + '"\nregion = "eu"',
        (STRIPE_LIVE,),
        ('region = "eu"',),
    ),
    Leak("stripe restricted", f"using key {STRIPE_RESTRICTED}", (STRIPE_RESTRICTED,), ("using key ",)),
    Leak("stripe test", f"STRIPE_SECRET={STRIPE_TEST}", (STRIPE_TEST,), ()),
    Leak("openai legacy", f"openai.api_key = '{OPENAI_LEGACY}'", (OPENAI_LEGACY,), ("openai.api_key = ",)),
    Leak("anthropic in prose", f"my key is {ANTHROPIC} please", (ANTHROPIC,), ("my key is ", " please")),
    Leak(
        "slack bot token",
        f'{{"ok": false, "error": "invalid_auth", "token": "{SLACK_BOT}"}}',
        (SLACK_BOT,),
        ('"error": "invalid_auth"',),
    ),
    Leak(
        "slack webhook",
        f"curl -X POST https://hooks.slack.com/services/{SLACK_HOOK_PATH} -d @msg.json",
        (SLACK_HOOK_PATH, SLACK_HOOK_PATH.split("/")[2]),
        ("https://hooks.slack.com/services/", "-d @msg.json"),
    ),
    Leak("sendgrid", f"SENDGRID_API_KEY={SENDGRID}", (SENDGRID,), ("SENDGRID_API_KEY=",)),
    Leak("twilio api key sid", f"twilio api key {TWILIO_SK} created", (TWILIO_SK,), ("created",)),
    Leak(
        "twilio auth token",
        "TWILIO_ACCOUNT_SID=AC" + "a" * 32 + "\nTWILIO_AUTH_TOKEN=" + "9f" * 16,
        ("9f" * 16,),
        ("TWILIO_AUTH_TOKEN=",),
    ),
    # --- PEM private keys
    Leak(
        "rsa private key",
        f"$ cat id_rsa\n{BEGIN}RSA PRIVATE KEY-----\n{PEM_BODY}\n{END}RSA PRIVATE KEY-----\n$ ls",
        (PEM_BODY.split("\n")[0], PEM_BODY.split("\n")[2]),
        (f"{BEGIN}RSA PRIVATE KEY-----", f"{END}RSA PRIVATE KEY-----", "$ cat id_rsa", "$ ls"),
    ),
    Leak(
        "openssh private key",
        f"{BEGIN}OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
        f"{END}OPENSSH PRIVATE KEY-----",
        ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",),
        ("OPENSSH PRIVATE KEY",),
    ),
    Leak(
        "ec private key",
        f"{BEGIN}EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oGUZ9GPWJdVcoAoGCCqGSM49\n"
        f"{END}EC PRIVATE KEY-----",
        ("MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oGUZ9GPWJdVcoAoGCCqGSM49",),
        (),
    ),
    Leak(
        "encrypted pem with headers",
        f"{BEGIN}RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123ABCD\n\n"
        f"{PEM_BODY}\n{END}RSA PRIVATE KEY-----",
        (PEM_BODY.split("\n")[1],),
        (),
    ),
    Leak(
        "encrypted pkcs8",
        f"{BEGIN}ENCRYPTED PRIVATE KEY-----\n{PEM_BODY}\n{END}ENCRYPTED PRIVATE KEY-----",
        (PEM_BODY.split("\n")[1],),
        (),
    ),
    Leak(
        "truncated private key",
        f"head -c 200 key.pem\n{BEGIN}PRIVATE KEY-----\n{PEM_BODY}",
        (PEM_BODY.split("\n")[2],),
        ("head -c 200 key.pem",),
    ),
    # --- JSON-encoded (trigger payloads, transcripts hold escaped text)
    Leak(
        "hook payload with env output",
        json.dumps(
            {
                "tool_name": "Bash",
                "tool_input": {"command": "env"},
                "tool_use_id": "toolu_01ABCDEFGHJKLMNPQRSTUVWXYZ",
                "error": f"Exit code 1\nUSER=root\nDB_PASSWORD={PASSWORD}\nSHELL=/bin/bash",
            }
        ),
        (PASSWORD,),
        ("toolu_01ABCDEFGHJKLMNPQRSTUVWXYZ", "SHELL=/bin/bash", "USER=root"),
    ),
    Leak(
        "escaped json inside json",
        json.dumps({"content": json.dumps({"password": PASSWORD, "user": "x"})}),
        (PASSWORD,),
        ('\\"user\\": \\"x\\"',),
    ),
    Leak(
        "edit tool input with key",
        json.dumps({"new_string": f'OPENAI_API_KEY = "{OPENAI}"\n'}),
        (OPENAI,),
        ("OPENAI_API_KEY",),
    ),
]


@pytest.mark.parametrize("leak", LEAKS, ids=[leak.name for leak in LEAKS])
def test_leak_is_redacted_and_context_kept(leak: Leak) -> None:
    redacted = redact(leak.text)
    for secret in leak.secrets:
        assert secret not in redacted, f"{secret!r} survived in {redacted!r}"
    for context in leak.kept:
        assert context in redacted, f"{context!r} lost from {redacted!r}"
    assert "[REDACTED:" in redacted


def test_corpus_is_large_enough() -> None:
    assert len(LEAKS) >= 60


def test_marker_names_the_kind_and_keeps_user_and_host() -> None:
    assert (
        redact(f"git clone https://oauth2:{PASSWORD}@gitlab.com/x.git")
        == "git clone https://oauth2:[REDACTED:url-password]@gitlab.com/x.git"
    )
    assert redact(f"id {AWS_KEY_ID} ok") == "id [REDACTED:aws-access-key-id] ok"
    assert redact(f"export GITHUB_TOKEN={GHP}") == "export GITHUB_TOKEN=[REDACTED:github-token]"
    assert redact("Authorization: Bearer abcdef123456") == "Authorization: Bearer [REDACTED:auth]"
    assert redact(f"DB_PASSWORD={PASSWORD}") == "DB_PASSWORD=[REDACTED:password]"


def test_find_secrets_reports_kinds_and_spans() -> None:
    text = f"a {GHP} b {JWT} c"
    findings = find_secrets(text)
    assert findings == [
        Finding("github-token", 2, 2 + len(GHP)),
        Finding("jwt", text.index(JWT), text.index(JWT) + len(JWT)),
    ]


NEGATIVES: list[str] = [
    "commit 3f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d5c4b3a29\nAuthor: Jane Doe <jane@example.com>",
    "git log --oneline\n3f2a9c8 fix: handle empty token list\n",
    "request id 123e4567-e89b-12d3-a456-426614174000 failed",
    '"integrity": "sha512-Q0NtSMUtDE6hRpG5nGSj9jsAMY4ChfBX6IJAkHNO7VwhG8Y'
    'EHhK05hj3Tfkys4sxUnZeqMQ8wEGe8ELNTk6rDw=="',
    "sha256:9b2e1c4e8f7a6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b",
    "flask==3.0.0 \\\n    --hash=sha256:21128f47e4e3b9d597a3e8521a329bf56909b690fcc3fa3e477725aa81367638",
    '{"tool_use_id": "toolu_01A09q90qw90lq917835lq9", "session_id": "abc123", "duration_ms": 269}',
    "/home/user/projects/app/src/auth/token_store.py",
    "src/auth.py:42:5: error: Incompatible types in assignment",
    "FAILED tests/test_auth.py::test_token_refresh - AssertionError: assert 401 == 200",
    "--- PASS: TestLogin (0.01s)\n--- FAIL: TestToken (0.00s)",
    "PASS: tests/test_secret.sh",
    "Enter password:",
    "Password: \nLogin incorrect",
    "[sudo] password for jane:",
    "docker run --password-file /run/secrets/db_password postgres",
    "gh auth login --with-token < token.txt",
    "echo $CR_PAT | docker login ghcr.io -u jane --password-stdin",
    "The password must contain at least 12 characters.",
    "Your token has expired; run `nevo login` again.",
    '"usage": {"input_tokens": 1200, "output_tokens": 85, "cache_read_input_tokens": 0}',
    "max_tokens: 4096\ntoken_type: Bearer\nexpires_in: 3599",
    "PWD=/home/jane\nOLDPWD=/tmp\nPATH=/usr/bin:/bin",
    'password = os.environ["DB_PASSWORD"]',
    "token = get_token(session)",
    "def login(username: str, password: str) -> Session:",
    "api_key: Optional[str] = None",
    "self.password = password",
    "password=${DB_PASSWORD}",
    "DB_PASSWORD: ${{ secrets.DB_PASSWORD }}",
    "password: <your-password>",
    "PASSWORD=********",
    "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n"
    "        name: db\n        key: password",
    "kind: Secret\nmetadata:\n  name: tls\nsecretName: tls-cert",
    "https://github.com/acme/app.git\nssh://git@github.com/acme/app.git\ngit@github.com:acme/app.git",
    "http://localhost:8080/api/v1/items?page=2&limit=50",
    "This is base64 in prose: SGVsbG8gV29ybGQh and aGVsbG8= are just words.",
    "risk-assessment-for-the-new-project-plan",
    "Successfully installed requests-2.31.0 urllib3-2.2.1",
    "Authorization header missing from request",
    "auth_method: password\nauthor: jane",
    "the skeleton key to success",
    "docker login -u jane ghcr.io\ncurl -u jane https://example.com",
    "primary_key=True\nmax_tokens=1024\nsecret_santa: true\nkeyboard: us",
    "tokenizer = AutoTokenizer.from_pretrained(name)\nfor token in tokens:\n    if token is None:",
    'password = getpass()\nAUTH_TOKEN=""\nexport NPM_TOKEN',
    "",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact(text) == text
    assert find_secrets(text) == []


def test_negative_corpus_is_large_enough() -> None:
    assert len(NEGATIVES) >= 40


def test_redact_obj_redacts_values_keeps_keys_and_does_not_mutate() -> None:
    payload: dict[str, object] = {
        "tool_input": {"command": f"curl -H 'Authorization: Bearer {GHP}' x"},
        "env": {"DB_PASSWORD": PASSWORD, "PORT": 5432, "password_file": "/run/x"},
        "items": [f"key {AWS_KEY_ID}", ("tuple", f"{JWT}"), 3, None, True],
        "api_key": 123456,
        "secret_enabled": True,
        "token": None,
    }
    before = json.dumps(payload, default=list)
    result = redact_obj(payload)
    assert json.dumps(payload, default=list) == before  # input untouched
    assert isinstance(result, dict)
    assert list(result) == list(payload)
    dumped = json.dumps(result)
    for secret in (GHP, PASSWORD, AWS_KEY_ID, JWT, "123456"):
        assert secret not in dumped
    assert result["env"] == {"DB_PASSWORD": "[REDACTED:password]", "PORT": 5432, "password_file": "/run/x"}
    items = result["items"]
    assert isinstance(items, list)
    assert items[1] == ("tuple", "[REDACTED:jwt]")
    assert items[2:] == [3, None, True]
    assert result["secret_enabled"] is True and result["token"] is None
    assert result["tool_input"] == {"command": "curl -H 'Authorization: Bearer [REDACTED:github-token]' x"}


def test_redact_obj_is_idempotent() -> None:
    once = redact_obj({"password": PASSWORD, "nested": [{"token": GHP}]})
    assert redact_obj(once) == once


def test_redact_returns_same_object_when_nothing_found() -> None:
    text = "nothing to see here " * 100
    assert redact(text) is text


# --- idempotence ------------------------------------------------------------------------------
FRAGMENTS = [
    AWS_KEY_ID,
    AWS_SECRET,
    GHP,
    GLPAT,
    SLACK_BOT,
    STRIPE_LIVE,
    OPENAI,
    ANTHROPIC,
    NPM,
    PYPI,
    JWT,
    SENDGRID,
    GCP_KEY,
    GOOGLE_OAUTH,
    PASSWORD,
    PEM_BODY,
    "password",
    "PASSWORD",
    "token",
    "api_key",
    "secret",
    "auth",
    "Authorization",
    "DB_PASS",
    "--password",
    "=",
    ": ",
    ":",
    '"',
    "'",
    '\\"',
    "\\n",
    "\n",
    " ",
    "\t",
    "://",
    "@",
    "https://u:",
    "x-access-token:",
    "[REDACTED:",
    "[REDACTED:password]",
    "]",
    "Bearer ",
    "Basic ",
    "mysql",
    " -p",
    " login",
    "machine ",
    f"{BEGIN}PRIVATE KEY-----",
    f"{END}PRIVATE KEY-----",
    f"{BEGIN}RSA PRIVATE KEY-----\n",
    "export ",
    "- ",
    "> ",
    "#",
    " #",
    ",",
    ";",
    "&",
    "?",
    "sig=",
    "AccountKey=",
    "eyJ",
    "sk-",
    "ghp_",
    "$",
    "${",
    "}",
    "<",
    ">",
    "(",
    ")",
    "os.environ[",
    "hooks.slack.com/services/",
    "1//0",
    "ya29.",
]
text_pieces = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))


@settings(max_examples=600, deadline=None)
@given(st.lists(text_pieces, max_size=25).map("".join))
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@settings(max_examples=300, deadline=None)
@given(st.lists(text_pieces, max_size=25).map("".join))
def test_findings_are_sorted_disjoint_and_in_bounds(text: str) -> None:
    findings = find_secrets(text)
    previous_end = 0
    for finding in findings:
        assert previous_end <= finding.start < finding.end <= len(text)
        previous_end = finding.end


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LEAKS), st.text(max_size=20), st.text(max_size=20))
def test_leaks_stay_redacted_inside_noise(leak: Leak, before: str, after: str) -> None:
    redacted = redact(before + "\n" + leak.text + "\n" + after)
    for secret in leak.secrets:
        assert secret not in redacted


# --- performance: no catastrophic backtracking ------------------------------------------------
FIVE_MB = 5 * 1024 * 1024


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


# Inputs built to make regexes backtrack or rescan: long runs, unterminated quotes/keys/PEM
# blocks, repeated prefixes. None of them holds many findings, so all must be fast.
BACKTRACKING_UNITS = {
    "letters": "a",
    "key run": "x_api_key_token_secret_",
    "passwordpassword": "password",
    "pem no end": "QUJD\n",
    "eyJ": "eyJ",
    "eyJ dots": "eyJabcdefghij.",
    "scheme": "a://",
    "userinfo": "x://u:",
    "at signs": "@:",
    "ghp": "ghp_",
    "sk-": "sk-",
    "backslashes": "\\",
    "newlines": "\n",
    "base64": "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
}


@pytest.mark.parametrize("name", list(BACKTRACKING_UNITS))
def test_adversarial_five_mb_is_fast(name: str) -> None:
    text = _fill(BACKTRACKING_UNITS[name], FIVE_MB)
    if name == "pem no end":
        text = f"{BEGIN}PRIVATE KEY-----\n" + text
    started = time.perf_counter()
    redact(text)
    elapsed = time.perf_counter() - started
    # Measured 0.1-0.3 s each on an idle core; the bound leaves room for a loaded machine.
    assert elapsed < 1.5, f"{name}: {elapsed:.2f} s"


# Inputs dense with candidate key=value pairs: each candidate costs a little Python, so time
# grows with their number; it must grow linearly (a quadratic scan would be 100x, not 10x).
DENSE_UNITS = {
    "password=": "password=",
    "unterminated quotes": 'password="',
    "token: ": "token: ",
    "escaped lines": "\\nTOKEN=",
    "mysql": "mysql -p",
    "flags": "--password ",
    "netrc": "password ",
    "pem begins": f"{BEGIN}PRIVATE KEY-----\n",
    "prose password is": "the password is ",
    "prose api key": "api key: api key = ",
}


@pytest.mark.parametrize("name", list(DENSE_UNITS))
def test_dense_input_scales_linearly(name: str) -> None:
    def seconds(size: int) -> float:
        text = _fill(DENSE_UNITS[name], size)
        started = time.perf_counter()
        redact(text)
        return time.perf_counter() - started

    small = min(seconds(100_000) for _ in range(3))
    large = seconds(1_000_000)
    assert large < max(25 * small, 0.05), f"{name}: 0.1 MB {small:.3f} s, 1 MB {large:.3f} s"


# --- secrets in prose ("remember: the staging password is ...") -------------------------------
PROSE_PASSWORD = "hunter2" + "hunter2"
PROSE_LEAKS: list[tuple[str, str, str]] = [  # (text, secret, marker kind)
    (f"Remember: the staging password is {PROSE_PASSWORD}", PROSE_PASSWORD, "password"),
    (f"The password was {PROSE_PASSWORD}, keep it.", PROSE_PASSWORD, "password"),
    ("The DB password is: Pa55" + "word!", "Pa55" + "word", "password"),
    ("the passphrase is `" + "s3cr3t hors" + "e`.", "s3cr3t hors" + "e", "password"),
    ("The password for staging is " + "Xk9vQ2mLp", "Xk9vQ2mLp", "password"),
    ("Our deploy token is " + "dGhpc2lz" + "YXRva2Vu.", "dGhpc2lz" + "YXRva2Vu", "token"),
    ("the client secret was " + "aB3_xY9-zQ", "aB3_xY9-zQ", "secret"),
    ("The API key for prod is " + "Xy7abc" + "DEF.", "Xy7abc" + "DEF", "api-key"),
    ("api key: " + "k3y" + "Value99", "k3y" + "Value99", "api-key"),
    ("access key = " + "AbCdEf" + "123456", "AbCdEf" + "123456", "secret"),
    ("The PIN is " + "4821" + ".", "4821", "pin"),
    ("pin: " + "902" + "114", "902" + "114", "pin"),
    ("API_KEY is " + "Abc123" + "xyz", "Abc123" + "xyz", "api-key"),
    ('The passcode is "' + "77-ab" + '-99".', "77-ab" + "-99", "password"),
]


@pytest.mark.parametrize("text,secret,kind", PROSE_LEAKS)
def test_prose_secret_is_redacted(text: str, secret: str, kind: str) -> None:
    redacted = redact(text)
    assert secret not in redacted, redacted
    assert f"[REDACTED:{kind}]" in redacted, redacted
    assert redact(redacted) == redacted


PROSE_NEGATIVES = [
    "the password is stored in vault",
    "The token is expired.",
    "The token is Expired, run login again.",
    "The API key is set in the environment.",
    "The password is required.",
    "The token is missing from the request.",
    "The secret is that nobody reads the docs.",
    "The password is well-formed but wrong.",
    "The password is $DB_PASSWORD in CI.",
    "The token is at https://example.com/docs/tokens.",
    "The API key is <your-key>.",
    "The pin is requests==2.31.0 in the lock file.",
    "spin is 123456 rpm",
    "The password is password.",
    "test_token_refresh is failing on CI",
    "The access key is rotated every 90 days.",
    "The password is [REDACTED:password].",
    "The PIN is 42.",
]


@pytest.mark.parametrize("text", PROSE_NEGATIVES)
def test_prose_without_a_secret_is_unchanged(text: str) -> None:
    assert redact(text) == text


def test_a_marker_after_account_key_is_not_taken_for_a_key() -> None:
    """Found by hypothesis: "x AccountKey=0,0" -> "x AccountKey=[REDACTED:secret],0", and the marker plus
    ",0" then looked like an Azure key (8+ chars) on the second pass: redaction was not idempotent."""
    once = redact("x AccountKey=0,0")
    assert redact(once) == once


def test_a_flag_glued_to_a_token_is_redacted_in_one_pass() -> None:
    """Hypothesis found it: the first pass read "AKIA...EXAMPLE--password" as one key, the second "--password"."""
    text = "AKIA" + "IOSFODNN7EXAMPLE" + "--password login"
    once = redact(text)
    assert "login" not in once and redact(once) == once


HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"


@pytest.mark.parametrize("text, secret, kept", [
    (f"HF_TOKEN={HF} huggingface-cli login", HF, "huggingface-cli login"),
    (f"Authenticating with token {HF} ...", HF, "Authenticating with token"),
    ("redis-cli -h cache.internal -a S3cr3tRedisPw! ping", "S3cr3tRedisPw!", "redis-cli -h cache.internal"),
    ("> Cookie: sessionid=9f8e7d6c5b4a; csrftoken=AbC123xyz", "9f8e7d6c5b4a", "> Cookie:"),
    ("< Set-Cookie: _session=eyQ8Zt2mPq7Lw; Path=/; HttpOnly", "eyQ8Zt2mPq7Lw", "< Set-Cookie:"),
])
def test_more_leak_shapes(text: str, secret: str, kept: str) -> None:
    out = redact(text)
    assert secret not in out and kept in out and redact(out) == out


@pytest.mark.parametrize("text", [
    "from transformers import hf_hub_download  # hf_hub_download_with_retries_and_backoff_x",
    "redis-cli -h localhost ping",
    "ls -a /tmp",
    "The cookie: crumbs",
])
def test_lookalikes_of_the_new_shapes_are_left_alone(text: str) -> None:
    assert redact(text) == text
