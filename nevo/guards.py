"""Teeth for rules: each active rule's ``guard:`` block compiled into the table the PreToolUse hook reads.

A rule's ``guard:`` is parsed only by :meth:`nevo.verdict.GuardSpec.from_meta` (tool, match, action,
fix, and ``check``: the cause it answers). From each valid spec :func:`compile_table` builds one
:class:`GuardEntry`, or refuses it with the reason (:class:`Refusal`): a guard that could fire on a bare
common program, smuggle in a segment the failed call did not have, carry a redaction marker, or do
something harmful is never emitted, whatever its rule says.

For Bash the match is read as the shell reads it (:mod:`nevo.shellwords`): the words of one simple
command, after any ``VAR=value`` assignments and ``env`` / ``timeout N`` / ``command`` prefixes (an
assignment written in the match must be on the call too). The hook (``hooks/guard.py``) matches those
words as whole words of one segment and rewrites the segment to the fix, keeping its prefix and its
redirections; for the file tools (Read, Edit, MultiEdit, Write, NotebookEdit, Glob, Grep) the match is a
path relative to the workspace and the call is denied with a reason naming the path to use. Either way
it acts only while the cause still holds (:mod:`nevo.causes`, checked at call time).

A guard lives only as long as its rule: each entry names the rule file and the exact lines of its
``guard`` (and ``status``) block, and the hook checks them on a match, so a reverted, deprecated or
hand-edited rule stops acting at once even before the table is rebuilt (:func:`is_stale`).

Files (runtime, rebuilt from the rules): ``.nevo/guards.json`` (``{"version": 3, "guards": [...]}``, what
the hook's Python reads) and ``.nevo/guards.needles`` (the interpreter, then one literal string per guard:
the shell prefilter that keeps a call no guard can match from ever starting Python).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nevo import causes, shellwords
from nevo.fsutil import atomic_write_text
from nevo.recovery import only_narrows
from nevo.rules import Rule, RuleBook
from nevo.safety import scan
from nevo.settings import HookSpec
from nevo.verdict import GuardError, GuardSpec
from nevo.workspace import Workspace

log = logging.getLogger(__name__)

GUARD_SCRIPT = "guard"
GUARD_TIMEOUT = 5
TABLE_VERSION = 3  # 3: typed entries with the cause the hook re-checks; file tools
FILE_TOOLS = ("Read", "Edit", "MultiEdit", "Write", "NotebookEdit", "Glob", "Grep")
MAX_REASON = 1000
MIN_NEEDLE = 3  # a shorter needle would send nearly every call to Python
_JSON_SAFE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # printable ASCII without `"` and `\`: verbatim in JSON
_FD_DUP = re.compile(r"[0-9]*+[<>]&(?:[0-9]++|-)")  # `2>&1`, `>&2`, `3<&0`: no file involved
# Programs that must never be a guard's whole match: a guard on `make` alone would fire on every build.
_COMMON_NAMES = """
ls cat make gmake npm npx pnpm yarn bun node deno git python python3 pip pip3 pipx uv poetry pytest
tox nox go cargo rustc rustup java javac mvn gradle gradlew ruby bundle rake gem php composer dotnet
cd echo pwd bash sh zsh fish dash docker podman kubectl helm terraform grep rg find fd sed awk cp mv
rm mkdir rmdir touch head tail less more vi vim nano code open curl wget tar zip unzip ssh scp rsync
sudo su env which true false test clear history date whoami id ps kill top df du free uname sort
uniq wc diff patch xargs tee chmod chown ln file stat man tsc jest vitest eslint prettier ruff mypy
black flake8 pylint cmake ninja gcc g++ clang cc ld swift kotlin scala sbt dart flutter tree watch
time nohup exec source
"""
_COMMON = frozenset(_COMMON_NAMES.split())
_VERSIONED = re.compile(r"(?:python|pip|pypy|node|ruby|perl|php|gcc|g\+\+|clang)[0-9.]*")
# The worst of what a guard could make run, checked even without nevo's full harm judgment: never
# emitted in a rewrite's fix (nor named as what to use instead), whatever the rule says.
_HARMFUL: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("deletes files", r"(?:^|[\s;&|(])(?:rm|rmdir|unlink|shred|srm)(?:\s|$)|\bfind\b.*\s-delete\b"),
        ("discards work", r"\bgit\b.*\b(?:reset\b.*--hard|clean\b.*\s-[a-z]*f|stash\s+(?:drop|clear))"),
        ("discards work", r"\bgit\b.*\bbranch\b.*\s-D\b"),
        ("discards work", r"\bgit\b.*\b(?:checkout|switch)\b.*(?:\s-f\b|--force|--discard-changes|\s--\s+\.)"),
        ("force-pushes", r"\bgit\b.*\bpush\b.*(?:\s--force\b|\s--force-with-lease\b|\s-[a-z]*f\b|\s\+\S)"),
        ("loosens permissions", r"\b(?:chmod|chown|chgrp)\b.*(?:\s-[a-z]*R\b|--recursive|\s0?777\b|\s[ao]?\+rwx\b)"),
        ("downloads and runs", r"\b(?:curl|wget)\b.*\|\s*(?:sudo\s+)?\S*sh\b"),
        ("downloads and runs", r"\b(?:ba|z|da)?sh\s+-c\b.*\b(?:curl|wget)\b"),
        ("sends files out", r"\b(?:scp|rsync|sftp|ftp|nc|ncat|netcat|socat)\b"),
        ("sends files out", r"\b(?:curl|wget|https?)\b.*(?:\s-d\s*@|--data\S*\s*@|\s-T\s|--upload-file|\s-F\s*\S*=@)"),
        ("touches SSH keys", r"ssh-keygen|ssh-copy-id|authorized_keys|\bid_(?:rsa|ed25519|ecdsa)\b|\.ssh/"),
        ("changes git's own setup", r"\bgit\b.*\bconfig\b.*--(?:global|system)\b|core\.hooksPath|--no-verify\b"),
        ("drops data", r"\bdrop\s+(?:database|table|schema)\b|\btruncate\s+table\b|\bdropdb\b|\bflushall\b"),
        ("writes a disk", r"\bdd\b.*\bof=|\bmkfs\b"),
        ("runs as another user", r"(?:^|[\s;&|(])(?:sudo|doas|su)(?:\s|$)"),
    )
)
_WEAKENING = frozenset({"--force", "--no-verify", "--dry-run", "--skip-tests", "--no-tests"})


@dataclass(frozen=True)
class GuardEntry:
    """One compiled guard, as the hook reads it (``to_json``)."""

    rule: str
    file: str  # the rule file, relative to the workspace
    proof: tuple[str, ...]  # lines that must still be in the rule file for the guard to act
    tool: str
    action: str  # rewrite | deny (file tools are always denied, with the path to use named)
    match: str  # Bash: the command words, space-joined; file tools: the path relative to the workspace
    words: tuple[str, ...]  # Bash: the command words, as written
    env: tuple[str, ...]  # Bash: assignments written in the match, required on the call too
    fix: str
    fix_env: tuple[str, ...]  # Bash rewrite: the fix's leading assignments (they replace the call's own)
    fix_command: str  # Bash rewrite: the fix after its assignments
    check: dict[str, str]  # the cause: kind, subject, where
    reason: str  # what the agent reads on a deny
    needle: str  # a literal the payload must hold for the guard to apply (the shell prefilter)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "file": self.file,
            "proof": list(self.proof),
            "tool": self.tool,
            "action": self.action,
            "match": self.match,
            "words": list(self.words),
            "env": list(self.env),
            "fix": self.fix,
            "fix_env": list(self.fix_env),
            "fix_command": self.fix_command,
            "check": dict(self.check),
            "reason": self.reason,
            "needle": self.needle,
        }


@dataclass(frozen=True)
class Refusal:
    """A rule's guard that was not compiled, and why (the rule itself stays, without teeth)."""

    rule: str
    reason: str


def table_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "guards.json"


def needles_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "guards.needles"


def compile_table(workspace: Workspace) -> tuple[list[GuardEntry], list[Refusal]]:
    """The guard of every active rule that has one, or the reason it was refused. Writes nothing."""
    entries: list[GuardEntry] = []
    refused: list[Refusal] = []
    for rule in RuleBook(workspace).active():
        if rule.guard is None:
            continue
        try:
            entries.append(compile_entry(workspace, rule, GuardSpec.from_meta(rule.guard)))
        except GuardError as exc:
            refused.append(Refusal(rule.id, exc.message))
    return entries, refused


def compile_guards(workspace: Workspace, python: str | None = None) -> list[GuardEntry]:
    """Write the guard table and its needles for every active rule with a valid guard; remove both files
    when there is none. Refused guards are logged (and listed by :func:`compile_table`)."""
    entries, refused = compile_table(workspace)
    for refusal in refused:
        log.warning("no guard for %s: %s", refusal.rule, refusal.reason)
    if not entries:
        table_path(workspace).unlink(missing_ok=True)
        needles_path(workspace).unlink(missing_ok=True)
        return []
    table = {"version": TABLE_VERSION, "guards": [e.to_json() for e in entries]}
    atomic_write_text(table_path(workspace), json.dumps(table, indent=1) + "\n")
    needles = list(dict.fromkeys(e.needle for e in entries))
    atomic_write_text(needles_path(workspace), "\n".join([python or sys.executable, *needles]) + "\n")
    return entries


def compile_entry(workspace: Workspace, rule: Rule, spec: GuardSpec) -> GuardEntry:
    """The table entry for one rule's guard; raises GuardError (the reason) when it must not exist."""
    _refuse_markers(spec)
    proof = _proof(workspace, rule.path)
    if proof is None:
        raise GuardError("its rule file cannot be read back inside the workspace")
    if spec.tool == "Bash":
        return _bash_entry(rule, spec, proof)
    return _path_entry(workspace, rule, spec, proof)


def candidate_refusal(workspace: Workspace, rule: Rule, spec: GuardSpec) -> str | None:
    """Why :func:`compile_table` would refuse this guard of a rule not written yet (None: it compiles): the
    same checks, before the rule file exists, so the rule's ``enforcement`` says only what will exist."""
    try:
        _refuse_markers(spec)
        if spec.tool == "Bash":
            _bash_entry(rule, spec, ("", ()))
        else:
            _path_entry(workspace, rule, spec, ("", ()))
    except GuardError as exc:
        return exc.message
    return None


def _refuse_markers(spec: GuardSpec) -> None:
    for text in (spec.match, spec.fix):
        if "[REDACTED" in text:
            raise GuardError("its match or fix holds a redaction marker: it would never match, or break the call")


def _bash_entry(rule: Rule, spec: GuardSpec, proof: tuple[str, tuple[str, ...]]) -> GuardEntry:
    tokens = _one_command(spec.match, "match")
    while tokens and tokens[-1].kind == shellwords.REDIRECT:
        tokens.pop()  # `npm run build 2>&1`: any redirection may follow the words anyway
    parts = shellwords.command_parts(tokens)
    if parts is None or parts.head or any(t.kind != shellwords.WORD for t in tokens[parts.command :]):
        raise GuardError(f"its match `{spec.match}` is not one plain command")
    words = tuple(t.text for t in tokens[parts.command :])
    if not words:
        raise GuardError(f"its match `{spec.match}` names no command")
    if len(words) == 1 and _is_common(words[0]):
        raise GuardError(f"its match is the bare program `{words[0]}`: it would fire on every use of it")
    env = tuple(tokens[k].text for k in parts.assignments)
    fix_env: tuple[str, ...] = ()
    fix_command = ""
    if spec.action == "rewrite":
        fix_env, fix_command = _rewrite_fix(spec)
    _refuse_harm(spec)
    needle = _needle(words)
    return GuardEntry(
        rule=rule.id,
        file=proof[0],
        proof=proof[1],
        tool="Bash",
        action=spec.action,
        match=" ".join(words),
        words=words,
        env=env,
        fix=spec.fix,
        fix_env=fix_env,
        fix_command=fix_command,
        check=spec.cause.to_meta(),
        reason=_clip(f"nevo {rule.id}: {rule.body}"),
        needle=needle,
    )


def _rewrite_fix(spec: GuardSpec) -> tuple[tuple[str, ...], str]:
    """The fix's leading assignments and the rest; refuses a fix that adds anything but one command."""
    tokens = _one_command(spec.fix, "fix")
    for token in tokens:
        text = token.text
        if any(mark in text for mark in ("$(", "`", "<(", ">(")):
            raise GuardError(f"its fix `{spec.fix}` runs a command of its own (a substitution)")
        if token.kind == shellwords.REDIRECT and not _FD_DUP.fullmatch(text.replace(" ", "")):
            raise GuardError(f"its fix `{spec.fix}` redirects to a file the failed call did not write")
    parts = shellwords.command_parts(tokens)
    if parts is None or parts.head or parts.command >= len(tokens):
        raise GuardError(f"its fix `{spec.fix}` is not one plain command")
    fix_env = tuple(tokens[k].text for k in parts.assignments[: parts.leading])
    names = [shellwords.assignment_name(a) for a in fix_env]
    if len(set(names)) != len(names):
        raise GuardError(f"its fix `{spec.fix}` sets the same variable twice")
    if only_narrows(spec.match, spec.fix):
        raise GuardError(f"its fix `{spec.fix}` only narrows or silences `{spec.match}`")
    added = (set(spec.fix.split()) - set(spec.match.split())) & _WEAKENING
    if added:
        raise GuardError(f"its fix only weakens the call (it adds {', '.join(sorted(added))})")
    start = tokens[parts.head + parts.leading].start
    return fix_env, spec.fix[start:]


def _one_command(text: str, what: str) -> list[shellwords.Token]:
    try:
        found = shellwords.segments(text)
    except shellwords.Unparsable as exc:
        raise GuardError(f"its {what} `{text}` cannot be read as a shell command ({exc})") from exc
    if len(found) != 1 or found[0].opener or found[0].closer:
        raise GuardError(f"its {what} `{text}` is more than one command (`;`, `&&`, `|`, `&`, a subshell)")
    return found[0].tokens()


def _is_common(word: str) -> bool:
    name = PurePosixPath(word).name
    return name in _COMMON or bool(_VERSIONED.fullmatch(name))


def _refuse_harm(spec: GuardSpec) -> None:
    """A fix is what the guard makes run (rewrite) or tells the agent to use (deny): nothing harmful, and
    nothing the safety gate refuses. A rewrite's match is run too when the guard stands aside."""
    texts = [spec.fix] if spec.action == "deny" else [spec.fix, spec.match]
    for text in filter(None, texts):
        for label, pattern in _HARMFUL:
            if pattern.search(text):
                raise GuardError(f"`{text}` {label}: a guard never does that")
        findings = scan(text)
        if findings:
            raise GuardError(f"`{text}` fails the safety gate ({findings[0].kind})")


def _needle(words: tuple[str, ...]) -> str:
    runs = [run for word in words for run in _JSON_SAFE.findall(word)]
    best = max(runs, key=len, default="")
    if len(best) < MIN_NEEDLE:
        raise GuardError("it has no word long enough for the hook's prefilter (it would start Python on every call)")
    return best


def _path_entry(workspace: Workspace, rule: Rule, spec: GuardSpec, proof: tuple[str, tuple[str, ...]]) -> GuardEntry:
    if spec.tool not in FILE_TOOLS:
        raise GuardError(f"no guard for the tool {spec.tool}")
    if spec.cause.kind != "missing-path":
        raise GuardError(f"a {spec.tool} guard answers a missing path, not {spec.cause.kind}")
    match = _workspace_path(workspace, spec.match)
    fix = _workspace_path(workspace, spec.fix) if spec.fix else ""
    if fix == match:
        raise GuardError("its fix names the same path as its match")
    # The file's name: in the payload however the call spells the path (absolute, `./`, from a subfolder).
    needle = _needle((PurePosixPath(match).name,))
    reason = f"nevo {rule.id}: `{match}` does not exist here"
    reason += f"; the one that does is `{fix}`." if fix else "."
    return GuardEntry(
        rule=rule.id,
        file=proof[0],
        proof=proof[1],
        tool=spec.tool,
        action="deny",
        match=match,
        words=(),
        env=(),
        fix=fix,
        fix_env=(),
        fix_command="",
        check=spec.cause.to_meta(),
        reason=_clip(f"{reason} {rule.body}"),
        needle=needle,
    )


def _workspace_path(workspace: Workspace, text: str) -> str:
    """A path relative to the workspace, normalised the way the hook normalises a call's path."""
    if "\x00" in text or not text.strip():
        raise GuardError("a guard's path must be one line")
    path = text.strip()
    if os.path.isabs(path):
        root = str(workspace.root)
        if not path.startswith(root.rstrip("/") + "/"):
            raise GuardError(f"the path `{path}` is outside the workspace")
        path = path[len(root.rstrip("/")) + 1 :]
    normal = os.path.normpath(path)
    if normal in (".", "..") or normal.startswith("../"):
        raise GuardError(f"the path `{text}` does not name a file inside the workspace")
    return normal


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def _proof(workspace: Workspace, path: Path | None) -> tuple[str, tuple[str, ...]] | None:
    """Where the hook finds the rule (relative to the workspace) and the lines that must still be in it:
    its ``guard:`` block and its ``status:`` line, verbatim. None when the file cannot be read."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    header = text.split("\n---", 1)[0] if text.startswith("---") else ""
    lines = header.splitlines()
    snippets: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("guard:"):
            snippets.append("\n".join([line, *_while_indented(lines[index + 1 :])]))
        elif line.startswith("status:"):
            snippets.append(line)
    if not any(s.startswith("guard:") for s in snippets):
        return None
    try:
        relative = path.resolve().relative_to(workspace.root.resolve()).as_posix()
    except ValueError:
        return None  # a rule outside the workspace: the hook could not find it
    return relative, tuple(snippets)


def _while_indented(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line.startswith((" ", "\t", "-")):
            break
        out.append(line)
    return out


def is_stale(workspace: Workspace) -> bool:
    """Whether the rules changed behind nevo's back since the table was written (a ``git revert``, ``pull``
    or hand edit): a few ``stat`` calls, no parsing. :func:`nevo.publish.refresh_if_stale` acts on it."""
    rules_dir = workspace.rules_dir
    table = table_path(workspace)
    if not table.is_file():
        # No table: stale only when some rule would give one (a rule with a guard arrived by git).
        return rules_dir.is_dir() and any("\nguard:" in _text(p) for p in rules_dir.glob("*.md"))
    if not rules_dir.is_dir():
        return True  # the table outlived the rules folder
    if _table_version(table) != TABLE_VERSION:
        return True  # written by an older nevo: its entries cannot be checked against their rules
    folders = [rules_dir, workspace.claude_dir / "rules-deprecated"]
    stamps = [_mtime(f) for f in folders if f.is_dir()] + [_mtime(p) for p in rules_dir.glob("*.md")]
    return max(stamps, default=0) > _mtime(table)


def _table_version(table: Path) -> Any:
    data = causes.read_regular(str(table), 64 << 20)
    try:
        loaded = json.loads(data) if data is not None else None
    except ValueError:
        return None
    return loaded.get("version") if isinstance(loaded, dict) else None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # gone between listing and stat: the folder's own time says it changed
        return 0


def _text(path: Path) -> str:
    data = causes.read_regular(str(path))
    return data.decode("utf-8", "replace") if data is not None else ""


def guarded_tools(workspace: Workspace) -> list[str]:
    """The tools the written table guards (none when there is no readable table)."""
    data = causes.read_regular(str(table_path(workspace)), 64 << 20)
    try:
        table = json.loads(data) if data is not None else {}
        return sorted({str(g["tool"]) for g in table.get("guards", []) if g.get("tool")})
    except (ValueError, TypeError, KeyError, AttributeError):
        return []  # a broken table: no guard hook (a guard never blocks the agent)


def hook_specs(workspace: Workspace) -> list[HookSpec]:
    """The PreToolUse hook, matching only the tools that have guards (none: no hook at all).

    The table is rebuilt from the rules first (they are the source of truth, and arrive by `git pull`
    too), so `nevo init` in a fresh clone gives the rules their teeth. ``analyst.guards: false`` turns
    guards off."""
    from nevo.config import load_config
    from nevo.errors import NevoError

    try:
        enabled = bool(load_config(workspace).get("analyst.guards"))
    except NevoError:
        enabled = True  # a broken config is reported elsewhere; keep what the rules say
    if not enabled:
        table_path(workspace).unlink(missing_ok=True)
        needles_path(workspace).unlink(missing_ok=True)
        return []
    tools = sorted({entry.tool for entry in compile_guards(workspace)})
    if not tools:
        return []
    return [HookSpec("PreToolUse", GUARD_SCRIPT, matcher="|".join(tools), timeout=GUARD_TIMEOUT)]
