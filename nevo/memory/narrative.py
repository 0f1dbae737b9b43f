"""Episodic memory: one narrative per session (intent, decisions, outcomes, lessons).

Offline, the narrative is assembled from the journal: the first prompt is the intent, the files the
agent changed and what it said it would do are the decisions, the last build/test command and the
final message are the outcome, and each failure followed by what fixed it is a lesson. With a
provider, the ``session-narrator`` agent writes it from the same condensed journal. The compression
(narrative characters / journal characters) is recorded with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nevo.journal import JournalEntry, clip
from nevo.memory.facts import command_head, find_recoveries
from nevo.providers import Request, offline_handler

MODEL_OUTPUT_CHARS = 240
MAX_EVENTS_FOR_MODEL = 240  # the head and tail of a long session go to the model, not all of it
_FILE_TOOLS = ("Edit", "Write", "MultiEdit", "NotebookEdit")


@dataclass
class Narrative:
    intent: str
    decisions: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    lessons: list[str] = field(default_factory=list)

    def render(self, title: str) -> str:
        lines = [f"{title}: {self.intent}"]
        for label, items in (
            ("Decisions", self.decisions),
            ("Outcomes", self.outcomes),
            ("Lessons", self.lessons),
        ):
            if items:
                lines.append(
                    f"{label}: " + " ".join(item if item.endswith(".") else item + "." for item in items)
                )
        return "\n".join(lines)

    def as_output(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "decisions": self.decisions,
            "outcomes": self.outcomes,
            "lessons": self.lessons,
        }

    @classmethod
    def from_output(cls, output: dict[str, Any]) -> Narrative:
        def strings(key: str) -> list[str]:
            value = output.get(key)
            return [clip(str(v), 300) for v in value if str(v).strip()][:8] if isinstance(value, list) else []

        intent = output.get("intent")
        return cls(
            clip(str(intent), 300) if isinstance(intent, str) and intent.strip() else "(intent unknown)",
            strings("decisions"),
            strings("outcomes"),
            strings("lessons"),
        )


def condense(entries: Sequence[JournalEntry]) -> list[dict[str, Any]]:
    """The journal as small dicts: what narratives and fact extraction (offline or model) read."""
    events: list[dict[str, Any]] = []
    for entry in entries:
        if entry.kind == "tool":
            events.append(
                {
                    "seq": entry.seq,
                    "kind": "tool",
                    "tool": entry.tool,
                    "target": entry.command or "",
                    "error": entry.is_error,
                    "has_result": entry.output is not None,
                    "output": clip(entry.output or "", 400),
                }
            )
        else:
            events.append({"seq": entry.seq, "kind": entry.kind, "text": clip(entry.input or "", 600)})
    return events


def for_model(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a model reads: the head and tail of a long session, results cut shorter (tokens cost money; the
    offline provider reads every event)."""
    short = [
        {**e, "output": clip(str(e["output"]), MODEL_OUTPUT_CHARS)} if e.get("output") else e for e in events
    ]
    if len(short) <= MAX_EVENTS_FOR_MODEL:
        return short
    half = MAX_EVENTS_FOR_MODEL // 2
    return [*short[:half], {"kind": "gap", "omitted_events": len(short) - 2 * half}, *short[-half:]]


def _first_sentence(text: str, limit: int = 160) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rsplit(" ", 1)[0] + "..."


def narrate_offline(events: Sequence[dict[str, Any]]) -> Narrative:
    prompts = [e for e in events if e.get("kind") == "user" and str(e.get("text") or "").strip()]
    said = [e for e in events if e.get("kind") == "assistant" and str(e.get("text") or "").strip()]
    tools = [e for e in events if e.get("kind") == "tool"]
    intent = _first_sentence(str(prompts[0]["text"]), 200) if prompts else "(no prompt recorded)"
    if len(prompts) > 1:
        intent += f" (+{len(prompts) - 1} more prompts)"

    decisions: list[str] = []
    changed = sorted(
        {
            str(e.get("target"))
            for e in tools
            if e.get("tool") in _FILE_TOOLS and not e.get("error") and e.get("target")
        }
    )
    if changed:
        names = list(dict.fromkeys(c.rsplit("/", 1)[-1] for c in changed))
        decisions.append(
            f"Changed {len(changed)} file(s): {', '.join(names[:6])}" + (" ..." if len(names) > 6 else "")
        )
    for sentence in list(dict.fromkeys(_first_sentence(str(m["text"])) for m in said[:-1]))[:2]:
        decisions.append(sentence)

    outcomes: list[str] = []
    failed = sum(1 for e in tools if e.get("error"))
    outcomes.append(f"{len(tools)} tool calls, {failed} failed")
    checks = [e for e in tools if e.get("tool") == "Bash" and command_head(str(e.get("target") or ""))]
    if checks:
        last = checks[-1]
        verdict = "failed" if last.get("error") else "passed"
        outcomes.append(f"last check `{clip(str(last.get('target')), 80)}` {verdict}")
    if said:
        outcomes.append("ended with: " + _first_sentence(str(said[-1]["text"])))

    lessons = list(dict.fromkeys(r.lesson for r in find_recoveries(events)))[:6]
    unresolved = [e for e in tools if e.get("error")]
    if unresolved and not lessons:
        lessons.append(
            f"{len(unresolved)} failure(s) without a recorded fix, e.g. "
            f"`{clip(str(unresolved[0].get('target') or unresolved[0].get('tool')), 80)}`"
        )
    return Narrative(intent, decisions, outcomes, lessons)


NARRATIVE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["intent", "decisions", "outcomes", "lessons"],
    "properties": {
        "intent": {"type": "string", "maxLength": 300},
        "decisions": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
        "outcomes": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
        "lessons": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
    },
}


@offline_handler("session-narrator")
def offline_session_narrator(request: Request) -> dict[str, Any]:
    return narrate_offline(request.data.get("events") or []).as_output()


def journal_chars(entries: Sequence[JournalEntry]) -> int:
    return sum(len(e.command or "") + len(e.input or "") + len(e.output or "") for e in entries)


def dumps(items: list[str]) -> str:
    return json.dumps(items, ensure_ascii=False)
