"""Tests for nevo.redact, measured both ways: a generated corpus of leaks (tests/leak_corpus.py,
every format in several contexts) must be fully caught, and ordinary code and tool output (lines
written here in the style of real projects, not copied from them) must be left alone. Then the
properties: markers, spans, redact_obj, idempotence, linear time on hostile input, trailers.

The wider measurement (50+ MB of public code, real tool output, a held-out leak set) is
bench/bench_redact.py. Test secrets are assembled by concatenation or generated at run time, so
this file holds no literal a push-protection scanner would take for a live credential.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nevo.redact import Finding, find_secrets, neutralise_trailers, redact, redact_obj
from tests import leak_corpus
from tests.leak_corpus import FILE_FORMATS, GENERIC_FORMATS, TOKEN_FORMATS, Leak, generate

# --- the leak corpus ---------------------------------------------------------------------------
CORPUS = generate("tune")


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for key, value in obj.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(obj, list | tuple):
        return [s for item in obj for s in _strings(item)]
    return []


def survivors(leak: Leak) -> list[str]:
    """The secrets of `leak` that survive redaction, whole or as a 10-character piece."""
    if leak.as_obj:
        out = "\n".join(_strings(redact_obj(json.loads(leak.text))))
    else:
        out = redact(leak.text)
    left = []
    for secret in leak.secrets:
        pieces = [secret[i : i + 10] for i in range(len(secret) - 9)] if len(secret) >= 12 else [secret]
        if any(piece in out for piece in pieces):
            left.append(secret)
    return left


@pytest.mark.parametrize("family", sorted({leak.family for leak in CORPUS}))
def test_every_leak_of_the_corpus_is_caught(family: str) -> None:
    missed = [(leak.id, leak.text[:200]) for leak in CORPUS if leak.family == family and survivors(leak)]
    assert not missed, f"{len(missed)} leaks survived: {missed[:5]}"


def test_the_corpus_covers_every_format_in_several_contexts() -> None:
    assert len(CORPUS) >= 150
    contexts = Counter(leak.format for leak in CORPUS)
    assert min(contexts.values()) >= 2
    assert {*TOKEN_FORMATS, *GENERIC_FORMATS, *FILE_FORMATS} <= set(contexts)
    assert len({leak.context for leak in CORPUS}) >= 8


def test_the_corpus_is_reproducible_and_the_held_out_set_differs() -> None:
    again = generate("tune")
    assert [leak.text for leak in again] == [leak.text for leak in CORPUS]
    held_out = generate("heldout")
    assert {leak.text for leak in held_out}.isdisjoint({leak.text for leak in CORPUS})
    tune_templates = {str(t) for name in dir(leak_corpus) if name.startswith("TUNE_") for t in _templates(name)}
    held_templates = {str(t) for name in dir(leak_corpus) if name.startswith("HELDOUT_") for t in _templates(name)}
    assert tune_templates.isdisjoint(held_templates)


def _templates(name: str) -> list[object]:
    table = getattr(leak_corpus, name)
    return list(table.values()) if isinstance(table, dict) else list(table)


def test_a_miss_is_detected() -> None:
    """The corpus test can fail: a leak whose secret is not redacted is reported as surviving."""
    leak = Leak("x", "token", "fmt", "ctx", "nothing here but " + "plainwords", ("plainwords",))
    assert survivors(leak) == ["plainwords"]


# --- markers, spans, kinds ---------------------------------------------------------------------
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
GH_PAT = "github_pat_" + "11ABCDEFG0aBcDeFgHiJkL_" + "mNoPqRsTuVwXyZ0123456789abcdefGHIJ" * 2
AWS_KEY_ID = "AKIA" + "IOSFODNN7" + "Q2ZRT5W"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzK8q3vLm2Np"
PASSWORD = "hunter2-" + "Pa55w0rd!"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


def test_marker_names_the_kind_and_keeps_user_and_host() -> None:
    assert (
        redact(f"git clone https://oauth2:{PASSWORD}@gitlab.com/x.git")
        == "git clone https://oauth2:[REDACTED:url-password]@gitlab.com/x.git"
    )
    assert redact(f"id {AWS_KEY_ID} ok") == "id [REDACTED:aws-access-key-id] ok"
    assert redact(f"export GITHUB_TOKEN={GHP}") == "export GITHUB_TOKEN=[REDACTED:github-token]"
    assert redact("Authorization: Bearer 9f8e7d6c5b4a" + "3f2e1d0c") == "Authorization: Bearer [REDACTED:auth]"
    assert redact(f"DB_PASSWORD={PASSWORD}") == "DB_PASSWORD=[REDACTED:password]"


def test_a_fine_grained_github_token_is_caught_by_its_own_shape() -> None:
    """The github_pat_ prefix was misspelled once: the token was caught only when its context gave it away."""
    assert find_secrets(f"see {GH_PAT} there") == [Finding("github-token", 4, 4 + len(GH_PAT))]


def test_find_secrets_reports_kinds_and_spans() -> None:
    text = f"a {GHP} b {JWT} c"
    assert find_secrets(text) == [
        Finding("github-token", 2, 2 + len(GHP)),
        Finding("jwt", text.index(JWT), text.index(JWT) + len(JWT)),
    ]


# --- ordinary material: written here in the style of real code and tool output ----------------
ORDINARY: list[str] = [
    # Python: names that hold secrets, values that are code
    "        self.token = nextchar",
    "            lasttoken = token",
    "    did_pass = rate >= threshold",
    "token = tokens[i]",
    "password = getpass()",
    'api_key = os.environ["API_KEY"]',
    "secret = secrets.token_urlsafe(32)",
    "self.password = password",
    "def login(username: str, password: str) -> Session:",
    "api_key: Optional[str] = None",
    "    auth: AuthTypes | None = None,",
    "client = Client(token=self._token, timeout=timeout)",
    'parser.add_argument("--token", help="the API token to use")',
    "if not secret_key:\n    raise ImproperlyConfigured('SECRET_KEY must not be empty')",
    'password_hash = make_password(raw_password, salt=None, hasher="default")',
    "with open(token_file) as f:\n    token = f.read().strip()",
    "for token in tokenize(source):\n    if token.type == NAME:",
    'headers["Authorization"] = f"Bearer {access_token}"',
    "assert resp.json()['token_type'] == 'bearer'",
    "max_tokens=1024, temperature=0.2",
    "tokenizer = AutoTokenizer.from_pretrained(model_name)",
    "except KeyError as exc:  # missing api_key in config",
    # Go, Rust, JS, C
    "\tToken:   nextToken,",
    "\tcfg.Password = c.Password",
    "\taccessToken := mustGetAccessToken(t, provider)",
    '\treturn fmt.Errorf("unable to read auth token file %s: %w", cfg.TokenFile, err)',
    "    let token = CancellationToken::new();",
    "    token: mio::Token,",
    "const token = contextualKeywordTokens[value.toLowerCase()];",
    "const { password, ...rest } = req.body;",
    "if (!apiKey) throw new Error('apiKey is required');",
    "#define HAVE_STRUCT_PASSWD_PW_GECOS 1",
    "struct passwd *pw = getpwuid(getuid());",
    "    conn->passwd = strdup(passwd);",
    "static const char *secret_key_name = NULL;",
    # shell, CI, config templates and placeholders
    "DB_PASSWORD: ${{ secrets.DB_PASSWORD }}",
    "export GITHUB_TOKEN=$TOKEN",
    "password: <your-password>",
    "API_KEY=your_api_key_here",
    "PASSWORD=********\nTOKEN=xxxxxxxxxxxx",
    "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
    'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/user',
    "docker run --password-file /run/secrets/db_password postgres",
    "echo $CR_PAT | docker login ghcr.io -u jane --password-stdin",
    "gh auth login --with-token < token.txt",
    "mysql -u root -p shop",
    "ssh-keygen -t ed25519 -C jane@example.com",
    "docker build -t registry.example.com/team/app:1.4.2 .",
    "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db\n        key: password",
    "PWD=/home/jane\nOLDPWD=/tmp\nPATH=/usr/bin:/bin",
    # hashes, ids, lock files: random-looking, but not in a credential slot
    "commit 3f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d5c4b3a29\nAuthor: Jane Doe <jane@example.com>",
    '"integrity": "sha512-Q0NtSMUtDE6hRpG5nGSj9jsAMY4ChfBX6IJAkHNO7VwhG8YEHhK05hj3Tfkys4sxUnZeqMQ8wEGe8ELNTk6rDw=="',
    "flask==3.0.0 \\\n    --hash=sha256:21128f47e4e3b9d597a3e8521a329bf56909b690fcc3fa3e477725aa81367638",
    "request id 123e4567-e89b-12d3-a456-426614174000 failed",
    '{"tool_use_id": "toolu_01A09q90qw90lq917835lq9", "session_id": "abc123", "duration_ms": 269}',
    'resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"',
    "data = base64.b64decode('SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0IGZpeHR1cmUu')",
    # tool output
    "FAILED tests/test_auth.py::test_token_refresh - AssertionError: assert 401 == 200",
    "--- FAIL: TestTokenExpiry (0.00s)\n    auth_test.go:88: token expired: got 401",
    "src/auth.py:42:5: error: Incompatible types in assignment  [assignment]",
    "npm ERR! code E401\nnpm ERR! Unable to authenticate, your authentication token seems to be invalid.",
    "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/acme/app.git/'",
    "Enter password:\n[sudo] password for jane:\nPassword: \nLogin incorrect",
    '"usage": {"input_tokens": 1200, "output_tokens": 85, "cache_read_input_tokens": 0}',
    "max_tokens: 4096\ntoken_type: Bearer\nexpires_in: 3599",
    "Successfully installed requests-2.31.0 urllib3-2.2.1",
    # prose
    "The password must contain at least 12 characters.",
    "the token is expired, run `nevo login` again",
    "The API key is set in the environment.",
    "required to pass charset/collation explicitly",
    "the password is stored in vault",
    "Remember to pass *including* the fixtures to the helper.",
    "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_code_and_output_are_left_alone(text: str) -> None:
    assert find_secrets(text) == [], [text[f.start : f.end] for f in find_secrets(text)]
    assert redact(text) is text


def test_the_ordinary_sample_is_large_enough() -> None:
    assert len(ORDINARY) >= 60


@pytest.mark.parametrize(
    "text, secret",
    [
        ('SMTP_PASSWORD="correct horse battery staple"\nSMTP_USER=me', "correct horse battery staple"),
        ("mysqldump -u root -p'S3cr3t pass' app > dump.sql", "S3cr3t pass"),
        ("the client secret was " + "aB3_xY9-zQ", "aB3_xY9-zQ"),
        ("The API key for prod is " + "Xy7abc" + "DEF.", "Xy7abc" + "DEF"),
        ("api key: " + "k3y" + "Value99", "k3y" + "Value99"),
        ("{'user': 'app', 'password': 'p@ss w0rd', 'host': 'db'}", "p@ss w0rd"),
        ("TWILIO_AUTH_TOKEN=" + "9f9f9f9f" * 4, "9f9f9f9f" * 4),
        ("machine git.acme.io login deploy password " + "Tr0ub4dor&3", "Tr0ub4dor&3"),
        ('<add key="ClearTextPassword" value="' + "N0t-a-real-one!" + '" />', "N0t-a-real-one!"),
    ],
)
def test_secrets_in_a_context_that_names_them(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_a_word_after_a_password_flag_is_not_a_secret() -> None:
    """A value must look like a secret: `--password login` names no password."""
    text = "AKIA" + "IOSFODNN7Q2ZRT5W" + "--password login"
    once = redact(text)
    assert once == "[REDACTED:aws-access-key-id]--password login" and redact(once) == once


# --- redact_obj --------------------------------------------------------------------------------
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


def test_redact_obj_keeps_code_under_secret_keys() -> None:
    payload = {"password": "getpass()", "token": "tokens[i]", "api_key": "${{ secrets.API_KEY }}"}
    assert redact_obj(payload) == payload


def test_redact_obj_is_idempotent() -> None:
    once = redact_obj({"password": PASSWORD, "nested": [{"token": GHP}]})
    assert redact_obj(once) == once


def test_redact_returns_same_object_when_nothing_found() -> None:
    text = "nothing to see here " * 100
    assert redact(text) is text


# --- idempotence and spans (hypothesis) --------------------------------------------------------
FRAGMENTS = [
    AWS_KEY_ID, AWS_SECRET, GHP, GH_PAT, JWT, PASSWORD,
    "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc", "xoxb-" + "1234567890-1234567890123-" + "AbCdEfGhIjKlMnOp",
    "password", "PASSWORD", "token", "api_key", "secret", "auth", "Authorization", "DB_PASS", "--password",
    "=", ": ", ":", '"', "'", '\\"', "\\n", "\n", " ", "\t", "://", "@", "https://u:", "x-access-token:",
    "[REDACTED:", "[REDACTED:password]", "]", "Bearer ", "Basic ", "mysql", " -p", " -t ", " login ",
    "machine ", "-----BEGIN " + "PRIVATE KEY-----", "-----END " + "PRIVATE KEY-----", "export ", "- ", "> ",
    "#", " #", ",", ";", "&", "?", "sig=", "AccountKey=", "eyJ", "sk-", "ghp_", "$", "${", "}", "<", ">",
    "(", ")", "os.environ[", "hooks.slack.com/services/", "1//0", "ya29.", " is ", " as the password",
    "Cookie: ", "%", "%2F", "Q~", "-us1", ".atlasv1.",
]  # fmt: skip
text_pieces = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))


@settings(max_examples=400, deadline=None)
@given(st.lists(text_pieces, max_size=25).map("".join))
# Found by hypothesis: the rest of a value glued to a token was given away by the marker only on a second read.
@example("-us1@ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5AwJalrXUtnFEMI/K7MDENG/bPxRfiCYzK8q3vLm2Np")
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(text_pieces, max_size=25).map("".join))
def test_findings_are_sorted_disjoint_and_in_bounds(text: str) -> None:
    previous_end = 0
    for finding in find_secrets(text):
        assert previous_end <= finding.start < finding.end <= len(text)
        previous_end = finding.end


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CORPUS[::7]), st.text(max_size=20), st.text(max_size=20))
def test_leaks_stay_redacted_inside_noise(leak: Leak, before: str, after: str) -> None:
    if leak.as_obj:
        return
    noisy = Leak(
        leak.id, leak.family, leak.format, leak.context, before + "\n" + leak.text + "\n" + after, leak.secrets
    )
    assert survivors(noisy) == []


# --- no catastrophic regex: hostile inputs cost about what ordinary text costs ----------------
SIZE = 1024 * 1024


def _fill(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _seconds(text: str) -> float:
    started = time.perf_counter()
    redact(text)
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def baseline_seconds() -> float:
    """What 1 MB of ordinary lines (dense with key names) costs here, now."""
    text = _fill("\n".join(ORDINARY[:40]))
    return min(_seconds(text) for _ in range(2))


# Long runs, unterminated quotes, keys and PEM blocks, repeated prefixes, dense candidates.
HOSTILE_UNITS = {
    "letters": "a",
    "key run": "x_api_key_token_secret_",
    "passwordpassword": "password",
    "password=": "password=",
    "unterminated quotes": 'password="',
    "token: ": "token: ",
    "escaped lines": "\\nTOKEN=",
    "pem begins": "-----BEGIN " + "PRIVATE KEY-----\n",
    "pem no end": "QUJD\n",
    "eyJ": "eyJ",
    "eyJ dots": "eyJabcdefghij.",
    "scheme": "a://",
    "userinfo": "x://u:",
    "ghp": "ghp_",
    "sk-": "sk-",
    "backslashes": "\\",
    "base64": "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    "mysql": "mysql -p",
    "flags": "--password ",
    "short flags": " -t x -p y",
    "netrc": "password ",
    "prose": "the password is ",
    "login line": " login ",
    "cookies": "Cookie: a=b; ",
    "as the password": "use x as the password ",
    "calls": "f(",
}


@pytest.mark.parametrize("name", list(HOSTILE_UNITS))
def test_hostile_input_is_linear(name: str, baseline_seconds: float) -> None:
    """Each hostile 1 MB input must cost no more than 20 times 1 MB of ordinary lines, measured in
    the same run (a quadratic scan costs thousands of times more). "X1 " first: plain lowercase
    text is decided at once, and that is not what is tested."""
    text = "X1 " + _fill(HOSTILE_UNITS[name])
    if name == "pem no end":
        text = "-----BEGIN " + "PRIVATE KEY-----\n" + text
    elapsed = _seconds(text)
    assert elapsed < max(20 * baseline_seconds, 0.5), f"{name}: {elapsed:.2f} s vs {baseline_seconds:.3f} s"


# --- trailers ----------------------------------------------------------------------------------
def test_neutralise_trailers_defuses_forged_trailer_lines() -> None:
    text = "git push failed\nSigned-off-by: Mallory <m@evil.example>\n  co-authored-by: x <y@z>\nfatal: denied"
    out = neutralise_trailers(text)
    assert "> Signed-off-by: Mallory" in out and "  > co-authored-by: x" in out
    assert not any(line.lstrip().lower().startswith(("signed-off-by", "co-authored-by")) for line in out.splitlines())
    assert out.startswith("git push failed\n") and out.endswith("\nfatal: denied")


def test_neutralise_trailers_keeps_nevo_fields_and_is_idempotent() -> None:
    message = "nevo: PROJ-001 x\n\nIncident: INC-1 (Bash `make`)\nRecovery: `make all`\nRule: use make all"
    assert neutralise_trailers(message) == message
    once = neutralise_trailers("Fixes: #12\nChange-Id: I0123")
    assert neutralise_trailers(once) == once


def test_a_url_password_with_a_raw_hash_or_question_mark_is_still_the_password() -> None:
    """People paste connection strings whose password holds `#` or `?` unencoded; the URL grammar would call
    the rest a fragment, but the secret is the secret."""
    for url in ("postgresql://app:Vq7!mZ2x#Lp9rT@db.test/app", "redis://:k2?Zp9#Wq8vR@cache.test:6379/0"):
        assert "Vq7!mZ2x#Lp9rT" not in redact(url) and "k2?Zp9#Wq8vR" not in redact(url)
    assert redact("see https://example.com:8080/a#frag@x and mail@host") == (
        "see https://example.com:8080/a#frag@x and mail@host"
    )
