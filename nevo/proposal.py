"""From a provider's answer to what its rule may say and do: the recovery it named, judged again by nevo.

A model sees the session around a failure (:mod:`nevo.session_window`) and nevo's stored verdict, and may
name another recovery (``recovery.index``: a call after the failure) or none (``null``). What it names is
only a pointer: the named call is judged again by :func:`nevo.lesson.judge`, with the same gates as every
verdict (harm, weakening; the analyst then applies the safety scan and novelty to the rule), and the
guard comes only from nevo's judgment of that call, never from the model's text.

- ``recovery`` absent (the offline provider, an older prompt): nevo's stored verdict stands.
- ``index`` null: no recovery. No rule from a recovery; a rule from the error alone only when the failure
  is recurring.
- ``index`` out of range (or not a number): taken as none, with the reason recorded.
- ``index`` names a call nevo judges harmful or weakened: refused, no rule and no guard, with the reason.
- ``index`` names a call nevo judges a lesson: the rule follows it (its fix, its guard).

The rule's words may come from the model (they pass the safety gate), but they must name the fix the rule
follows, or the rule takes nevo's own lesson: a body and a guard that disagree are never committed. The
rule's ``enforcement`` says only what exists: a guard is kept only when the guard compiler accepts it
(:func:`nevo.guards.candidate_refusal`, before the rule is written); otherwise the rule is context only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nevo.guards import candidate_refusal
from nevo.lesson import judge
from nevo.offline_analyst import from_verdict
from nevo.rules import Rule
from nevo.session_window import SessionWindow
from nevo.verdict import Verdict
from nevo.workspace import Workspace

SOURCES = ("verdict", "named", "none", "refused")


@dataclass(frozen=True)
class Choice:
    """What the rule follows: a lesson (``verdict``), or nothing; ``note`` says why, for the audit trail."""

    source: str  # one of SOURCES
    verdict: Verdict | None = None  # a lesson when source is verdict or named
    note: str = ""

    @property
    def refused(self) -> bool:
        return self.source == "refused"


def choose(output: dict[str, Any], stored: Verdict | None, window: SessionWindow | None) -> Choice:
    """What the answer's ``recovery`` means, given nevo's stored verdict and the calls the model was shown."""
    lesson = stored if stored is not None and stored.teaches else None
    recovery = output.get("recovery")
    if not isinstance(recovery, dict) or "index" not in recovery:
        return Choice("verdict" if lesson else "none", lesson)
    index = _index(recovery.get("index"))
    count = len(window.later) if window is not None else 0
    if recovery.get("index") is None:
        return Choice("none", note="the model named no recovery")
    if index is None or window is None or not 0 <= index < count:
        shown = str(recovery.get("index"))[:20]
        return Choice("none", note=f"the model named call {shown}, not one of the {count} calls after the failure")
    verdict = rejudge(window, index, agent=stored.agent if stored is not None else "")
    named = f"call {index} (`{verdict.fix or window.later[index].tool}`)"
    if verdict.kind in ("harmful", "weakened"):
        return Choice("refused", note=f"the model named {named}, which nevo judges {verdict.kind}: {verdict.reason}")
    if not verdict.teaches:
        return Choice("none", note=f"the model named {named}, which teaches nothing ({verdict.kind}: {verdict.reason})")
    same = lesson is not None and (lesson.fix, lesson.fix_kind) == (verdict.fix, verdict.fix_kind)
    return Choice("verdict" if same else "named", verdict, "" if same else f"the model named {named}")


def rejudge(window: SessionWindow, index: int, *, agent: str = "") -> Verdict:
    """nevo's verdict on ``window.later[index]`` as the fix of the failed call.

    First with the calls up to it, so what happened in between counts (a destructive step, a weakening edit,
    the steps a re-run needed); when that judgment settles on the named call, or finds harm, it stands.
    Otherwise (it settled on an earlier call, or none scored high enough that far away) the named call is
    judged on its own: whether it relates to the failed call at all and what it would teach."""
    later = list(window.later)
    context = judge(window.failed, later[: index + 1], root=window.root, agent=agent, final=True)
    if context.kind == "harmful" or (context.fix and context.distance == index):
        return context
    alone = judge(window.failed, [later[index]], root=window.root, agent=agent, final=True)
    return replace(alone, distance=index) if alone.fix else alone


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def words_for(title: str, body: str, verdict: Verdict | None, tool: str) -> tuple[str, str, str] | None:
    """None when the proposed words may stand: they name the fix the rule follows (or there is no lesson to
    follow). Else nevo's own title and lesson for the rule, and a note saying why."""
    if verdict is None or not verdict.teaches or not verdict.lesson:
        return None
    needed = _fix_named(verdict)
    if not needed or needed in body:
        return None
    title = str(from_verdict({"tool": tool}, verdict)["rule"]["title"])
    return title, verdict.lesson, f"the proposed words did not name the fix `{needed}`: nevo's lesson is the rule"


def _fix_named(verdict: Verdict) -> str:
    if verdict.fix_kind == "prepare" and verdict.prepare:
        return verdict.prepare[-1]
    if verdict.guard is not None:
        return verdict.guard.fix
    return verdict.fix


def settle_guard(workspace: Workspace, rule: Rule, verdict: Verdict | None) -> str:
    """Give ``rule`` the guard of the lesson it follows when the guard compiler accepts it, and an
    ``enforcement`` that says only what exists; returns a note when a guard was refused."""
    spec = verdict.guard if verdict is not None and verdict.teaches else None
    note = ""
    if spec is not None:
        refusal = candidate_refusal(workspace, rule, spec)
        if refusal is not None:
            spec, note = None, f"no guard: {refusal}"
    rule.guard = spec.to_rule_meta() if spec is not None else None
    if spec is not None:
        rule.enforcement = f"guard {spec.action}"
    elif "guard" in rule.enforcement.lower():
        rule.enforcement = "context only"
    return note
