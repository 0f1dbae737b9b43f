"""Redaction on the blind leak set (tests/leak_blind.py) and the detectors written for it: secrets
placed by a grammar (nevo.redact_forms), prose in other languages (nevo.redact_prose), literals
judged as literals, entries whose name says they are secret, and dense input judged once per
recurring window (nevo.redact_keyed).

Only the tune part is required here; the held-out part is measured by `python tests/leak_blind.py`
and reported in bench/README.md. Values are assembled at run time: nothing token-shaped is in this
file.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections import Counter

import pytest

from nevo.redact import find_secrets, redact, redact_obj
from tests.leak_blind import BlindLeak, caught, clean, generate, negatives, redacted
from tests.leak_blind_cases import HOLDOUT, TUNE
from tests.leak_blind_cases3 import HOLDOUT3, TUNE3

TUNE_LEAKS = generate("tune")
TUNE3_LEAKS = generate("tune3")


@pytest.mark.parametrize("family", sorted({leak.family for leak in TUNE_LEAKS}))
def test_every_leak_of_the_blind_tune_set_is_caught(family: str) -> None:
    missed = [leak for leak in TUNE_LEAKS if leak.family == family and not caught(leak)]
    assert not missed, "\n\n".join(f"{leak.case}:\n{leak.text}\n=> {redacted(leak)}" for leak in missed[:3])


@pytest.mark.parametrize("family", sorted({leak.family for leak in TUNE3_LEAKS}))
def test_every_leak_of_the_third_tune_part_is_caught(family: str) -> None:
    missed = [leak for leak in TUNE3_LEAKS if leak.family == family and not caught(leak)]
    assert not missed, "\n\n".join(f"{leak.case}:\n{leak.text}\n=> {redacted(leak)}" for leak in missed[:3])


def test_the_third_part_was_split_up_front() -> None:
    assert len(TUNE3) >= 45 and len(HOLDOUT3) >= 45
    assert {case.name for case in TUNE3}.isdisjoint({case.name for case in HOLDOUT3})


@pytest.mark.parametrize("part", ["tune", "tune3", "holdout"])
def test_near_misses_of_the_tune_set_stay_unchanged(part: str) -> None:
    if part == "holdout":
        pytest.skip("measured, not required: see bench/README.md")
    changed = [leak for leak in negatives(part) if not clean(leak)]
    assert not changed, "\n".join(f"{leak.case}: {leak.text!r} -> {redacted(leak)!r}" for leak in changed)


def test_the_blind_set_is_large_reproducible_and_its_parts_differ() -> None:
    assert len(TUNE_LEAKS) >= 200 and len(generate("holdout")) >= 200
    assert [leak.text for leak in generate("tune")] == [leak.text for leak in TUNE_LEAKS]
    assert {case.name for case in TUNE}.isdisjoint({case.name for case in HOLDOUT})
    families = Counter(case.family for case in TUNE)
    assert len(families) >= 15 and min(families.values()) >= 3


def test_a_miss_of_the_blind_set_is_detected() -> None:
    leak = BlindLeak("x", "prose", "text", "the code is Vq7!mZ2xLp9", ("Vq7!mZ2xLp9",))
    assert not caught(leak)  # no name says it is secret: the measure must report it


def _value(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(10)) + "!7"


PW = _value(random.Random(1))


@pytest.mark.parametrize(
    "text",
    [
        f"CREATE USER 'app'@'%' IDENTIFIED BY '{PW}';",
        f"ALTER USER scott IDENTIFIED BY {PW} ACCOUNT UNLOCK;\nGRANT CONNECT TO scott;",
        f"SET PASSWORD FOR 'app'@'localhost' = '{PW}';",
        f"htpasswd -bc /etc/nginx/.htpasswd admin {PW}",
        f"htpasswd -nb admin '{PW}'",
        f"poetry config http-basic.private ci {PW}",
        f"smbclient //fs/share -U ops%{PW} -c ls",
        f"sqlplus system/{PW}@//db:1521/ORCL @x.sql",
        f"db.internal:5432:app:deploy:{PW}\n*:*:*:postgres:{PW}",
        f'{{"env": [{{"name": "DB_PASSWORD", "value": "{PW}"}}]}}',
        f"env:\n  - name: API_TOKEN\n    value: {PW}",
        f'{{"db_password": {{"sensitive": true, "value": "{PW}"}}}}',
        f"kubectl create secret generic db --from-literal=password='I$U{PW}'",
        f"docker run -e POSTGRES_PASSWORD=_Ai.{PW}.C postgres",
        "nmcli dev wifi connect Office password 'KestrelFalcon!'",
        f"creds for the test tenant: ops@example.com / {PW}",
        f"Das Passwort für den Datenbankserver lautet {PW}",
        f"Le mot de passe du compte admin est {PW}",
        f"La contraseña de la VPN es {PW} hasta el lunes",
        f"Пароль от сервера: {PW}",
        f"数据库密码是 {PW}",
        f"管理画面のパスワードは {PW} です",
        f"비밀번호는 {PW} 입니다",
    ],
)
def test_secrets_placed_by_a_grammar_or_said_in_another_language(text: str) -> None:
    secret = "KestrelFalcon!" if "KestrelFalcon!" in text else PW
    assert secret not in redact(text), redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "Note: a device identified by **1:3** may be read.",  # "identified by" in English prose
        "tests/test_auth.py:88: AssertionError",
        "react@18.2.0 node_modules/react\nnpm ERR! peer react@17",
        "coverage: 93% of src/auth.py",
        "be:dd:6c:41:f3:7c:4b:44:73:a3:77:ab:cd",  # a certificate dump is no .pgpass line
        '{"name": "LOG_LEVEL", "value": "Debug42x!"}',
        '{"name": "PASSWORD_FILE", "value": "/run/secrets/db"}',
        "Das Passwort ist falsch. Le mot de passe est incorrect. La contraseña es obligatoria.",
        "密码错误，请重试",
        "@IBOutlet weak var password: UITextField!",
        "dbtype://username:password with spaces@hostspec:450?query=but_no_db",
    ],
)
def test_ordinary_text_near_the_new_detectors_is_left_alone(text: str) -> None:
    assert find_secrets(text) == [], find_secrets(text)


def test_redact_obj_redacts_entries_named_secret_and_keeps_others() -> None:
    obj = {
        "env": [{"name": "DB_PASSWORD", "value": PW}, {"name": "LOG_LEVEL", "value": "Debug42x!"}],
        "outputs": {"db_password": {"sensitive": True, "value": PW}, "region": {"value": "eu-west-1"}},
    }
    out = json.dumps(redact_obj(obj))
    assert PW not in out and "Debug42x!" in out and "eu-west-1" in out


def test_plain_lowercase_text_is_decided_at_once_and_is_never_a_secret() -> None:
    for text in ("python -m pytest -q", "run the tests again", "cd src/auth && ls", "the password is secret"):
        assert find_secrets(text) == []
    assert find_secrets(f"the password is {PW}")  # one capital, digit or symbol and it is read


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_dense_input_judged_once_per_window_finds_what_a_full_judgement_finds(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verdict memo (used from 64 roots in a text on) must change no finding: the same dense
    text judged with and without it agrees."""
    rng = random.Random(seed)
    entries = [
        f"password={_value(rng)} ",
        "token: nextchar ",
        f'"api_key": "{_value(rng)}", ',
        "secret key: x\n",
        "pw ",
        f"--token {_value(rng)} ",
        "DB_PASSWORD=$DB_PASSWORD\n",
        f"Server=db;Pwd={_value(rng)};",
        "  " * rng.randrange(1, 40) + "token = ",
    ]
    text = "".join(rng.choice(entries) for _ in range(600))
    with_memo = find_secrets(text)
    monkeypatch.setattr("nevo.redact_keyed._MEMO_FROM", 10**9)
    assert find_secrets(text) == with_memo and with_memo


# --- round 3: token shapes without a name, a key id's unnamed secret, YAML literals --------------
_RNG = random.Random(33)
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _chars(alphabet: str, n: int) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def _discord_token(digits: str) -> str:
    head = base64.urlsafe_b64encode(digits.encode()).decode().rstrip("=")
    return f"{head}.{_chars(_ALNUM, 6)}.{_chars(_ALNUM + '-_', 38)}"


DISCORD = _discord_token("".join(_RNG.choice("0123456789") for _ in range(18)))
AWS_ID = "AKIA" + _chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
AWS_SECRET = _chars(_ALNUM + "+/", 40)
TWILIO_SID = "AC" + _chars("0123456789abcdef", 32)
TWILIO_TOKEN = _chars("0123456789abcdef", 32)


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"client.run('{DISCORD}')", DISCORD),  # a Discord bot token: its shape alone says so
        (f"DISCORD_BOT={DISCORD}", DISCORD),
        (f"> Authorization: Bot {DISCORD}", DISCORD),
        (f'creds = new AWS.Credentials("{AWS_ID}", "{AWS_SECRET}")', AWS_SECRET),  # a key id's secret
        (f"{AWS_ID}:{AWS_SECRET}", AWS_SECRET),
        (f"{AWS_ID}\t{AWS_SECRET}\tActive", AWS_SECRET),
        (f'client = Client("{TWILIO_SID}", "{TWILIO_TOKEN}")', TWILIO_TOKEN),
        (f"twilio.New('{TWILIO_SID}', '{TWILIO_TOKEN}')", TWILIO_TOKEN),
        ("    with:\n      username: ops\n      password: KestrelFalcon!", "KestrelFalcon!"),  # YAML literal
        ("[smtp]\npassword: MapleOrion#", "MapleOrion#"),
    ],
)
def test_round3_mechanisms_catch_their_kind(text: str, secret: str) -> None:
    assert secret not in redact(text), redact(text)


@pytest.mark.parametrize(
    "text",
    [
        f"GET /2010-04-01/Accounts/{TWILIO_SID}/Messages.json",  # a SID alone is an id, not a secret
        f"account_sid = '{TWILIO_SID}'",
        f"Account {TWILIO_SID} Messages list",
        "MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef." + "x" * 30,  # a documentation placeholder
        f"{_chars(_ALNUM, 24)}.{_chars(_ALNUM, 6)}.{_chars(_ALNUM, 30)}",  # dotted, but not a Discord id
        "type Session {\n  token: AuthToken!\n  password: PasswordInput!\n  hint: String\n}",  # GraphQL
        "  password: String!",
    ],
)
def test_round3_mechanisms_leave_ids_types_and_placeholders(text: str) -> None:
    assert find_secrets(text) == [], find_secrets(text)


# --- hostile inputs of the new detectors: linear, like the others ----------------------------
SIZE = 1024 * 1024
HOSTILE = {
    "identified by": "IDENTIFIED BY 'x' ",
    "set password": "set password = '",
    "htpasswd": "htpasswd -b f u ",
    "http-basic": "config http-basic.x u ",
    "percent": "a%b -U ",
    "at after slash": "a/b@",
    "pgpass": "h:*:d:u:p\n",
    "value keys": '{"name": "DB_PASSWORD", "value": "',
    "german": "Passwort ist ",
    "chinese": "密码是 ",
    "cyrillic": "пароль: ",
    "accents": "clé api é ",
    "creds pair": "creds: a@b.co / ",
    "pw": "pw ",
    "dense token": "token: ",
    "key ids": "AKIAABCDEFGHIJKLMNOP ",
    "twilio sids": "AC0123456789abcdef0123456789abcdef, ",
    "discord heads": "MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.",
}


def _seconds(text: str) -> float:
    started = time.perf_counter()
    redact(text)
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def baseline_seconds() -> float:
    """1 MB of ordinary lines with key names, here and now."""
    lines = "DB_HOST=db.internal\nlog.info('token refreshed for %s', user)\nreturn self.password_hash\n"
    text = (lines * (SIZE // len(lines) + 1))[:SIZE]
    return min(_seconds(text) for _ in range(2))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_of_the_new_detectors_is_linear(name: str, baseline_seconds: float) -> None:
    """At most 20 times 1 MB of ordinary lines (a quadratic scan costs thousands of times more).
    "X1 " first: plain lowercase text would be decided at once, and that is not what is tested."""
    unit = HOSTILE[name]
    text = "X1 " + (unit * (SIZE // len(unit) + 1))[:SIZE]
    elapsed = _seconds(text)
    assert elapsed < max(20 * baseline_seconds, 0.5), f"{name}: {elapsed:.2f} s vs {baseline_seconds:.3f} s"
