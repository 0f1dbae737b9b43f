"""Episodic memory: one narrative per session (intent, decisions, outcomes, lessons), from all of the session.

Offline, the narrative is assembled from the whole journal: the intent is the first request and what was
asked after it; the decisions are what the agent said it chose, what the user instructed, and the files
changed; the outcomes are what the commands showed (versions, ports, hosts), the last check and the final
message; the lessons are the stored verdicts' (:mod:`nevo.lesson` decides them; memory only reads them).
With a provider, the ``session-narrator`` agent writes it from the same condensed journal and verdicts. The
compression (narrative characters / journal characters) is recorded with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nevo.journal import JournalEntry, clip
from nevo.memory.commands import command_head
from nevo.memory.extract import facts_from_assistant, facts_from_output, facts_from_prompt, lesson_text
from nevo.memory.facts import tidy
from nevo.memory.statements import sentences, statement_category
from nevo.providers import Request, offline_handler
from nevo.verdict import Verdict

MODEL_OUTPUT_CHARS = 240
MODEL_TEXT_CHARS = 1200  # a prompt's statements come first; a model reads its head
MAX_EVENTS_FOR_MODEL = 240  # the head and tail of a long session go to the model, not all of it
CONDENSED_TEXT_CHARS = 3000  # what extraction reads of a prompt or message (the journal keeps 4,000)
CONDENSED_OUTPUT_CHARS = 1500
MAX_ITEMS = 8
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
                lines.append(f"{label}: " + " ".join(_sentence(item) for item in items))
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
            return [clip(str(v), 300) for v in value if str(v).strip()][:MAX_ITEMS] if isinstance(value, list) else []

        intent = output.get("intent")
        return cls(
            clip(str(intent), 300) if isinstance(intent, str) and intent.strip() else "(intent unknown)",
            strings("decisions"),
            strings("outcomes"),
            strings("lessons"),
        )


def _sentence(item: str) -> str:
    return item if item.endswith((".", "!", "?", "`")) else item + "."


def relative(text: str, root: str | None) -> str:
    """``text`` with the workspace root taken out of paths (``/home/me/app/src/x.py`` -> ``src/x.py``)."""
    if not root or root == "/" or not text:
        return text
    root = root.rstrip("/")
    return text.replace(root + "/", "").replace(root, ".")


def condense(entries: Sequence[JournalEntry], root: str | None = None) -> list[dict[str, Any]]:
    """The journal as small dicts, paths relative to ``root``: what narratives and fact extraction (offline
    or model) read."""
    events: list[dict[str, Any]] = []
    for entry in entries:
        if entry.kind == "tool":
            events.append(
                {
                    "seq": entry.seq,
                    "at": entry.at,
                    "kind": "tool",
                    "tool": entry.tool,
                    "target": relative(entry.command or "", root),
                    "error": entry.is_error,
                    "has_result": entry.output is not None,
                    "output": relative(clip(entry.output or "", CONDENSED_OUTPUT_CHARS), root),
                }
            )
        else:
            text = relative(clip(entry.input or "", CONDENSED_TEXT_CHARS), root)
            events.append({"seq": entry.seq, "at": entry.at, "kind": entry.kind, "text": text})
    return events


def for_model(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a model reads: the head and tail of a long session, results cut shorter (tokens cost money; the
    offline provider reads every event)."""
    short = [{**e, "output": clip(str(e["output"]), MODEL_OUTPUT_CHARS)} if e.get("output") else e for e in events]
    if len(short) <= MAX_EVENTS_FOR_MODEL:
        return short
    half = MAX_EVENTS_FOR_MODEL // 2
    return [*short[:half], {"kind": "gap", "omitted_events": len(short) - 2 * half}, *short[-half:]]


def _first_sentence(text: str, limit: int = 160) -> str:
    found = sentences(text)
    sentence = found[0] if found else re.sub(r"\s+", " ", text).strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rsplit(" ", 1)[0] + "..."


def _ask(text: str) -> str:
    """What a prompt asks for: its first sentence that is a request rather than a statement of fact."""
    said = sentences(text)
    ask = next((s for s in said if statement_category(s) is None), said[0] if said else text)
    ask = re.sub(r"\s+", " ", ask).strip()
    return ask if len(ask) <= 120 else ask[:117].rsplit(" ", 1)[0] + "..."


# A prompt that only acknowledges or approves ("ty!", "ok, go ahead", "lgtm") says nothing of the intent.
_ACK = re.compile(
    r"^(?:(?:ty|thx|thanks?(?: you| a lot)?|ok(?:ay)?|cool|great|nice|perfect|lgtm|yes|yep|yeah|sure|"
    r"go(?: ahead| for it)?|do it|ship it|looks good(?: to me)?|sounds good|good|continue|proceed|merci|danke)"
    r"[\s!.,]*)+$",
    re.IGNORECASE,
)


def _intent(prompts: list[dict[str, Any]]) -> str:
    if not prompts:
        return "(no prompt recorded)"
    asks = list(dict.fromkeys(_ask(str(p["text"])) for p in prompts))
    asks = [a for a in asks if not _ACK.match(a)] or asks[:1]
    intent = asks[0]
    if len(asks) > 1:
        more = "; ".join(asks[1:4]) + (f"; (+{len(asks) - 4} more)" if len(asks) > 4 else "")
        intent = f"{_sentence(intent)} Then: {more}"
    return clip(intent, 400)


def narrate_offline(events: Sequence[dict[str, Any]], lessons: Sequence[Verdict] = ()) -> Narrative:
    prompts = [e for e in events if e.get("kind") == "user" and str(e.get("text") or "").strip()]
    said = [e for e in events if e.get("kind") == "assistant" and str(e.get("text") or "").strip()]
    tools = [e for e in events if e.get("kind") == "tool"]

    decisions: list[str] = []
    for prompt in prompts:
        decisions += [
            f"User: {tidy(c.text)}" for c in facts_from_prompt(str(prompt["text"]), None) if c.category != "event"
        ]
    for message in said:
        decisions += [tidy(c.text) for c in facts_from_assistant(str(message["text"]), None)]
    changed = sorted(
        {str(e.get("target")) for e in tools if e.get("tool") in _FILE_TOOLS and not e.get("error") and e.get("target")}
    )
    intent = _intent(prompts)
    # What the intent already says is not said again as a decision ("User: Upgrade to Ruby 3.3 ...").
    decisions = [d for d in decisions if d.removeprefix("User: ").rstrip(".") not in intent]
    decisions = list(dict.fromkeys(clip(d, 200) for d in decisions))[: MAX_ITEMS - 1]
    if changed:
        names = list(dict.fromkeys(c.rsplit("/", 1)[-1] for c in changed))
        # "Edited a.py, b.py", not "Changed 2 file(s): ...": the template's own words ("file") would answer every
        # search that says "file" with every session that edited one.
        decisions.append(f"Edited {', '.join(names[:5])}" + (f" (+{len(names) - 5})" if len(names) > 5 else ""))

    outcomes: list[str] = []
    failed = sum(1 for e in tools if e.get("error"))
    outcomes.append(f"{len(tools)} tool calls, {failed} failed")
    for event in prompts:
        outcomes += [
            c.text for c in facts_from_prompt(str(event["text"]), None, event.get("at")) if c.category == "event"
        ]
    shown = [
        re.sub(r"\s*\(`[^`]*`\)", "", c.text)  # without the command: "The dev server listens on port 5173"
        for e in tools
        if e.get("tool") == "Bash" and not e.get("error") and e.get("output")
        for c in facts_from_output(e)
    ]
    outcomes += list(dict.fromkeys(shown))[:4]
    checks = [e for e in tools if e.get("tool") == "Bash" and command_head(str(e.get("target") or ""))]
    if checks:
        last = checks[-1]
        verdict = "failed" if last.get("error") else "passed"
        outcomes.append(f"last check `{clip(str(last.get('target')), 80)}` {verdict}")
    if said:
        outcomes.append("ended with: " + _first_sentence(str(said[-1]["text"])))

    # Only what the verdicts decided a failure teaches: a failing test fixed by editing code is work, not a lesson.
    taught = list(dict.fromkeys(lesson_text(v) for v in lessons if v.kind == "lesson"))[:6]
    return Narrative(intent, decisions, outcomes[:MAX_ITEMS], taught)


NARRATIVE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["intent", "decisions", "outcomes", "lessons"],
    "properties": {
        "intent": {"type": "string", "maxLength": 400},
        "decisions": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_ITEMS},
        "outcomes": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_ITEMS},
        "lessons": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_ITEMS},
    },
}


@offline_handler("session-narrator")
def offline_session_narrator(request: Request) -> dict[str, Any]:
    lessons = [Verdict.from_json(item["verdict"]) for item in request.data.get("lessons") or []]
    return narrate_offline(request.data.get("events") or [], lessons).as_output()


def journal_chars(entries: Sequence[JournalEntry]) -> int:
    return sum(len(e.command or "") + len(e.input or "") + len(e.output or "") for e in entries)


def dumps(items: list[str]) -> str:
    return json.dumps(items, ensure_ascii=False)
