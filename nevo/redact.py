"""Secret redaction: every string nevo persists or sends to an LLM passes through here first.

`redact(text)` replaces each secret *value* by a marker such as ``[REDACTED:github-token]`` and
keeps its surroundings (the key, the user and host of a URL, the auth scheme), so the text stays
useful to a human and to fingerprinting. Markers are never matched again: redaction is idempotent.

A value is a secret when it has the shape of one (nevo.redact_shapes: ``ghp_...``, ``AKIA...``,
PEM private keys, ~100 provider formats), or when its context names a secret *and* it looks like
one (nevo.redact_context, judged by nevo.redact_patterns): ``--password x``, ``DB_PASSWORD=x``,
``"client_secret": "..."``, ``postgres://u:x@h``, ``Pwd=x;``, ``mysql -px``, ``the staging password
is x``. A value that is a word, an identifier, an expression, a path or a placeholder
(``self.token = nextchar``, ``password = getpass()``, ``${{ secrets.X }}``, ``<your-token>``) is
not a secret, whatever its neighbours say. See bench/bench_redact.py for recall, false findings
per MB of ordinary code and tool output, and throughput.

`neutralise_trailers(text)` keeps text quoted into a commit message from forging git trailers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nevo.redact_context import (
    cookie_findings,
    flag_findings,
    login_findings,
    reversed_prose_findings,
    sign_in_findings,
    url_findings,
)
from nevo.redact_forms import form_findings
from nevo.redact_keyed import keyed_findings, root_positions
from nevo.redact_patterns import MARKER_PREFIX, MARKER_RE, Value, key_kind, value_class
from nevo.redact_prose import prose_findings
from nevo.redact_shapes import MIN_TOKEN_RUN, announced_findings, candidate_shapes, shape_findings, token_runs

__all__ = ["MARKER_PREFIX", "Finding", "find_secrets", "marker", "neutralise_trailers", "redact", "redact_obj"]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ESCAPE_RE = re.compile(r"\\[nrt\"'\\]")
# Shorter than this, a text cannot hold a secret with the name or shape that would say it is one.
_SHORTEST = 8
# Lowercase ASCII words, blanks and -_./: nothing here can be a secret (a value must hold a digit,
# a capital or another symbol to look like a password; every token shape has one too), and most
# short texts (a command, a description, a path) are decided by this one match.
_PLAIN_RE = re.compile(r"[a-z \t\r\n._/-]*+")
# When two findings overlap, the merged span takes the kind of the most specific one.
_PRIO_SHAPE, _PRIO_URL, _PRIO_CONTEXT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Finding:
    """One secret: its kind (used in the marker) and its [start, end) span in the text."""

    kind: str
    start: int
    end: int


def find_secrets(text: str) -> list[Finding]:
    """Secrets in `text`, sorted, non-overlapping (overlapping detections are merged)."""
    if len(text) < _SHORTEST or _PLAIN_RE.fullmatch(text):
        return []
    lowered = text.lower()  # same length as text (checked), so offsets agree
    if len(lowered) != len(text):  # a few non-ASCII letters lengthen when lowered: keep offsets
        lowered = text.translate(_ASCII_LOWER)
    raw: list[tuple[int, int, int, str]] = []
    # What the detectors start from is found once, at C speed: the root words of secret names and
    # the long runs of token characters. Each detector then runs only when the text holds what it
    # needs (a search for one character such as "@" costs little; a search for a word ~0.5 ns a
    # character; a detector called for nothing still costs its setup).
    roots = root_positions(lowered)
    kinds = {lowered[at : at + 2] for at in roots}  # pa(ss), pw, se(cret), to(ken), ke(y), au(th), cr(ed)
    runs = token_runs(lowered) if len(text) >= MIN_TOKEN_RUN else []
    joined = "\n".join(runs)
    if runs:
        shapes = candidate_shapes(runs, joined)
        if shapes:
            raw.extend((start, end, _PRIO_SHAPE, kind) for start, end, kind in shape_findings(text, shapes))
    for start, end, kind in announced_findings(text, lowered, joined, "ke" in kinds):
        raw.append((start, end, _PRIO_SHAPE, kind))
    if "@" in text and "://" in text:
        raw.extend((start, end, _PRIO_URL, kind) for start, end, kind in url_findings(text))
    if roots:
        raw.extend((start, end, _PRIO_CONTEXT, kind) for start, end, kind in keyed_findings(text, lowered, roots))
    if "-" in text:
        raw.extend((start, end, _PRIO_CONTEXT, kind) for start, end, kind in flag_findings(text, lowered))
    if (
        " login" in lowered  # the detector reads " login " and " login\n" only
        or ("to" in kinds and "--with-token" in lowered)
        or ("pa" in kinds and "--password-stdin" in lowered)
    ):
        raw.extend((start, end, _PRIO_CONTEXT, kind) for start, end, kind in login_findings(text, lowered))
    pass_at = [at for at in roots if lowered.startswith("pass", at)] if "pa" in kinds else []
    for start, end, kind in form_findings(text, lowered, bool(pass_at), bool(roots)):
        raw.append((start, end, _PRIO_CONTEXT, kind))
    for start, end, kind in prose_findings(text, lowered, pass_at):
        raw.append((start, end, _PRIO_CONTEXT, kind))
    if " as " in lowered:
        if roots:  # "use X as the password": the noun holds a root
            raw.extend((start, end, _PRIO_CONTEXT, kind) for start, end, kind in reversed_prose_findings(text, lowered))
        if " in as " in lowered:  # "sign in as ops with X"
            raw.extend((start, end, _PRIO_CONTEXT, kind) for start, end, kind in sign_in_findings(text, lowered))
    if "cookie:" in lowered:
        raw.extend((start, end, _PRIO_CONTEXT, kind) for start, end, kind in cookie_findings(text, lowered))
    if not raw:
        return []
    raw = _clip_markers(raw, text)
    raw.sort(key=lambda f: (f[0], -f[1], f[2]))
    merged: list[list[int | str]] = []
    for start, end, prio, kind in raw:
        if merged and start < int(merged[-1][1]):
            last = merged[-1]
            last[1] = max(int(last[1]), end)
            if prio < int(last[2]):
                last[2], last[3] = prio, kind
        else:
            merged.append([start, end, prio, kind])
    return [Finding(str(kind), int(start), int(end)) for start, end, _, kind in merged]


def _clip_markers(raw: list[tuple[int, int, int, str]], text: str) -> list[tuple[int, int, int, str]]:
    """Remove existing markers from the findings, so redacting twice changes nothing."""
    if MARKER_PREFIX not in text:
        return raw
    markers = [m.span() for m in MARKER_RE.finditer(text)]
    if not markers:
        return raw
    clipped: list[tuple[int, int, int, str]] = []
    for start, end, prio, kind in raw:
        if any(m_start < start < m_end for m_start, m_end in markers):
            continue  # read off a marker's own text (the colon of `[REDACTED:x]` taken for user:password)
        pieces = [(start, end)]
        for m_start, m_end in markers:
            if m_start >= end:
                break
            if m_end <= start:
                continue
            pieces = [
                part
                for p_start, p_end in pieces
                for part in ((p_start, min(p_end, m_start)), (max(p_start, m_end), p_end))
                if part[0] < part[1]
            ]
        for p_start, p_end in pieces:
            leftover = _ESCAPE_RE.sub("", text[p_start:p_end])  # a \\n next to a marker is no secret
            if any(c.isalnum() for c in leftover):
                clipped.append((p_start, p_end, prio, kind))
    return clipped


def marker(kind: str) -> str:
    return f"{MARKER_PREFIX}{kind}]"


MAX_PASSES = 3  # a redacted text read again finds nothing more (a marker can give a neighbour away)


def redact(text: str) -> str:
    """`text` with every secret value replaced by a marker such as [REDACTED:aws-access-key-id]. Read again
    until nothing more is found: what a marker's context reveals (`-u1@[REDACTED:github-token]/K7MD...`, the
    rest of a value glued to a token) is redacted now, not the next time the text passes through nevo."""
    for _ in range(MAX_PASSES):
        redacted = _redact_once(text)
        if redacted == text:
            break
        text = redacted
        if not _GLUED.search(text):
            break  # every marker stands apart from its neighbours: reading again would find nothing new
    return text


# A marker glued to what follows or precedes it (`[REDACTED:github-token]/K7MD...`, `ab[REDACTED:...`): the
# only way a second reading can see more than the first.
_GLUED = re.compile(r"\[REDACTED:[\w-]+\][\w/+=.-]|[\w/+.-]\[REDACTED:")


def _redact_once(text: str) -> str:
    findings = find_secrets(text)
    if not findings:
        return text
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        parts.append(marker(finding.kind))
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def redact_obj(obj: object) -> object:
    """A copy of `obj` with every string redacted; dict keys are kept, and a scalar value under a
    secret-looking key (``{"password": "hunter2"}``) is replaced whole, since alone it looks like
    nothing. So is the ``value`` of an entry that a sibling names (``{"name": "DB_PASSWORD",
    "value": "x"}``: Kubernetes and ECS environment lists) or that sits under a secret's key
    (``{"db_password": {"sensitive": true, "value": "x"}}``: terraform output)."""
    return _redact_obj(obj, None)


def _redact_obj(obj: object, parent_kind: str | None) -> object:
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        entry_kind = parent_kind or _named_entry_kind(obj)
        result: dict[object, object] = {}
        for key, value in obj.items():
            kind = key_kind(key) if isinstance(key, str) else None
            if kind is None and entry_kind is not None and isinstance(key, str) and key.lower() == "value":
                kind = entry_kind
            if kind is not None and _is_secret_scalar(value, kind):
                result[key] = marker(kind)
            else:
                result[key] = _redact_obj(value, kind if isinstance(value, dict) else None)
        return result
    if isinstance(obj, list):
        return [_redact_obj(item, None) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_redact_obj(item, None) for item in obj)
    return obj


_ENTRY_NAMES = ("name", "key", "variable", "parameter")


def _named_entry_kind(entry: dict[object, object]) -> str | None:
    """The kind of secret an entry with a ``value`` names in its ``name`` (or key, variable,
    parameter) field, if any."""
    if not any(isinstance(key, str) and key.lower() == "value" for key in entry):
        return None
    for key, name in entry.items():
        if isinstance(key, str) and key.lower() in _ENTRY_NAMES and isinstance(name, str):
            kind = key_kind(name)
            if kind is not None:
                return kind
    return None


def _is_secret_scalar(value: object, kind: str) -> bool:
    """A value alone under a key that names a secret: a string that looks like one, or a number
    of four digits or more (a PIN, a numeric password)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) >= 1000
    if not isinstance(value, str) or value.startswith(MARKER_PREFIX):
        return False
    return value_class(value.strip()) >= (Value.PASSWORD if kind == "password" else Value.RANDOM)


# Lines that git, GitHub and review tools act on when they end a commit message ("Signed-off-by:",
# "Co-authored-by:", "Change-Id:", "Fixes:"). Text quoted from a failing command or its output must
# not forge them; nevo's own fields (Incident:, Recovery:, Rule:) are not in this family.
_TRAILER_RE = re.compile(
    r"(?im)^([ \t]*)((?:[a-z0-9-]*-by|change-id|fixes|closes|resolves|cc|link|bug|refs|reverts|see-also)"
    r"[ \t]*:[^\r\n]*)$"
)


def neutralise_trailers(text: str) -> str:
    """`text` with every line that reads as a git trailer of the signing or linking kind quoted
    ("> Signed-off-by: ..."), so that git and GitHub do not take it for one. For untrusted text that
    ends up in a commit message."""
    if ":" not in text:
        return text
    return _TRAILER_RE.sub(lambda m: f"{m.group(1)}> {m.group(2)}", text)
