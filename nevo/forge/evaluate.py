"""EVALUATE: what does a gap want - a rule, an agent change, a hook or a skill? The reason is recorded.

The ``gap-evaluator`` agent decides through the provider; its offline implementation is the deterministic
heuristic below, which the other providers' answers are also checked against for shape.
"""

from __future__ import annotations

from typing import Any

from nevo.forge.detect import Gap
from nevo.providers import Request, offline_handler

DECISIONS = ("rule", "agent", "hook", "skill")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"decision": {"enum": list(DECISIONS)}, "reason": {"type": "string"}},
    "required": ["decision", "reason"],
}
TASK = (
    "Decide what closes this capability gap: a rule (one fact or constraint in 1-2 sentences), an agent "
    "change (a sub-agent's definition is wrong), a hook (it needs enforcement: knowing was not enough, or "
    "it is dangerous), or a skill (a reusable multi-step workflow). Give the decision and a reason citing "
    "the evidence."
)
SUB_AGENT_TOOLS = ("Agent", "Task")


def decide_offline(gap: dict[str, Any]) -> dict[str, str]:
    """The deterministic decision for a gap (``Gap.to_json()``)."""
    source = gap.get("source")
    evidence = gap.get("evidence") or {}
    if source == "request":
        return {"decision": "skill", "reason": "a person asked for this skill"}
    if source == "journal":
        steps = len(evidence.get("sequence") or [])
        sessions = len(evidence.get("sessions") or [])
        return {
            "decision": "skill",
            "reason": f"a {steps}-step workflow rebuilt by hand in {sessions} sessions: a reusable workflow",
        }
    tool = str(evidence.get("tool") or "")
    if tool in SUB_AGENT_TOOLS:
        return {
            "decision": "agent",
            "reason": f"the failure happened in a sub-agent ({tool}): its definition is what needs to change",
        }
    if evidence.get("is_loop"):
        return {
            "decision": "hook",
            "reason": "the same failing call was repeated in one session: knowing did not "
            "stop it, so it needs enforcement (a PreToolUse guard)",
        }
    recovery = evidence.get("recovery") or {}
    between = recovery.get("between") or []
    if evidence.get("category") == "process-gap" and (len(between) >= 2 or not recovery):
        return {
            "decision": "skill",
            "reason": "a process gap whose fix took several steps: a workflow, too long for a rule",
        }
    if len(between) >= 3:
        return {
            "decision": "skill",
            "reason": f"the recovery took {len(between) + 1} steps: a workflow, too long for a rule",
        }
    fix = recovery.get("command") or "the working call"
    return {
        "decision": "rule",
        "reason": f"a single fact closes it (the fix was one call: {str(fix)[:80]}); "
        "the analyst's rule covers it",
    }


@offline_handler("gap-evaluator")
def offline_gap_evaluator(request: Request) -> dict[str, Any]:
    return decide_offline(dict(request.data.get("gap") or {}))


def parse_decision(output: dict[str, Any]) -> tuple[str, str] | None:
    decision = str(output.get("decision") or "").strip().lower()
    reason = str(output.get("reason") or "").strip()
    if decision not in DECISIONS or not reason:
        return None
    return decision, reason[:1000]


def evaluation_request_data(gap: Gap) -> dict[str, Any]:
    return {"gap": gap.to_json()}
