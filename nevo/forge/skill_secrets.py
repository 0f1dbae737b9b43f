"""Secrets written into a skill: the redactor's findings, kept only when the value is a real credential.

The redactor (``nevo.redact.find_secrets``) errs on the side of hiding: ``did_pass = trigger_rate >= x`` has a
"password" key, ``export ANTHROPIC_API_KEY=your_api_key_here`` has an "api-key". That is right for what
nevo stores, wrong for judging a skill, whose documentation is full of keys named in code and placeholders
shown to the reader. A finding counts here only when its value is a literal that looks like a credential:
- a token with a vendor's shape (``ghp_...``, ``AKIA...``, ``sk-ant-...``, a PEM private key, ...) that is
  not a visible placeholder (``AIzaXXXX...``, ``sk-...``, ``...EXAMPLE``, ``A1B2C3D4...``);
- any other value (after ``password=``, ``token:``, in a URL's userinfo) that is long, mixes character
  classes like a generated secret, and is neither an expression nor a placeholder (``acceptable``,
  ``summary.pass_rate``, ``$TOKEN``, ``<token>``, ``Password123!``, ``sk-or-v1-project1-key``, ``Welcome123!``).
The forge's own skills (``strict``) keep every finding: nevo never writes anything that looks like a secret.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from nevo.redact import find_secrets

# Kinds that come from a vendor's token shape (nevo.redact_patterns.TOKEN_SHAPES) or a PEM block.
SHAPED_KINDS = frozenset(
    {
        "aws-access-key-id",
        "gcp-api-key",
        "github-token",
        "gitlab-token",
        "slack-token",
        "slack-webhook",
        "discord-webhook",
        "stripe-key",
        "openai-key",
        "anthropic-key",
        "npm-token",
        "huggingface-token",
        "pypi-token",
        "sendgrid-key",
        "twilio-key",
        "google-oauth-token",
        "azure-account-key",
        "azure-sas-signature",
        "private-key",
    }
)
_PLACEHOLDER = re.compile(
    r"[xX]{4,}|\.\.\.|…|[<>{}]|\*{2,}|\$|%\w|example|sample|dummy|fake|placeholder|your|changeme|change_me"
    r"|redacted|replace|insert|here|test|demo|abc|1234|0000|foo|bar|secret|p[a@]ss|p[a@]\$\$|token|mykey|my[_-]"
    r"|api[_-]?key|xyz|qwerty|letmein|admin123",
    re.IGNORECASE,
)
# A1B2C3D4..., 0123456789, abcdefgh: typed by a person to show a shape.
_SEQUENCE = re.compile(r"(?:[A-Za-z]\d){4,}|(?:\d[A-Za-z]){4,}|0123456|123456789|abcdefg", re.IGNORECASE)
_CODE = re.compile(r"[()\[\]=;]|::|->|\.\w+\(|^\w+(?:\.\w+)+$|\s")
# words joined by separators (edited/backspaced/reformatted): prose, not a generated secret
_WORDS = re.compile(r"[A-Za-z]+(?:[/_.-][A-Za-z]+)+")
_FILE_NAME = re.compile(r"\.(?:json|ya?ml|toml|txt|env|pem|key|cfg|ini|conf|md|py|sh|js|ts)$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# short lower-case parts joined by separators (sk-or-v1-project1-key, prod-db-2024-eu): a name a person typed;
# a generated secret has a long random run
_SLUG = re.compile(r"[a-z0-9]{1,8}(?:[-_.][a-z0-9]{1,8}){2,}")
# a word, a number, a sign: the password a sample shows (Welcome123!, Summer2024#), never a generated one
# a name in CamelCase with one short number (ERC20Votes, OAuth2Client, Base64Decoder): a class, not a secret
_NAME_WITH_NUMBER = re.compile(r"(?:[A-Z]{1,5}|[A-Z]?[a-z]{2,})+\d{1,4}(?:[A-Z][a-z]{2,})*")
_SHOWN_PASSWORD = re.compile(r"[A-Z]?[a-z]{3,12}\d{1,4}[!@#$%?*]?")
MIN_ENTROPY = 3.0  # bits per character: generated secrets are ~4-6, words and identifiers ~2.5-3.5


def written_secrets(text: str, *, strict: bool = False) -> list[tuple[int, str]]:
    """(line, kind) of each secret written into ``text``: every redactor finding when ``strict``,
    else only real-looking credentials."""
    found = []
    for secret in find_secrets(text):
        value = text[secret.start : secret.end]
        if strict or is_credential(value, secret.kind):
            found.append((text.count("\n", 0, secret.start) + 1, secret.kind))
    return found


def is_credential(value: str, kind: str) -> bool:
    """Does ``value`` (found as ``kind``) look like a real credential rather than a placeholder or code?"""
    value = value.strip().strip("\"'`")
    if kind == "private-key":
        body = re.sub(r"\s|\\n", "", value)
        return len(body) >= 200 and not _PLACEHOLDER.search(body) and "..." not in value
    if not value or _PLACEHOLDER.search(value) or _SEQUENCE.search(value):
        return False  # (before the trailing punctuation goes: "eyJhbGci..." is shortened on purpose)
    value = value.rstrip(",;:.)]}\\ ")
    if kind in SHAPED_KINDS:
        return entropy(value) >= MIN_ENTROPY
    if len(value) < 8 or _CODE.search(value) or _FILE_NAME.search(value):
        return False
    if (_IDENTIFIER.fullmatch(value) or _WORDS.fullmatch(value)) and not any(c.isdigit() for c in value):
        return False  # a name in code (RawBytes, DB_PASSWORD): generated secrets carry digits
    if _SLUG.fullmatch(value) or _SHOWN_PASSWORD.fullmatch(value) or _NAME_WITH_NUMBER.fullmatch(value):
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    mixed = classes >= 3 or (classes == 2 and len(value) >= 20)
    return mixed and entropy(value) >= MIN_ENTROPY


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
