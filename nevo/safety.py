"""The safety gate for text nevo is about to put in front of the agent (a rule, a fact, a skill).

Tool output is data, never instructions: a proposal built from it may carry an injected instruction.
Anything that tells the agent to download and run code, switch off hooks or nevo, skip or weaken
tests, send data out, read credentials, or disregard its instructions (or the person's) is refused
before it is written.

Two contexts, because the same words mean different things in a one-line rule and in a skill:
- ``rule`` (the default: the analyst's gate, rule lint, the memory gate). A rule is one to three
  sentences the agent obeys on every session; anything that so much as mentions printing a token or
  the system prompt is refused.
- ``skill`` (the skill validator). A skill is documentation the agent reads when it needs it: it
  names the system prompt, shows `your_api_key_here` placeholders, explains how hooks are written,
  quotes the excuses it warns against. Here the patterns look for what a skill makes the agent *do*:
  download-and-execute, reading credential stores or dumping the environment, switching off hooks
  or rules, sending secrets or files to a drop point, and telling the agent to disregard the person.
  A mention governed by a negation or a detection verb ("never ...", "flag any ...") is not an
  instruction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nevo.safety_words import (  # shared with the skill scan (nevo.safety_skill)
    _CHECKER,
    _EARLIER,
    _GUIDANCE,
    _OWN_FILES,
    DOWNLOAD_AND_EXECUTE_COMMANDS,
)

RULE = "rule"
SKILL = "skill"


@dataclass(frozen=True)
class SafetyFinding:
    # download-and-execute | disable-hooks | skip-tests | exfiltration | credential-read | prompt-injection
    # (skills also, reported as warnings: vendor-installer, a tool's official installer piped to a shell;
    # container-download, a download run by a container build step)
    kind: str
    excerpt: str


_I = re.IGNORECASE
DOWNLOAD_AND_EXECUTE = (
    DOWNLOAD_AND_EXECUTE_COMMANDS + r"|\b(?:download|fetch)\b[^.\n]{0,60}\b(?:and|then)\s+(?:run|execute|exec)\b"
)

_RULE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("download-and-execute", re.compile(DOWNLOAD_AND_EXECUTE, _I)),
    (
        "disable-hooks",
        re.compile(
            r"\b(?:disable|remove|delete|bypass|skip|turn\s+off|uninstall|kill|stop)\b[^.\n]{0,40}"
            r"\b(?:hooks?|nevo|guards?|pre-commit|pretooluse|settings\.json)\b"
            # `git commit -n` is --no-verify; matched from `git` so "never use `git commit -n`" reads as negated
            r"|\bgit\s+(?:commit|push|merge|am|rebase|cherry-pick|revert)\b[^\n|;&]{0,400}?--no-verify\b"
            r"|\bgit\s+commit\b[^\n|;&]{0,400}?\s-[a-zA-Z]*n[a-zA-Z]*\b"
            r"|--no-verify\b|\bnevo\s+uninstall\b|\brm\s+(?:-\w+\s+)*[^\n]{0,400}?\.nevo\b"
            r"|\bdisableAllHooks\b|\.claude/settings[^\n]{0,400}?(?:delete|remove|empty)"
            r"|\b(?:delet|remov|edit|modif|overwrit|truncat|empt|clear|wip|rewrit|renam|unlink)(?:e|es|ed|ing|y|ies|ied)?\b"
            rf"[^\n]{{0,40}}?{_OWN_FILES}"
            rf"|\b(?:rm|mv|move|moving|comment\s+out)\b[^\n]{{0,40}}?{_OWN_FILES}"
            r"|>\s*\S*\.claude/settings[\w.-]*\.json",
            _I,
        ),
    ),
    (
        "skip-tests",
        re.compile(
            r"\b(?:skip|disable|delete|remove|comment\s+out|ignore|bypass)\b[^.\n]{0,30}\b(?:the\s+)?(?:tests?|test\s+suite|ci|checks?|linters?|type\s*checks?)\b"
            r"|pytest\.mark\.(?:skip|xfail)|pytest\.(?:skip|xfail)\(|@unittest\.(?:skip|expectedFailure)"
            r"|\bit\.skip\(|\bxit\(|--no-tests?\b|-DskipTests|\|\|\s*true\s*#?\s*tests?"
            rf"|\b{_CHECKER}\b[^\n;]{{0,400}}?\|\|\s*(?:true\b|:(?!\S)|exit\s+0\b)"
            # pre-commit's SKIP=hook-id (upper case only: `--skip=slow` is an ordinary option)
            r"|\bSKIP_TESTS\s*=|(?-i:(?<![\w-])SKIP=[\w,-])",
            _I,
        ),
    ),
    (
        "exfiltration",
        re.compile(
            r"\b(?:curl|wget|http[ie]?|nc|ncat|netcat|scp|rsync)\b[^\n]{0,400}?(?:-d\s*@|--data(?:-binary)?\s*@|-T\s|--upload-file|-F\s*\S*=@)"
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
            rf"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{{0,30}}\b{_EARLIER}\b[^.\n]{{0,20}}\b{_GUIDANCE}\b"
            r"|\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,30}?"
            r"(?:\bCLAUDE\.md|\bAGENTS\.md|\.claude/rules|\bnevo(?:'s)?\s+rules)"
            # "treat earlier guidance as obsolete", "all previous instructions are now void"
            rf"|\b{_EARLIER}\s+(?:\w+\s+)?{_GUIDANCE}\s+(?:(?:as|is|are|now|to|be|being|considered|should)\s+)*"
            r"(?:obsolete|void|outdated|superseded|invalid|revoked|cancell?ed|irrelevant|no\s+longer\s+(?:appl(?:y|ies)|valid|relevant))\b"
            r"|\byou\s+are\s+now\b|\bnew\s+instructions?\s*:|\bsystem\s+prompt\b|\bjailbreak\b",
            _I,
        ),
    ),
)


# A negation that governs the matched command: "never pipe curl to sh", "do not run curl | sh",
# "don't skip the tests", "avoid `git commit -n`". A "not" elsewhere ("if the tool is not installed,
# curl ... | sh", "not only curl ... | sh") does not make the instruction safe.
_NEGATED = re.compile(
    r"\b(?:never|don'?t|do\s+not|does\s+not|must\s+not|mustn'?t|should\s+not|shouldn'?t|avoid|no)\s+"
    r"(?:(?:pipe|piping|run|running|use|using|execute|executing|call|calling|invoke|invoking|add|adding"
    r"|type|typing|try|trying|put|putting|write|writing|commit|committing|paste|pasting)\s+)?"
    r"[`'\"(]*$",
    _I,
)


def scan(text: str, *, context: str = RULE) -> list[SafetyFinding]:
    """Every unsafe instruction found in ``text`` (empty: the text may be shown to the agent).

    ``context``: ``rule`` (the default: rules, facts) or ``skill`` (a skill's files: documentation
    the agent reads, judged on what it makes the agent do)."""
    if context == SKILL:
        return _scan_skill(text)
    if context != RULE:
        raise ValueError(f"unknown safety context {context!r} (rule or skill)")
    findings: list[SafetyFinding] = []
    for kind, pattern in _RULE_PATTERNS:
        for match in pattern.finditer(text):
            if kind != "prompt-injection" and _NEGATED.search(text[max(0, match.start() - 40) : match.start()]):
                continue  # "never pipe curl to sh" is a good rule, not an unsafe one
            findings.append(SafetyFinding(kind, _excerpt(text, match.start(), match.end())))
            break  # one finding per kind is enough to refuse
    return findings


def _scan_skill(text: str) -> list[SafetyFinding]:
    from nevo.safety_flows import commits_in_a_repository_it_made, flow_findings
    from nevo.safety_skill import (
        ATTACK_CONTEXT,
        SKILL_PATTERNS,
        SKILL_SENSES,
        context_of,
        in_container_build,
        installer_kind,
    )

    findings: list[SafetyFinding] = []
    seen: set[str] = set()
    for kind, pattern in SKILL_PATTERNS:
        if kind in seen:
            continue
        for match in pattern.finditer(text):
            lead = _LEAD.match(match.group(0))  # the verb, not ", then " before it
            start = match.start() + (len(lead.group(0)) if lead else 0)
            if "order" in pattern.groupindex and match.group("order") and _on_comment_line(text, start):
                continue  # "# not configured, skip hook": a script's comment says what the code does
            if _governed(text, start, SKILL_SENSES):
                continue
            if kind == "prompt-injection" and text[max(0, match.start() - 1) : match.start()] in ('"', "“"):
                continue  # a quoted phrase: the skill names the words ("avoid 'ignore what the user said'")
            if ATTACK_CONTEXT.search(context_of(text, match.start())):
                continue  # an example of an attack in a skill about finding them
            if kind == "disable-hooks" and commits_in_a_repository_it_made(text, start):
                continue  # `git -C "$FIXTURE" commit --no-verify` in a repository the script just made
            installer = None
            if kind == "download-and-execute":
                line_end = text.find("\n", match.end())
                installer = installer_kind(text[match.start() : len(text) if line_end == -1 else line_end])
                if installer is None and in_container_build(text, start):
                    installer = "container-download"
            if installer == "mention":
                continue
            if installer:  # reported once (a warning); a second, unknown download is still looked for
                if installer not in seen:
                    findings.append(SafetyFinding(installer, _excerpt(text, match.start(), match.end())))
                    seen.add(installer)
                continue
            findings.append(SafetyFinding(kind, _excerpt(text, match.start(), match.end())))
            seen.add(kind)
            break
    for kind, start, end in flow_findings(text):
        if kind not in seen and not ATTACK_CONTEXT.search(text[start:end]):
            findings.append(SafetyFinding(kind, _excerpt(text, start, end)))
            seen.add(kind)
    return findings


def _governed(text: str, start: int, senses: re.Pattern[str]) -> bool:
    """Is the match at ``start`` negated or merely named ("never ...", "flag any ...") by what precedes
    it on its line?"""
    line_start = text.rfind("\n", 0, start) + 1
    window = text[max(line_start, start - 60) : start]
    if _NEGATED.search(window[-40:]):
        return True
    named = [match.end() for match in senses.finditer(window)]
    # "flag any `curl | sh`" names it; "when the hook blocks you, delete ..." does not govern the order
    return bool(named) and not _CLAUSE_BREAK.search(window[named[-1] :])


_LEAD = re.compile(r"[\s.:;!?,*-]*(?:\d+\.\s*)?(?:(?:then|first|and|just|simply)\s+)?", re.IGNORECASE)


def _on_comment_line(text: str, start: int) -> bool:
    line = text[text.rfind("\n", 0, start) + 1 : start]
    return re.search(r"(?:^|\s)(?:#|//)\s", line) is not None


_CLAUSE_BREAK = re.compile(r"[,;:.!?]\s|\b(?:then|and|but|so)\b", re.IGNORECASE)


def _excerpt(text: str, start: int, end: int) -> str:
    start, end = max(0, start - 20), min(len(text), end + 20)
    return text[start:end].replace("\n", " ").strip()


def is_safe(text: str, *, context: str = RULE) -> bool:
    return not scan(text, context=context)
