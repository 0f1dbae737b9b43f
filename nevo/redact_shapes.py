"""Token shapes: secrets recognisable by their own form, wherever they stand (``ghp_...``,
``AKIA...``, ``sk_live_...``, PEM private keys, JWTs).

The formats are facts taken from public secret-scanning rule sets (gitleaks' rules, trufflehog's
detectors): a literal prefix, a length, an alphabet. Each is written here as nevo's own regex.

Speed: running ~120 regexes over a megabyte would cost ~60 ms. Instead, one pass collects the
distinct runs of token characters that are long enough to be a token (code repeats identifiers:
a megabyte has a few thousand distinct runs), and a dict lookup of each run's first characters
says which prefixes occur at all (gitleaks' "keywords", applied per run). Only the shapes whose
prefix occurs are then searched for, each regex starting with its literal so the engine's fast
literal search finds candidates. A start-of-token check is a lookbehind placed after the literal
(a leading lookbehind would disable that search).
"""

from __future__ import annotations

import base64
import functools
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nevo.redact_patterns import Value, value_class

_B = r"[A-Za-z0-9_\-]"  # the body characters of most tokens


@dataclass(frozen=True, slots=True)
class Shape:
    kind: str
    prefix: str  # lowercase literal the token starts with (or holds, when `inner`)
    regex: re.Pattern[str]
    group: int = 0  # the part of the match that is secret
    back: str = ""  # characters that belong to the token before the match (Q~, :AA, .atlasv1.)
    back_max: int = 0
    check: Callable[[str], bool] | None = None  # a last test of the secret part
    inner: bool = False  # the prefix stands inside the token, not at its start
    pair: bool = False  # the match is a key's public id: the secret is the value written next to it


def _random(secret: str) -> bool:
    return value_class(secret) >= Value.RANDOM


def _mixed_case(secret: str) -> bool:
    body = secret[3:]
    return any(c.isupper() for c in body) and any(c.islower() for c in body)


def _snowflake_token(secret: str) -> bool:
    """The first part of the token is base64 of a Discord id (17 to 20 ASCII digits), and the last
    is no placeholder (xxxx...)."""
    head, _, rest = secret.partition(".")
    if len(set(rest.rpartition(".")[2])) < 10:
        return False
    try:
        decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    except ValueError:
        return False
    return 17 <= len(decoded) <= 20 and decoded.isdigit()


def _shape(
    kind: str,
    prefix: str,
    body: str,
    *,
    check: Callable[[str], bool] | None = None,
    back: str = "",
    back_max: int = 0,
    inner: bool = False,
    boundary: bool = True,
    pair: bool = False,
) -> Shape:
    """A token that starts with the literal `prefix` (case-sensitive), then `body`. Not preceded by
    a token character, unless that character ends a backslash escape (\\n in JSON); with
    `boundary`, not followed by one either."""
    literal = re.escape(prefix)
    start_check = "" if back else rf"(?<!(?<!\\){_B}{literal})"
    # not followed by a body character: "-" counts only when the body may hold one (AKIA...--password)
    end_check = (r"(?![A-Za-z0-9_\-])" if r"\-" in body else r"(?![A-Za-z0-9_])") if boundary else ""
    regex = re.compile(literal + start_check + body + end_check)
    return Shape(kind, prefix.lower(), regex, back=back, back_max=back_max, check=check, inner=inner, pair=pair)


_ALNUM = "A-Za-z0-9"
_HEX = "0-9a-f"
_UD = "A-Z0-9"

SHAPES: tuple[Shape, ...] = (
    # --- cloud
    *(_shape("aws-access-key-id", p, rf"[{_UD}]{{16}}") for p in ("AKIA", "ASIA", "ABIA", "ACCA", "A3T")),
    *(
        _shape("aws-secret-access-key", p, rf"[{_UD}]{{16}}", pair=True)
        for p in ("AKIA", "ASIA", "ABIA", "ACCA", "A3T")
    ),
    _shape("aws-bedrock-key", "ABSK", r"[A-Za-z0-9+/]{100,}+={0,2}", boundary=False),
    _shape("gcp-api-key", "AIza", rf"{_B}{{35}}"),
    _shape("google-oauth-client-secret", "GOCSPX-", rf"{_B}{{24,40}}+"),
    _shape("google-oauth-token", "ya29.", rf"{_B}{{20,}}+"),
    _shape("google-oauth-token", "1//0", rf"{_B}{{30,}}+"),
    _shape(
        "azure-client-secret",
        "Q~",
        r"(?<=[A-Za-z0-9_~.]{3}[0-9]Q~)[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])",
        back=string.ascii_letters + string.digits + "_~.",
        back_max=4,
        inner=True,
        boundary=False,
    ),
    _shape("alibaba-access-key-id", "LTAI", rf"[{_ALNUM}]{{20}}"),
    *(_shape("digitalocean-token", p, rf"[{_HEX}]{{64}}") for p in ("dop_v1_", "doo_v1_", "dor_v1_")),
    _shape("heroku-api-key", "HRKU-AA", rf"{_B}{{58}}"),
    _shape("databricks-token", "dapi", rf"[{_HEX}]{{32}}(?:-[0-9])?"),
    _shape("cloudflare-origin-ca-key", "v1.0-", rf"[{_HEX}]{{24}}-[{_HEX}]{{146}}"),
    _shape("flyio-token", "fo1_", rf"{_B}{{43}}"),
    _shape("flyio-token", "fm2_", r"[A-Za-z0-9+/]{100,}+={0,3}", boundary=False),
    _shape("supabase-token", "sbp_", rf"[{_HEX}]{{40}}"),
    *(
        _shape("planetscale-token", p, r"[A-Za-z0-9_=.\-]{32,64}")
        for p in ("pscale_tkn_", "pscale_pw_", "pscale_oauth_")
    ),
    _shape("tailscale-key", "tskey-", r"[a-z]+-[A-Za-z0-9_]{6,}+-[A-Za-z0-9_]{10,}+"),
    _shape("pulumi-token", "pul-", rf"[{_HEX}]{{40}}"),
    _shape(
        "terraform-token",
        ".atlasv1.",
        r"(?<=[A-Za-z0-9]{14}\.atlasv1\.)[A-Za-z0-9_=\-]{60,70}",
        back=string.ascii_letters + string.digits,
        back_max=14,
        inner=True,
    ),
    _shape("openshift-token", "sha256~", rf"{_B}{{43}}"),
    _shape("dynatrace-token", "dt0c01.", rf"[{_ALNUM}]{{24}}\.[{_ALNUM}]{{64}}"),
    _shape("grafana-token", "glc_", r"[A-Za-z0-9+/]{32,400}+={0,3}", boundary=False),
    _shape("grafana-token", "glsa_", rf"[{_ALNUM}]{{32}}_[A-Fa-f0-9]{{8}}"),
    _shape("grafana-token", "eyJrIjoi", r"[A-Za-z0-9]{70,400}+={0,3}", boundary=False),
    *(_shape("newrelic-key", p, r"[A-Za-z0-9\-]{19,32}") for p in ("NRAK-", "NRJS-", "NRII-")),
    *(_shape("sentry-token", p, r"[A-Za-z0-9+/=_]{40,}+", boundary=False) for p in ("sntryu_", "sntrys_")),
    *(_shape("docker-hub-token", p, rf"{_B}{{27,32}}") for p in ("dckr_pat_", "dckr_oat_")),
    _shape("scalingo-token", "tk-us-", rf"{_B}{{48}}"),
    # --- secret managers
    *(_shape("vault-token", p, rf"{_B}{{90,300}}+") for p in ("hvs.", "hvb.", "hvr.")),
    _shape("vault-token", "s.", rf"[{_ALNUM}]{{24}}", check=_random),
    _shape("1password-token", "ops_eyJ", r"[A-Za-z0-9+/]{200,}+={0,3}", boundary=False),
    _shape(
        "1password-secret-key",
        "A3-",
        rf"[{_UD}]{{6}}-(?:[{_UD}]{{11}}|[{_UD}]{{6}}-[{_UD}]{{5}})(?:-[{_UD}]{{5}}){{3}}",
    ),
    _shape("doppler-token", "dp.", r"(?:pt|st|ct|sa|scim|audit)\.(?:[a-z0-9\-_]{2,35}\.)?[A-Za-z0-9]{40,44}"),
    _shape("age-secret-key", "AGE-SECRET-KEY-1", r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    # --- code hosting, CI and package registries
    _shape("github-token", "gh", rf"[pousr]_[{_ALNUM}]{{36,255}}+"),
    _shape("github-token", "github_pat_", r"[A-Za-z0-9_]{22,255}+"),
    *(
        _shape("gitlab-token", p, rf"{_B}{{20,}}+")
        for p in ("glpat-", "gldt-", "glrt-", "glptt-", "glsoat-", "glft-", "glimt-", "glagent-", "gloas-", "glffct-")
    ),
    _shape("gitlab-token", "glcbt-", rf"[{_ALNUM}]{{1,5}}_{_B}{{20,}}+"),
    _shape("gitlab-token", "GR1348941", rf"{_B}{{20,}}+"),
    _shape("bitbucket-token", "ATBB", r"[A-Za-z0-9_=.\-]{32,}+"),
    _shape("atlassian-token", "ATATT3", r"[A-Za-z0-9_=\-]{180,}+"),
    _shape("npm-token", "npm_", rf"[{_ALNUM}]{{36}}"),
    _shape("pypi-token", "pypi-Ag", rf"{_B}{{40,}}+"),
    _shape("rubygems-token", "rubygems_", rf"[{_HEX}]{{48}}"),
    _shape("nuget-api-key", "oy2", r"[a-z0-9]{43}"),
    _shape("clojars-token", "CLOJARS_", r"[a-z0-9]{60}"),
    _shape("postman-api-key", "PMAK-", rf"[{_HEX}]{{24}}-[{_HEX}]{{34}}"),
    _shape("linear-api-key", "lin_api_", rf"[{_ALNUM}]{{40}}"),
    _shape("notion-token", "ntn_", rf"[0-9]{{11}}[{_ALNUM}]{{35}}"),
    _shape("notion-token", "secret_", rf"[{_ALNUM}]{{43}}", check=_random),
    _shape("figma-token", "figd_", rf"{_B}{{40,}}+"),
    _shape("prefect-token", "pnu_", rf"[{_ALNUM}]{{36}}"),
    _shape("readme-token", "rdme_", r"[a-z0-9]{70}"),
    _shape("infracost-token", "ico-", rf"[{_ALNUM}]{{32}}"),
    _shape("typeform-token", "tfp_", r"[A-Za-z0-9_=.\-]{59}"),
    # --- messaging and mail
    _shape("slack-token", "xox", rf"[abposre]-[{_ALNUM}\-]{{10,}}+"),
    _shape("slack-token", "xoxe.xox", rf"[bp]-[{_ALNUM}\-]{{100,}}+"),
    _shape("slack-token", "xapp-", rf"[0-9]-[{_ALNUM}\-]{{10,}}+"),
    _shape(
        "telegram-bot-token",
        "AA",
        rf"(?<=[0-9]{{5}}:AA){_B}{{33}}",
        back="0123456789:",
        back_max=11,
    ),
    # A Discord bot token: base64 of the bot's numeric id (so it starts M, N or O, then D, T, j or
    # z: the high bits of ASCII digits), a timestamp part, an HMAC part.
    *(
        _shape("discord-bot-token", p, rf"{_B}{{21,25}}\.{_B}{{6,7}}\.{_B}{{27,40}}", check=_snowflake_token)
        for p in ("MD", "MT", "Mj", "Mz", "ND", "NT", "Nj", "Nz", "OD", "OT")
    ),
    _shape("twilio-key", "SK", rf"[{_HEX}]{{32}}"),
    # Twilio's account SID (AC...) and API key SID (SK...), then its auth token or key secret.
    *(_shape("twilio-auth-token", p, rf"[{_HEX}]{{32}}", pair=True) for p in ("AC", "SK")),
    _shape("sendgrid-key", "SG.", rf"{_B}{{16,32}}\.{_B}{{30,50}}"),
    _shape("mailgun-key", "key-", rf"[{_HEX}]{{32}}"),
    _shape(
        "mailchimp-key",
        "-us",
        r"(?<=[0-9a-f]{32}-us)[0-9]{1,2}",
        back="0123456789abcdef",
        back_max=32,
        inner=True,
    ),
    _shape("sendinblue-key", "xkeysib-", rf"[{_HEX}]{{64}}-[{_ALNUM}]{{16}}"),
    _shape("mailjet-key", "xsmtpsib-", rf"[{_HEX}]{{64}}-[{_ALNUM}]{{16}}"),
    # --- payments and e-commerce
    *(_shape("stripe-key", p, rf"(?:live|test|prod)_[{_ALNUM}]{{10,247}}+") for p in ("sk_", "rk_")),
    _shape("stripe-key", "whsec_", rf"[{_ALNUM}]{{20,}}+"),
    _shape("square-token", "EAAA", rf"{_B}{{22,60}}", check=_random),
    *(_shape("square-token", p, rf"{_B}{{22,60}}") for p in ("sq0atp-", "sq0csp-", "sandbox-sq0csp-")),
    _shape("braintree-token", "access_token$", rf"(?:production|sandbox)\$[a-z0-9]{{16}}\$[{_HEX}]{{32}}"),
    _shape("razorpay-key", "rzp_", rf"(?:live|test)_[{_ALNUM}]{{14,}}+"),
    _shape("flutterwave-key", "FLWSECK", rf"(?:_TEST)?-[{_HEX}]{{12,32}}(?:-X)?"),
    _shape("shippo-token", "shippo_", rf"(?:live|test)_[{_HEX}]{{40}}"),
    *(_shape("easypost-key", p, rf"[{_ALNUM}]{{54}}") for p in ("EZAK", "EZTK")),
    _shape("duffel-token", "duffel_", r"(?:test|live)_[A-Za-z0-9_=\-]{43}"),
    _shape("plaid-token", "access-", r"(?:sandbox|development|production)-[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}"),
    *(_shape("shopify-token", p, r"[a-fA-F0-9]{32}") for p in ("shpat_", "shpca_", "shppa_", "shpss_")),
    *(_shape("woocommerce-key", p, rf"[{_HEX}]{{40}}") for p in ("ck_", "cs_")),
    _shape("ramp-key", "ramp_", rf"(?:id|sec)_[{_ALNUM}]{{40,48}}"),
    # --- AI providers
    _shape("anthropic-key", "sk-ant-", rf"(?:api|admin)[0-9]{{2}}-{_B}{{80,}}+"),
    _shape("openai-key", "sk-", rf"{_B}{{20,}}+", check=_random),
    _shape("groq-key", "gsk_", rf"[{_ALNUM}]{{52}}"),
    _shape("replicate-token", "r8_", rf"[{_ALNUM}]{{37}}"),
    _shape("huggingface-token", "hf_", r"[A-Za-z0-9]{30,}+", check=_mixed_case),
    _shape("huggingface-token", "api_org_", r"[A-Za-z]{34}"),
    _shape("perplexity-key", "pplx-", rf"[{_ALNUM}]{{48}}"),
    _shape("langsmith-key", "lsv2_", rf"(?:pt|sk)_[{_HEX}]{{32}}_[{_HEX}]{{10}}"),
    _shape("pinecone-key", "pcsk_", rf"[{_ALNUM}]{{5,6}}_[{_ALNUM}]{{63}}"),
    # --- generic
    _shape("jwt", "eyJ", rf"{_B}{{8,}}+\.eyJ{_B}{{8,}}+\.{_B}*+", boundary=False),
    # A JWT in base64 ("eyJ" becomes "ZXlK"), as a Kubernetes Secret's data holds a token.
    _shape("jwt", "ZXlK", r"[A-Za-z0-9+/]{60,}+={0,2}", check=_random, boundary=False),
)

MIN_TOKEN_RUN = _MIN_RUN = 20  # the shortest token of the table (AKIA + 16, sk_live_ + 12)
# Runs of token characters are found at C speed: the lowercased text, one byte per character
# (encode with "replace" keeps offsets: each non-ASCII character becomes one "?"), is mapped to
# "a" for a token character and " " for anything else, and str.find looks for 20 a's in a row.
# A regex scan of the same runs cost ~10 ns per character in Python's engine.
_RUN_CHARS = b"abcdefghijklmnopqrstuvwxyz0123456789_-.~$+/="
_RUN_TABLE = bytes(0x61 if byte in _RUN_CHARS else 0x20 for byte in range(256))
_RUN_NEEDLE = b"a" * _MIN_RUN
_PIECE_RE = re.compile(r"[/=]+")
_RUN_SEPARATORS = "=_-./~$+"
_MIN_CORE = 12
# Prefixes indexed by their first two characters: one dict lookup per run start.
_BY_FIRST_TWO: dict[str, list[tuple[str, int]]] = {}
_INNER: list[tuple[str, int]] = []
for _index, _s in enumerate(SHAPES):
    if _s.inner:
        _INNER.append((_s.prefix, _index))
    else:
        _BY_FIRST_TWO.setdefault(_s.prefix[:2], []).append((_s.prefix, _index))


def long_runs(lowered: str) -> set[str]:
    """The distinct runs of token characters (``[a-z0-9_\\-.~$+/=]``) of 20 or more in `lowered`."""
    mask = lowered.encode("ascii", "replace").translate(_RUN_TABLE)
    runs: set[str] = set()
    at = mask.find(_RUN_NEEDLE)
    while at != -1:  # `at` starts a run: the search resumed after the last one, at a blank
        end = mask.find(b" ", at + _MIN_RUN)
        if end == -1:
            end = len(mask)
        runs.add(lowered[at:end])
        at = mask.find(_RUN_NEEDLE, end)
    return runs


def token_runs(lowered: str) -> list[str]:
    """The long runs that may hold a token. Every token holds 16 characters or more that are not
    separators: a run with fewer between its first and last other character (rule lines of = or
    _, an escape letter before them) holds none."""
    return [run for run in long_runs(lowered) if len(run.strip(_RUN_SEPARATORS)) >= _MIN_CORE]


def candidate_shapes(runs: list[str], joined: str) -> list[Shape]:
    """The shapes whose prefix starts (or, for inner ones, stands in) one of `runs` (token_runs;
    `joined`: them joined by newlines), in table order (so that a specific shape, sk-ant-, wins
    over a general one, sk-)."""
    # An inner prefix (Q~, .atlasv1., -us) stands inside its token, and a token is a long run.
    found = {index for prefix, index in _INNER if prefix in joined}
    for run in runs:
        found.update(_run_shapes(run))
    if not found:
        return []
    return [SHAPES[index] for index in sorted(found)]


@functools.lru_cache(maxsize=4096)  # runs recur from text to text: paths, rule lines, ids of a session
def _run_shapes(run: str) -> tuple[int, ...]:
    """The indexes of the shapes whose prefix starts `run`, or a part of it after / or = (key=ghp_...,
    /sk_live_...), or either after the letter of a JSON escape (\\nghp_...)."""
    if "/" in run or "=" in run:
        starts = [run, *_PIECE_RE.split(run)[1:]]
    else:
        starts = [run]
    found: list[int] = []
    for start in starts:
        for begin in (start, start[1:]) if start[:1] in _ESCAPE_LETTERS else (start,):
            prefixes = _BY_FIRST_TWO.get(begin[:2])
            if prefixes is not None:
                found.extend(index for prefix, index in prefixes if begin.startswith(prefix))
    return tuple(found)


_ESCAPE_LETTERS = frozenset("ntr")


def shape_findings(text: str, shapes: list[Shape]) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every token of one of `shapes` (candidate_shapes) in `text`."""
    found: list[tuple[int, int, str]] = []
    for shape in shapes:
        for match in shape.regex.finditer(text):
            start, end = match.span(shape.group)
            if shape.back:
                limit = max(0, start - shape.back_max)
                while start > limit and text[start - 1] in shape.back:
                    start -= 1
            if shape.check is not None and not shape.check(text[start:end]):
                continue
            if shape.pair:
                paired = _paired_secret(text, end)
                if paired is not None:
                    found.append((*paired, shape.kind))
                continue
            found.append((start, end, shape.kind))
    return found


# A key's id and its secret written side by side, with no name for the secret: positional
# arguments (Client("AC...", "..."), new AWS.Credentials("AKIA...", "...")), id:secret, a table row.
_PAIRED_RE = re.compile(
    r"""["'`]?+[ \t]*+(?:[,:;|][ \t]*+)?["'`]?+([A-Za-z0-9+/=_\-.~]{16,128}+)(?![A-Za-z0-9+/=_\-.~])"""
)


def _paired_secret(text: str, id_end: int) -> tuple[int, int] | None:
    """The span of the random value right after a key id that ends at `id_end`, if any."""
    match = _PAIRED_RE.match(text, id_end)
    if match is None or match.start(1) == id_end:  # glued to the id: part of another token
        return None
    value = match.group(1).rstrip(".")
    if value_class(value) < Value.RANDOM:
        return None
    return match.start(1), match.start(1) + len(value)


# ---------------------------------------------------------------------------------------------
# Secrets announced by a fixed string: private keys, webhooks, signatures, cookies

PEM_BEGIN_RE = re.compile(r"-----BEGIN (?:[A-Z0-9 ]{0,40}?PRIVATE KEY(?: BLOCK)?|OpenVPN Static key V1)-----")
PEM_END_LITERAL = "-----END "
PEM_MAX_BODY = 64 * 1024
# An unterminated key (truncated output) is redacted as far as its base64 body goes.
PEM_BODY_RE = re.compile(r"(?:(?:Proc-Type|DEK-Info|Comment|Version):[^\n\\]*+|[A-Za-z0-9+/=\s]|\\[nr])*+")
# The private lines of a PuTTY key: whole lines of base64 (the next header, Private-MAC:, is not one),
# and the MAC, which is a keyed hash of the key.
_PUTTY_RE = re.compile(r"Private-Lines: *+[0-9]++[ \t]*+(?:\r?\n|\\n)((?:[A-Za-z0-9+/=]++(?:\r?\n|\\n|$))++)")
_PUTTY_MAC_RE = re.compile(r"Private-MAC: *+([0-9a-fA-F]{32,}+)")

# (literal that must occur, regex, group, kind, gate: "hook", "key", "query" or "amz"; see announced_findings)
_ANNOUNCED: tuple[tuple[str, re.Pattern[str], int, str, str], ...] = (
    (
        "hooks.slack.com/",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/+\-]{8,}+)"),
        1,
        "slack-webhook",
        "hook",
    ),
    ("/api/webhooks/", re.compile(r"/api/webhooks/([0-9]{5,}+/[A-Za-z0-9_\-]{20,}+)"), 1, "discord-webhook", "hook"),
    # The newer Teams URLs end in /V2 and a base64url part (with _).
    (
        "webhook.office.com/",
        re.compile(r"webhook\.office\.com/webhookb2/([A-Za-z0-9@/_\-]{40,}+)"),
        1,
        "teams-webhook",
        "hook",
    ),
    (
        "Key=",
        re.compile(r"Key=(?:(?<=AccountKey=)|(?<=SharedAccessKey=))([^;\s\"'<>\\\[]{8,}+)"),
        1,
        "azure-account-key",
        "key",
    ),
    ("sig=", re.compile(r"sig=(?<=[?&]sig=)([^&\s\"'<>\\]{10,}+)"), 1, "azure-sas-signature", "query"),
    ("X-Amz-", re.compile(r"X-Amz-(?:Signature|Security-Token)=([^&\s\"'<>\\]{16,}+)"), 1, "aws-signature", "amz"),
    # Signed URLs of Google Cloud Storage (X-Goog-Signature=, V2 Signature=) and CloudFront
    # (Signature=...&Key-Pair-Id=): a query parameter, judged random below.
    ("ignature=", re.compile(r"[?&](?:X-Goog-)?Signature=([^&\s\"'<>\\]{16,}+)"), 1, "url-signature", "query"),
    ("Private-Lines:", _PUTTY_RE, 1, "private-key", "key"),  # PuTTY-User-Key-File-3: ...
    ("Private-MAC:", _PUTTY_MAC_RE, 1, "private-key", "key"),
    # Mattermost, Rocket.Chat, Zapier: a webhook's id (and token) in the path after /hooks/
    (
        "/hooks/",
        re.compile(r"/hooks/((?:catch/[0-9]{1,12}+/)?[A-Za-z0-9]{16,}+(?:/[A-Za-z0-9]{16,}+)?)"),
        1,
        "webhook",
        "hook",
    ),
)


def announced_findings(text: str, lowered: str, joined_runs: str, has_key: bool) -> list[tuple[int, int, str]]:
    """Webhooks, account keys, URL signatures and private keys, each found from its literal. Gates
    that cost nothing come first: a webhook URL is a long run of token characters (`joined_runs`:
    token_runs joined), an account key and a private key say "key" (`has_key`: the caller's scan
    found it), a signature stands in a query string (after ? or &)."""
    hooks = "hook" in joined_runs
    query = "?" in text or "&" in text
    amz = query or "x-amz-" in joined_runs  # X-Amz-Signature=<hex>, X-Amz-Security-Token=: long runs
    if not (hooks or has_key or amz):
        return []
    found: list[tuple[int, int, str]] = []
    gates = {"hook": hooks, "key": has_key, "query": query, "amz": amz}
    for literal, regex, group, kind, gate in _ANNOUNCED:
        if gates[gate] and literal in text:
            need = Value.RANDOM if kind in ("url-signature", "webhook") else Value.REFERENCE
            for match in regex.finditer(text):
                if value_class(match.group(group)) >= need:  # sig=REDACTED, AccountKey=... are not
                    found.append((match.start(group), match.end(group), kind))
    if has_key and ("PRIVATE KEY" in text or "Static key" in text):
        found.extend(_pem_findings(text))
    return found


def _pem_findings(text: str) -> Iterator[tuple[int, int, str]]:
    covered_until = 0
    next_end = -2  # cached position of the next "-----END " (-1: none left); keeps this linear
    for begin in PEM_BEGIN_RE.finditer(text):
        if begin.start() < covered_until:
            continue
        body_start = begin.end()
        if next_end != -1 and next_end < body_start:
            next_end = text.find(PEM_END_LITERAL, body_start)
        if next_end != -1 and next_end - body_start <= PEM_MAX_BODY:
            body_end = next_end
        else:
            body_match = PEM_BODY_RE.match(text, body_start)
            body_end = body_match.end() if body_match else body_start
        start, end = strip_span(text, body_start, body_end)
        covered_until = body_end
        if start < end and _is_key_body(text[start:end]):
            yield start, end, "private-key"


def _is_key_body(body: str) -> bool:
    """Base64 with some variety, not a placeholder (XXXX..., "..."): a real key, a test key too."""
    sample = body[:400]
    return len(body) >= 32 and len(set(sample)) >= 16


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace and literal \\n escapes at both ends."""
    while start < end:
        if text[start].isspace():
            start += 1
        elif text.startswith(("\\n", "\\r"), start) and start + 2 <= end:
            start += 2
        else:
            break
    while end > start:
        if text[end - 1].isspace():
            end -= 1
        elif end - 2 >= start and text[end - 2] == "\\" and text[end - 1] in "nr":
            end -= 2
        else:
            break
    return start, end
