"""THE judgment of what a failure teaches: one place, asked once per failure, its verdict stored.

The monitor calls :func:`judge` with a failed call and the calls the agent made after it (with their
results). The verdict (:class:`nevo.verdict.Verdict`) says:

- which later call did what the failed one meant to do: the same thing in another folder, another way of
  running it, another word (a close name, another case, the one that exists), another tool on the same
  thing, or the same call again after something else removed the cause (``prepare``: install the package,
  free the port, merge the heads, fetch the branch). A later call counts for less the further away it is,
  and for much less once the agent has moved on to other work;
- whether that teaches something about the project or its environment (``lesson``), or was ordinary work
  (``work``: a failing test or a compile error fixed by editing code), a retry, a success that only
  weakened what was asked (``weakened``: a dry run, ``--force``, skipped tests, ``--no-verify``, ``sudo``)
  or one that did harm (``harmful``: destructive or exfiltrating, see :mod:`nevo.harm`), or nothing;
- the lesson in nevo's own words (never copied from the tool's output), the line of the error that says
  what was wrong, the machine-checkable cause and, where one is safe, the guard.

The analyst (every provider), guards, memory and the skill forge read the stored verdict; nothing else
decides again.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from nevo import harm, weakening
from nevo.calls import Action, actions, describe_call, relative_to
from nevo.diagnosis import Diagnosis, diagnose, error_line
from nevo.followups import LOOKING, Call, Candidate, candidates, rewrote, superseded
from nevo.recovery import Relation, run_otherwise
from nevo.redact import redact
from nevo.shell import segments
from nevo.verdict import Cause, GuardError, GuardSpec, Verdict

__all__ = ["WINDOW", "Call", "judge", "session_lessons"]

WINDOW = 15  # later calls considered (of the same agent): past these, the failure is settled
MAX_SHOWN = 140
_PID = re.compile(r"\b(kill(?:\s+-(?:\d+|[A-Z]+))?)\s+\d+(?:\s+\d+)*")


def judge(failed: Call, later: Sequence[Call], *, root: str = "", agent: str = "", final: bool = True) -> Verdict:
    """What ``failed`` teaches, given the calls after it. ``final``: no more calls will come (the session
    ended); otherwise a failure nothing answers yet gets a ``none`` verdict marked ``open``."""
    cwd = failed.cwd or root
    diagnosis = diagnose(failed.output)
    chain = [c for c in later if c.sidechain == failed.sidechain][:WINDOW]
    mine = actions(failed.tool, failed.input, cwd, root)
    details: dict[str, Any] = {"error": diagnosis.kind, "class": diagnosis.klass}
    base = Verdict(
        "none",
        "",
        failed=_shown(describe_call(failed.tool, failed.input, root), root),
        error_line=error_line(failed.output, diagnosis, root),
        agent=agent,
        extra=details,
    )
    if not mine:
        return replace(base, reason="the failed call does nothing a later call could redo")
    weakened: Verdict | None = None
    for candidate in superseded(candidates(mine, chain, cwd, root, diagnosis, failed)):
        fix_call = chain[candidate.index]
        between = chain[: candidate.index]
        relation = candidate.relation
        found = replace(
            base,
            fix=_fix_text(fix_call, root),
            fix_tool=fix_call.tool,
            distance=candidate.index,
            cause=_cause(diagnosis, relation.failed, failed, root),
            extra={**details, "score": round(candidate.score, 2), "relation": relation.kind},
        )
        trap = _trap(failed, fix_call, between, candidate.attempts, cwd, root)
        if trap is not None and trap[0] == "harmful":
            return replace(found, kind="harmful", reason=trap[1], cause=None)  # never learn past harm
        if trap is not None:
            weakened = weakened or replace(found, kind="weakened", reason=trap[1], cause=None)
            continue  # doing less is no fix: a later call may still do what was asked
        return _settle(failed, fix_call, between, candidate, found, diagnosis, cwd, root)
    if weakened is not None and not final and len(chain) < WINDOW:
        return replace(weakened, extra={**weakened.extra, "open": True})  # a real fix may still come
    return weakened or _unanswered(chain, final, base)


def _settle(
    failed: Call,
    fix_call: Call,
    between: list[Call],
    candidate: Candidate,
    found: Verdict,
    diagnosis: Diagnosis,
    cwd: str,
    root: str,
) -> Verdict:
    """The verdict once the call that did what the failed one meant to do is known (and is no trap)."""
    relation = candidate.relation
    fix_text = found.fix
    found = replace(found, extra={**found.extra, "changed": list(relation.changed)})
    prepare = [*_prepares(between, diagnosis, cwd, root), *(a.text for a in candidate.extra)]
    if relation.kind == "same":
        return _rerun(diagnosis, between, prepare, found, failed, root)
    # A compile error that passed with other flags and no edit was how it is built (`g++ -std=c++20`, `javac -cp
    # lib/x.jar`), not the code: the trap check above already refused flags that only silence it.
    built_otherwise = run_otherwise(diagnosis.kind, relation) and not _edited(between)
    if diagnosis.klass == "work" and not built_otherwise:
        return replace(
            found, kind="work", reason=f"the work itself failed ({diagnosis.kind}); `{fix_text}` ran after it"
        )
    if diagnosis.klass == "network" and not _other_local_port(relation):
        reason = "the target was unreachable: a network failure teaches nothing about the project"
        return replace(found, reason=reason, cause=None)
    fix_kind = "other-tool" if relation.kind == "other-tool" else "replace"
    how = ", ".join(relation.changed) or relation.kind
    verdict = replace(
        found,
        kind="lesson",
        reason=f"`{fix_text}` did what `{_shown(_command(failed, root), root)}` meant to ({how})",
        fix_kind=fix_kind,
        prepare=tuple(_shown(p, root) for p in prepare[-2:]),
        lesson=_lesson(fix_kind, diagnosis, failed, fix_call, relation, prepare, root),
    )
    return _with_guard(verdict, failed, fix_call, relation, candidate.extra, root)


_LOCAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:/{1,2})?(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):(\d+)(?:/|$)")


def _edited(calls: list[Call]) -> bool:
    return any(c.ok and c.tool in ("Edit", "MultiEdit", "Write", "NotebookEdit") for c in calls)


def _other_port(old: str, new: str) -> bool:
    a, b = _LOCAL.match(old), _LOCAL.match(new)
    return bool(a and b and a.group(1) == b.group(1) and a.group(2) != b.group(2))


def _other_local_port(relation: Relation) -> bool:
    """Nothing listened on this machine's port, and the fix named the same machine on another port: the
    service is elsewhere (a wrong port is the environment; a host out of reach is not)."""
    return relation.kind == "word" and _other_port(*relation.word)


def session_lessons(db: Any, session_id: str) -> list[tuple[str, Verdict]]:
    """(incident id, verdict) of every failure of a session that taught something, in the order judged."""
    from nevo.incidents import session_verdicts

    return [(incident, verdict) for incident, verdict in session_verdicts(db, session_id) if verdict.teaches]


# ---------------------------------------------------------------------------------------- finding the fix


def _unanswered(chain: list[Call], final: bool, base: Verdict) -> Verdict:
    for call in chain[:3]:
        if call.ok and call.tool == "Bash":
            found = harm.harmful(_command_of(call))
            if found:
                reason = f"what followed was {found[0].kind}: {found[0].what}"
                return replace(base, kind="harmful", reason=reason, fix=_shown(_command_of(call), ""))
    if not final and len(chain) < WINDOW:
        return replace(base, reason="no later call answers it yet", extra={**base.extra, "open": True})
    return replace(base, reason="no later call did what it meant to do")


# ---------------------------------------------------------------------------------------- traps


def _trap(
    failed: Call, fix: Call, between: list[Call], attempts: set[int], cwd: str = "", root: str = ""
) -> tuple[str, str] | None:
    """(harmful or weakened, why) when the fix, or what made it work, did harm or only did less. ``attempts``:
    the calls in between that were other attempts at the same thing (a weaker attempt does not taint a later
    real fix; a weakening step that made it pass does)."""
    before = {f.what for f in harm.classify(_command_of(failed))}
    for call in [*between, fix]:
        if not call.ok or call.tool != "Bash":
            continue
        command = str(call.input.get("command") or "")
        for finding in (*harm.harmful(command), *harm.deletions(command)):
            if finding.what not in before:
                return "harmful", f"`{finding.segment[:80]}` is {finding.kind} ({finding.what}): never a lesson"
    if fix.tool == "Bash" and failed.tool == "Bash":
        weaker = weakening.weakens(_command_of(failed), _command_of(fix))
        if weaker:
            return "weakened", f"the success only did less than was asked ({weaker[0].what})"
    for index, call in enumerate(between):
        if not call.ok or index in attempts:
            continue
        if call.tool == "Bash":
            found = [
                f
                for f in harm.classify(_command_of(call))
                if f.kind == "weakening" and f.what not in before and not _looked_quietly(f, call, failed, cwd, root)
            ]
            if found:
                return "weakened", f"`{found[0].segment[:80]}` {found[0].what} before the success"
        elif call.tool in ("Edit", "MultiEdit", "Write"):
            silenced = weakening.edit_weakens(str(call.input.get("old_string") or ""), _new_text(call))
            if silenced:
                return "weakened", f"an edit silenced the check (`{silenced}`) instead of fixing what it found"
    return None


_SILENCED = "ignores the failure (|| true)"


def _silenced_attempt(call: Call) -> bool:
    """A call run with its failure silenced (`dvc exp run || true`, `bash codegen.sh || true`): it prepares
    nothing, since whether it worked is unknown."""
    return call.tool == "Bash" and any(f.what == _SILENCED for f in harm.classify(_command_of(call)))


def _looked_quietly(finding: harm.Finding, call: Call, failed: Call, cwd: str, root: str) -> bool:
    """`pgrep -af dvc || echo 'no dvc process'` between a failure and its re-run: another program that only
    looks, its `|| echo` ignoring its own "nothing found", weakens nothing that was asked."""
    if finding.what != _SILENCED:
        return False
    mine, theirs = segments(_command_of(failed)), segments(_command_of(call))
    if not (mine and theirs) or mine[0].name == theirs[0].name:
        return False
    done = actions(call.tool, call.input, call.cwd or cwd, root)
    return bool(done) and all(a.intent in LOOKING for a in done)


def _new_text(call: Call) -> str:
    if call.tool == "Write":
        return str(call.input.get("content") or "")
    if call.tool == "MultiEdit":
        edits = call.input.get("edits") or []
        return "\n".join(str(e.get("new_string") or "") for e in edits if isinstance(e, dict))
    return str(call.input.get("new_string") or "")


# ---------------------------------------------------------------------------------------- re-runs


def _prepares(between: list[Call], diagnosis: Diagnosis, cwd: str, root: str) -> list[str]:
    """The calls between the failure and its re-run that changed something (not the ones that only looked, nor
    the failed call itself run again with its failure silenced: `dvc exp run || true` prepares nothing)."""
    found = []
    for call in between:
        if not call.ok or _silenced_attempt(call):
            continue
        if call.tool == "Read" and diagnosis.kind == "needs-read":
            found.append(describe_call(call.tool, call.input, root))
        elif call.tool == "Bash":
            done = actions(call.tool, call.input, call.cwd or cwd, root)
            if done and not all(a.intent in LOOKING for a in done):
                found.append(_command_of(call))
    return found


# Programs that run a service when called by their name, and (program, word) pairs that start one.
_SERVERS = frozenset({"redis-server", "mysqld", "mysqld_safe", "mongod", "postgres", "memcached", "rabbitmq-server"})
_STARTERS = {
    "systemctl": {"start", "restart"},
    "service": {"start", "restart"},
    "pg_ctl": {"start", "restart"},
    "pg_ctlcluster": {"start", "restart"},
    "supervisorctl": {"start", "restart"},
    "colima": {"start"},
    "minikube": {"start"},
}


def _starts_service(command: str) -> bool:
    """The step starts a service (`docker compose up -d redis`, `brew services start postgresql`, `pg_ctl
    start`, `redis-server &`), by its program and subcommand, not by a word anywhere (`mkdir -p logs/server`)."""
    if re.search(r"(?<!&)&\s*$", command.strip()):
        return True
    for s in segments(command):
        args = list(s.args)
        if s.name in _SERVERS or _STARTERS.get(s.name, set()) & set(args):
            return True
        if s.name in ("docker", "podman") and (
            ("compose" in args and "up" in args) or args[:1] == ["start"] or (args[:1] == ["run"] and "-d" in args)
        ):
            return True
        if s.name in ("docker-compose", "podman-compose") and "up" in args:
            return True
        if s.name == "brew" and args[:1] == ["services"] and set(args[1:2]) & {"start", "restart", "run"}:
            return True
        # A project's own task for it: `make up`, `just services`, `npm run db:start`.
        targets = args[1:2] if s.name in ("npm", "pnpm", "yarn") and args[:1] == ["run"] else args[:1]
        if s.name in ("make", "just", "task", "npm", "pnpm", "yarn") and any(_START_TASK.match(t) for t in targets):
            return True
    return False


_START_TASK = re.compile(r"^(?:[\w-]+[:-])?(?:up|start|serve|services|start-services)$")


def _rerun(
    diagnosis: Diagnosis, between: list[Call], prepare: list[str], found: Verdict, failed: Call, root: str
) -> Verdict:
    """The same call worked later: what changed in between decides what that was."""
    edits = [c for c in between if c.ok and c.tool in ("Edit", "MultiEdit", "Write", "NotebookEdit")]
    rewriter = rewrote(failed, between, root)
    if rewriter:
        reason = f"a check failed, `{_shown(rewriter, root)}` rewrote the files it checks, then it passed"
        return replace(found, kind="work", reason=reason, cause=None)
    if diagnosis.klass == "work":
        if edits:
            return replace(found, kind="work", reason=f"the work itself failed ({diagnosis.kind}); fixed, then re-run")
        # No edit: flaky, the code changed from Bash (`sed -i`) or a step did nothing: never a lesson. An error
        # naming what a step provides (a missing module, a Jupyter kernel) is diagnosed as the environment's.
        return replace(found, kind="retry", reason="the same call passed again with nothing changed: flaky")
    started = diagnosis.kind == "service-down" and any(_starts_service(p) for p in prepare[-2:])
    if diagnosis.klass == "network" and not started:
        kind = "none" if prepare else "retry"
        return replace(found, kind=kind, reason="a network failure that passed later", cause=None)
    if prepare:
        return replace(
            found,
            kind="lesson",
            reason=f"`{_shown(prepare[-1], root)}` removed the cause, then the same call worked",
            fix_kind="prepare",
            prepare=tuple(_shown(p, root) for p in prepare[-2:]),
            lesson=_lesson("prepare", diagnosis, failed, None, None, prepare, root),
        )
    if edits:
        return replace(found, kind="work", reason="files were edited, then the same call worked")
    return replace(found, kind="retry", reason="the same call passed again with nothing changed in between")


# ---------------------------------------------------------------------------------------- words


_WHY = {
    "missing-npm-script": "there is no `{s}` script in {where}package.json",
    "missing-make-target": "{where}Makefile has no `{s}` target",
    "missing-target": "there is no `{s}` target",
    "missing-branch": "there is no branch `{s}`",
    "missing-path": "`{s}` does not exist",
    "missing-executable": "`{s}` is not on the PATH",
    "not-executable": "`{s}` has no run bit",
    "missing-module": "the module `{s}` cannot be imported",
    "missing-env": "`{s}` is not set",
    "unknown-option": "`{s}` is not an option it knows",
    "port-in-use": "the port is already taken",
    "multiple-heads": "the migrations have more than one head",
    "missing-package": "the package `{s}` is not installed",
    "pending-migrations": "the database has migrations still to apply",
    "missing-kernel": "there is no Jupyter kernel `{s}`",
    "runtime-version": "the project wants version {s} of its runtime",
    "already-running": "a server of it is already running",
    "identity": "git has no author identity here",
    "not-a-repo": "this folder is not a git repository",
    "no-upstream": "the branch has no upstream",
    "no-remote": "no remote is configured",
    "diverged": "the remote has commits this branch lacks",
    "needs-read": "Claude Code refuses to edit a file that was not read first",
    "missing-browser": "the browser it needs is not installed",
    "already-exists": "something it creates already exists",
    "permission": "permission is denied",
    "unknown-command": "`{s}` is not a command it knows",
    "missing-table": "there is no table `{s}`",
    "missing-header": "the header `{s}` is not on the include path",
    "missing-library": "`{s}` is not on the library path",
    "missing-class": "the class `{s}` is not on the class path",
    "run-as-module": "it uses relative imports: it runs as a module, not as a file",
    "other-port": "nothing listens on that port",
    "service-down": "nothing listens on port {s} here",
}


def _why(diagnosis: Diagnosis, failed: Call, root: str, action: Action | None) -> str:
    # A network lesson is about the port: another one, or the service that listens on it started first.
    kind = "other-port" if diagnosis.klass == "network" and diagnosis.kind != "service-down" else diagnosis.kind
    template = _WHY.get(kind, "")
    subject = _subject(diagnosis, failed, root)
    if "{s}" in template and not subject:
        return {"missing-path": "a path it names does not exist"}.get(diagnosis.kind, "it fails here")
    folder = action.folder if action is not None and action.folder not in ("", ".") else ""
    where = f"{_shown(folder, root)}/" if folder else ("the " if diagnosis.kind == "missing-make-target" else "")
    why = template.format(s=subject, where=where) if template else "it fails here"
    return why


def _subject(diagnosis: Diagnosis, failed: Call, root: str) -> str:
    subject = diagnosis.subject
    if diagnosis.kind == "missing-path" and failed.tool != "Bash":
        subject = str(failed.input.get("file_path") or failed.input.get("path") or subject)
    return _shown(relative_to(subject, root) if subject.startswith("/") else subject, root) if subject else ""


def _lesson(
    fix_kind: str,
    diagnosis: Diagnosis,
    failed: Call,
    fix: Call | None,
    relation: Relation | None,
    prepare: list[str],
    root: str,
) -> str:
    """One or two sentences in nevo's words: the call that works, the failed one, and why it failed (from
    the parsed error, never its text). '' when the calls hold a secret: a lesson never quotes one, and without
    its secret the working call would not work."""
    quoted = [_command(failed, root), *prepare, *([_command(fix, root)] if fix is not None else [])]
    if any(_secret(text) for text in quoted):
        return ""
    did = _shown(_command(failed, root), root)
    why = _why(diagnosis, failed, root, relation.failed if relation else None)
    if fix_kind == "prepare":
        steps = " and ".join(f"`{_shown(p, root)}`" for p in prepare[-2:])
        if why == "it fails here":
            return f"Run {steps} before `{did}`: `{did}` fails here until it has run."
        return f"Run {steps} before `{did}`: without it, {why}."
    assert fix is not None
    return f"Use `{_fix_text(fix, root)}`, not `{did}`: {why}."


def _command(call: Call, root: str) -> str:
    if call.tool == "Bash":
        return _command_of(call)
    return describe_call(call.tool, call.input, root)


def _command_of(call: Call) -> str:
    return " ".join(str(call.input.get("command") or "").split())


def _fix_text(call: Call, root: str) -> str:
    return _shown(_command(call, root), root)


def _shown(text: str, root: str) -> str:
    """Text for a verdict: redacted, workspace paths relative, one line, clipped; a process id is not worth
    remembering (``kill 4242`` -> ``kill <pid>``)."""
    text = _PID.sub(r"\1 <pid>", text)
    if root:
        text = text.replace(root.rstrip("/") + "/", "").replace(root.rstrip("/"), ".")
    text = " ".join(redact(text).split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


# ---------------------------------------------------------------------------------------- cause and guard


def _cause(diagnosis: Diagnosis, action: Action | None, failed: Call, root: str) -> Cause | None:
    """The machine-checkable reason the failed call failed, when the error says one and the call names it."""
    if action is None or not diagnosis.environmental:
        return None
    kind, subject, where = diagnosis.kind, diagnosis.subject, action.folder or "."
    if where.startswith(("/", "~", "..")):
        return None
    if kind == "missing-npm-script" and action.family == "npm" and subject:
        return Cause(kind, subject, where)
    if kind == "missing-make-target" and action.family == "make" and subject:
        return Cause(kind, subject, where)
    if kind == "missing-branch" and action.family == "git" and subject in action.targets:
        return Cause(kind, subject, ".")
    if kind == "missing-executable" and subject and subject in action.text.split():
        return Cause(kind, subject, ".")
    if kind == "missing-module" and subject and _pythonic(action):  # the check imports as Python would
        # Python looks first in the folder of a script run by its path (sys.path[0]), not where it was run.
        script = action.targets[0] if action.family == "script" and action.targets else ""
        return Cause(kind, subject, posixpath.dirname(script) or "." if script else ".")
    if kind == "not-executable" and subject:
        path = relative_to(subject, root) if subject.startswith("/") else subject.removeprefix("./")
        return Cause(kind, path, where) if not path.startswith(("/", "..")) else None
    if kind == "missing-path":
        path = (
            str(failed.input.get("file_path") or failed.input.get("path") or "") if failed.tool != "Bash" else subject
        )
        if failed.tool != "Bash":
            where = "."
        path = relative_to(path, root) if path.startswith("/") else posixpath.normpath(path) if path else ""
        if path and not path.startswith(("/", "~", "..")):
            return Cause(kind, path, where)
    return None


def _pythonic(action: Action) -> bool:
    return "python" in action.runner or action.family in ("python-inline", "pytest", "python-repl", "mypy")


def _with_guard(
    verdict: Verdict, failed: Call, fix: Call, relation: Relation, extra: list[Action], root: str
) -> Verdict:
    guard = _guard(verdict, failed, fix, relation, extra, root)
    if guard is None:
        return verdict
    try:
        guard = GuardSpec.from_meta(guard.to_meta())  # the one validation every guard passes
    except GuardError:
        return verdict
    return replace(verdict, guard=guard)


def _guard(
    verdict: Verdict, failed: Call, fix: Call, relation: Relation, extra: list[Action], root: str
) -> GuardSpec | None:
    """A guard only for an environment or usage error with a machine-checkable cause, never for anything
    secret-bearing or harmful, never with a segment the failed call did not have."""
    cause = verdict.cause
    if cause is None or verdict.kind != "lesson" or verdict.fix_kind == "prepare" or extra:
        return None
    if failed.tool != "Bash":
        if cause.kind != "missing-path" or relation.fix is None or not relation.fix.targets:
            return None
        return GuardSpec(failed.tool, cause.subject, "deny", relation.fix.targets[0], cause)
    mine, theirs = relation.failed, relation.fix
    if mine is None or theirs is None or not _single(failed, mine):
        return None
    match = mine.text
    if (len(match.split()) < 2 and "/" not in match) or _secret(match) or harm.classify(match):
        return None
    if fix.tool != "Bash":
        return GuardSpec(
            "Bash", match, "deny", f"{fix.tool} {theirs.targets[0]}" if theirs.targets else fix.tool, cause
        )
    if _secret(theirs.text) or harm.classify(theirs.text):
        return None
    # In place of the failed segment (where the failed call's `cd` left it), the fix's segment must do the same.
    here = posixpath.join(root, mine.stage) if root and not mine.stage.startswith("/") else mine.stage
    alone = actions("Bash", {"command": theirs.text}, here, root)
    # A word the shell would expand (`./.git*`) lost its quotes in the parse: spliced back, it could mean another
    # thing. Such a fix is named (deny), never written into the call.
    plain = not _EXPANDS.search(re.sub(r"'[^']*'", "", theirs.text))  # (quoted words are kept as they were)
    if plain and len(alone) == 1 and alone[0].folder == theirs.folder and len(_actions_of(fix, root)) == 1:
        return GuardSpec("Bash", match, "rewrite", theirs.text, cause)
    return GuardSpec("Bash", match, "deny", _command_of(fix), cause)  # it needs a `cd` first: say so, never rewrite


_EXPANDS = re.compile(r"[*?\[\]{}~#!]")


def _single(call: Call, action: Action) -> bool:
    """The failed command has one action (its stage-setting aside): the guard's match is all it did."""
    return len(_actions_of(call, "")) == 1


def _actions_of(call: Call, root: str) -> tuple[Action, ...]:
    return actions(call.tool, call.input, call.cwd or root, root)


def _secret(text: str) -> bool:
    return "[REDACTED" in text or redact(text) != text
