"""The safety gate for text nevo is about to put in front of the agent (a rule, a skill).

Tool output is data, never instructions: a proposal built from it may carry an injected instruction.
Anything that tells the agent to download and run code, switch off hooks or nevo, skip or weaken
tests, send data out, read credentials, or disregard its instructions is refused before it is written.
Used by the analyst gate and by the skill forge's validator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SafetyFinding:
    # download-and-execute | disable-hooks | skip-tests | exfiltration | credential-read | prompt-injection
    kind: str
    excerpt: str


_I = re.IGNORECASE
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "download-and-execute",
        re.compile(
            r"\b(?:curl|wget|fetch|iwr|invoke-webrequest)\b[^\n|;]*\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b"
            r"|\b(?:curl|wget)\b[^\n]*&&\s*(?:sudo\s+)?(?:ba|z)?sh\s"
            r"|\b(?:ba|z)?sh\s+<\(\s*(?:curl|wget)"
            r"|\b(?:curl|wget)\b[^\n|;]*\|\s*(?:python3?|perl|ruby|node)\b"
            r"|\beval\s+\"?\$\(\s*(?:curl|wget)"
            r"|\bpython3?\s+-c\s+[\"'][^\"']*(?:urlopen|requests\.get)[^\"']*exec"
            r"|\b(?:download|fetch)\b[^.\n]{0,60}\b(?:and|then)\s+(?:run|execute|exec)\b",
            _I,
        ),
    ),
    (
        "disable-hooks",
        re.compile(
            r"\b(?:disable|remove|delete|bypass|skip|turn\s+off|uninstall|kill|stop)\b[^.\n]{0,40}"
            r"\b(?:hooks?|nevo|guards?|pre-commit|pretooluse|settings\.json)\b"
            r"|--no-verify\b|\bnevo\s+uninstall\b|\brm\s+(?:-\w+\s+)*[^\n]*\.nevo\b"
            r"|\bdisableAllHooks\b|\.claude/settings[^\n]*(?:delete|remove|empty)",
            _I,
        ),
    ),
    (
        "skip-tests",
        re.compile(
            r"\b(?:skip|disable|delete|remove|comment\s+out|ignore|bypass)\b[^.\n]{0,30}\b(?:the\s+)?(?:tests?|test\s+suite|ci|checks?|linters?|type\s*checks?)\b"
            r"|pytest\.mark\.skip|@unittest\.skip|\bit\.skip\(|\bxit\(|--no-tests?\b|-DskipTests|\|\|\s*true\s*#?\s*tests?"
            r"|\bSKIP_TESTS\s*=",
            _I,
        ),
    ),
    (
        "exfiltration",
        re.compile(
            r"\b(?:curl|wget|http[ie]?|nc|ncat|netcat|scp|rsync)\b[^\n]*(?:-d\s*@|--data(?:-binary)?\s*@|-T\s|--upload-file|-F\s*\S*=@)"
            r"|\b(?:send|upload|post|exfiltrate|transmit|copy)\b[^\n]{0,50}\b(?:to\s+(?:https?://|an?\s+external|a\s+remote|the\s+server)|pastebin|webhook)"
            r"|\|\s*(?:nc|ncat|netcat)\s+\S+\s+\d+",
            _I,
        ),
    ),
    (
        "credential-read",
        re.compile(
            r"(?:~|\$HOME|/root|/home/\w+)/\.(?:ssh|aws|gnupg|netrc|docker/config|kube/config|npmrc|pypirc|git-credentials)"
            r"|\bid_(?:rsa|ed25519|ecdsa)\b|\b(?:cat|print|read|dump|echo)\b[^\n]{0,30}(?:\$\w*(?:TOKEN|SECRET|PASSWORD|API_KEY)\w*|\.env\b|credentials)"
            r"|\bprintenv\b|\benv\s*\|\s*(?:curl|nc)",
            _I,
        ),
    ),
    (
        "prompt-injection",
        re.compile(
            r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,30}\b(?:previous|prior|above|earlier|all|your|system)\b[^.\n]{0,20}"
            r"\b(?:instructions?|rules?|prompts?|guidelines)\b"
            r"|\byou\s+are\s+now\b|\bnew\s+instructions?\s*:|\bsystem\s+prompt\b|\bjailbreak\b",
            _I,
        ),
    ),
)


# A negation right before the match ("never", "do not run", "avoid"): at most one word in between.
_NEGATED = re.compile(r"\b(?:never|not|don't|do\s+not|must\s+not|avoid|no)\s+(?:\w+\s+)?[`'\"(]*$", _I)


def scan(text: str) -> list[SafetyFinding]:
    """Every unsafe instruction found in ``text`` (empty: the text may be shown to the agent)."""
    findings: list[SafetyFinding] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if kind != "prompt-injection" and _NEGATED.search(
                text[max(0, match.start() - 40) : match.start()]
            ):
                continue  # "never pipe curl to sh" is a good rule, not an unsafe one
            start, end = max(0, match.start() - 20), min(len(text), match.end() + 20)
            findings.append(SafetyFinding(kind, text[start:end].replace("\n", " ").strip()))
            break  # one finding per kind is enough to refuse
    return findings


def is_safe(text: str) -> bool:
    return not scan(text)
