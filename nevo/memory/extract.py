"""Facts from every channel of a session, offline and deterministic.

- the user's prompts: instructions, preferences, constraints, conventions, setup statements, dated events
  (:mod:`nevo.memory.statements` decides which sentences say something durable);
- the agent's stated decisions ("I'll use httpx instead of requests");
- command output: versions (``node --version``), ports a server listens on, hosts reached, where a program
  lives (``which``);
- the commands that build and test the project (they ran successfully);
- what failures taught: the lesson of each stored verdict (decided once, by :mod:`nevo.lesson`; memory
  never re-decides it), with the line that said what was wrong and the fix.

With a model, the ``fact-extractor`` agent reads the same condensed journal and the same verdicts; what the
user said in so many words and the verdicts' lessons are kept even if the model missed them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from nevo.memory.commands import command_head, command_role, command_scope, role_verb, segments, words_of
from nevo.memory.facts import CATEGORIES, MAX_FACT_CHARS, FactCandidate
from nevo.memory.statements import is_decision, sentences, statement_category, strip_remember
from nevo.memory.subjects import (
    ENVIRONMENTS,
    HOST,
    IPV4,
    SERVICES,
    Subject,
    canonical,
    norm_value,
    service_of,
    subject_of,
)
from nevo.providers import Request, offline_handler
from nevo.verdict import Verdict

# -- prompts and decisions --------------------------------------------------------------------------


def facts_from_prompt(text: str, seq: int | None, at: str | None = None) -> list[FactCandidate]:
    """What the user stated: one fact per durable sentence (an event is dated with the day it was said)."""
    found: list[FactCandidate] = []
    for sentence in sentences(text):
        category = statement_category(sentence)
        if category is None:
            continue
        body = strip_remember(sentence)
        subject = subject_of(body)
        if category == "event" and at:
            body = f"{at[:10]}: {body[:1].upper()}{body[1:]}"
        found.append(_candidate(body, category, "user", seq, subject, at))
    return found


def facts_from_assistant(text: str, seq: int | None, at: str | None = None) -> list[FactCandidate]:
    """What the agent said it decided (the journal's assistant messages of the main agent)."""
    return [
        _candidate(sentence, "configuration", "agent", seq, subject_of(sentence), at)
        for sentence in sentences(text)
        if is_decision(sentence)
    ]


def _candidate(
    text: str, category: str, source: str, seq: int | None, subject: Subject | None, at: str | None
) -> FactCandidate:
    return FactCandidate(
        text,
        category,
        source,
        seq,
        subject.key if subject else None,
        subject.value if subject else None,
        subject.replaces if subject else (),
        at,
    )


# -- command output ---------------------------------------------------------------------------------

_VERSION_FLAGS = {"--version", "-v", "-V", "version", "--ver", "-version", "--v"}
_VERSION_IN_OUTPUT = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+){0,2}(?:[-+][\w.]+)?)(?![\w.])")
_PKG_SHOW = re.compile(r"^(?:pip3?|uv\s+pip|python3?\s+-m\s+pip)\s+show\s+([\w.-]+)", re.IGNORECASE)
_PKG_LIST = re.compile(
    r"^(?:npm|pnpm|yarn|pixi|conda|mamba|micromamba)\s+(?:ls|list|why)\s+(?!-)([@\w./-]+)", re.IGNORECASE
)
_DOT_VERSION_FILES = {".nvmrc": "node", ".node-version": "node", ".python-version": "python", ".ruby-version": "ruby"}
_SERVING_LINE = re.compile(
    r"\b(?:local|listening|listen|running|serving|started|ready|available|bound|server)\b", re.IGNORECASE
)
_URL_PORT = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::\]|[\w.-]+):(\d{2,5})\b")
_ON_PORT = re.compile(
    r"\b(?:on|at)\s+(?:port\s+)?:?(\d{2,5})\b|\bport\s+:?(\d{2,5})\b|"
    r"\b(?:addr|address|listen|bind)[=:\s]+\"?[\w.\[\]-]*:(\d{2,5})\b",  # logfmt / slog: addr=:8081
    re.IGNORECASE,
)


def _listening_port(output: str) -> tuple[str, str] | None:
    """(port, the line that says so) for the first line of ``output`` that says a server listens."""
    for line in output[:3000].splitlines():
        if not _SERVING_LINE.search(line):
            continue
        match = _URL_PORT.search(line) or _ON_PORT.search(line)
        if match:
            port = next(g for g in match.groups() if g)
            if 10 <= int(port) <= 65535:
                return port, line.strip()[:100]
    return None


_DOCKER_PORT = re.compile(r"(?:0\.0\.0\.0|\[::\]|127\.0\.0\.1):(\d{2,5})->(\d{2,5})/tcp")
_REMOTE_COMMANDS = ("ssh", "scp", "rsync", "psql", "mysql", "redis-cli", "curl", "http", "ping", "dig", "nc",
                    "telnet", "mongosh", "kubectl", "helm", "sftp", "git")  # fmt: skip


def _compose_service(line: str) -> str:
    """The service a ``docker compose ps`` row is about, from its container name ("orbit-nats-1" -> "nats")."""
    name = line.split()[0] if line.split() else ""
    parts = [p for p in re.split(r"[-_]", name) if p and not p.isdigit()]
    return parts[-1] if len(parts) > 1 else (parts[0] if parts else "container")


def _docker_facts(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> list[FactCandidate]:
    """``docker compose ps`` / ``docker ps``: the port each service publishes."""
    if words[0] not in ("docker", "docker-compose", "podman") or "ps" not in words[:3]:
        return []
    found: list[FactCandidate] = []
    for line in output.splitlines()[:40]:
        published = _DOCKER_PORT.search(line)
        if published is None:
            continue
        service = service_of(line) or _compose_service(line)
        port = published.group(1)
        text = f"The {service} container publishes port {port} (`{segment[:40]}`)"
        found.append(FactCandidate(text, "environment", "output", None, f"port:{service}", port, (), at))
    return [FactCandidate(c.text, c.category, c.source, seq, c.subject, c.value, c.replaces, c.at) for c in found]


# Commands whose output may prove a version, port, host or path: everything else is skipped cheaply.
_MAY_PROVE = re.compile(
    r"(?:^|\s)(?:--?v(?:ersion)?|-V|version|show|ls|list|why|ps|which|where|type)(?:\s|$)|command\s+-v|"
    r"\.(?:nvmrc|node-version|python-version|ruby-version)\b|\b(?:dev|serve|start|up|runserver|uvicorn|gunicorn|"
    r"flask|storybook|preview|ssh|scp|rsync|psql|mysql|redis-cli|curl|http|ping|dig|nc|telnet|mongosh|kubectl|"
    r"helm|sftp|remote|promote|releases?|rollout)\b"
)


# Words of a server saying it listens; looked for with `in` on the lowered text (a case-insensitive regex over every
# command's output was a tenth of a year's ingest).
_LISTEN_HINTS = ("listen", "local:", "running on", "serving", "started server", "ready on")
# Commands that show text rather than run a server: a "listening on 8000" they print is quoted, not proven.
_SHOWS_TEXT = {"cat", "grep", "rg", "less", "more", "head", "tail", "sed", "awk", "echo", "printf", "git", "ls", "find",
               "jq", "bat", "diff", "wc", "sort", "journalctl"}  # fmt: skip


def facts_from_output(event: dict[str, Any]) -> list[FactCandidate]:
    """Durable facts a successful command's output proves: versions, ports, hosts, program paths."""
    command = str(event.get("target") or "")
    output = str(event.get("output") or "")
    if not _MAY_PROVE.search(command) and not _hints_listening(output[:3000]):
        return []
    seq = int(event["seq"]) if event.get("seq") is not None else None
    at = event.get("at")
    return list(_proven(command, output, seq, str(at) if at is not None else None))


def _hints_listening(output: str) -> bool:
    lowered = output.lower()
    return any(hint in lowered for hint in _LISTEN_HINTS)


@lru_cache(maxsize=1024)  # the narrative reads the same events right after extraction did
def _proven(command: str, output: str, seq: int | None, at: str | None) -> tuple[FactCandidate, ...]:
    found: list[FactCandidate] = []
    for segment in segments(command)[:3]:
        words = words_of(segment)
        if not words:
            continue
        docker = _docker_facts(words, segment, output, seq, at)
        if docker:
            found += docker
            continue
        for make in (_version_fact, _port_fact, _remote_fact, _host_fact, _path_fact, _release_fact):
            fact = make(words, segment, output, seq, at)
            if fact is not None:
                found.append(fact)
                break
    return tuple(found)


_WRAPPER_WORDS = {"uv", "poetry", "pnpm", "npm", "yarn", "bun", "npx", "bunx", "run", "exec", "x", "docker", "compose",
                  "docker-compose", "kubectl", "sudo", "env", "-m"}  # fmt: skip


def _program(words: list[str]) -> str:
    """The program whose version a command asks for: the last word before the flag that is not a wrapper or a
    container name (``docker compose exec db psql --version`` asks psql)."""
    for word in reversed(words):
        if word not in _WRAPPER_WORDS and not word.startswith("-"):
            return canonical(word.rsplit("/", 1)[-1])
    return canonical(words[0].rsplit("/", 1)[-1])


def _unwrapped(segment: str) -> str:
    """A command without the runner around it (``poetry run python --version`` -> ``python --version``): the
    evidence of a fact should not name a runner the project may drop."""
    words = segment.split()
    while len(words) > 2 and (words[0], words[1]) in _RUNNERS:
        words = words[2:]
    return " ".join(words)


_RUNNERS = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"), ("rye", "run"),
            ("pnpm", "exec"), ("npm", "exec"), ("bun", "x")}  # fmt: skip


def _version_fact(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> FactCandidate | None:
    thing: str | None = None
    if words[-1] in _VERSION_FLAGS and 2 <= len(words) <= 7:
        thing = _program(words[:-1])
    elif _PKG_SHOW.match(segment):
        thing = canonical(_PKG_SHOW.match(segment).group(1))  # type: ignore[union-attr]
        shown = re.search(r"^Version:\s*(\S+)", output, re.MULTILINE)
        output = shown.group(1) if shown else ""
    elif _PKG_LIST.match(segment):
        thing = canonical(_PKG_LIST.match(segment).group(1))  # type: ignore[union-attr]
        shown = re.search(rf"{re.escape(thing)}@?\s*v?(\d+\.\d+[\w.+-]*)", output, re.IGNORECASE)
        output = shown.group(1) if shown else ""
    elif words[0] == "cat" and len(words) == 2 and words[1].rsplit("/", 1)[-1] in _DOT_VERSION_FILES:
        thing = _DOT_VERSION_FILES[words[1].rsplit("/", 1)[-1]]
    if thing is None:
        return None
    match = _VERSION_IN_OUTPUT.search(output[:400])
    if match is None:
        return None
    version = match.group(1)
    text = f"{thing} version is {version} (`{_unwrapped(segment)[:80]}`)"
    return FactCandidate(text, "environment", "output", seq, f"version:{thing}", norm_value(version), (), at)


def _service_for(segment: str, output: str) -> str:
    return service_of(segment) or service_of(output[:300]) or _role_service(segment)


def _role_service(segment: str) -> str:
    head = command_head(segment)
    if head and command_role(head) == "dev":
        return "dev server"
    return words_of(segment)[0] if words_of(segment) else "server"


def _port_fact(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> FactCandidate | None:
    listening = _listening_port(output)
    if listening is None or words[0] in _SHOWS_TEXT or "logs" in words[:3]:
        return None
    port, line = listening
    service = service_of(segment) or service_of(line) or _service_for(segment, output)
    text = f"The {service} (`{segment[:60]}`) listens on port {port}"
    return FactCandidate(text, "environment", "output", seq, f"port:{service}", port, (), at)


def _host_fact(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> FactCandidate | None:
    program = words[0].rsplit("/", 1)[-1]
    if program not in _REMOTE_COMMANDS:
        return None
    if program == "git" and words[1:3] != ["remote", "-v"]:
        return None
    source = output[:400] if program == "git" else segment
    hosts = [h for h in HOST.findall(source) + IPV4.findall(source) if h.lower() not in ("localhost", "127.0.0.1")]
    if not hosts:
        return None
    host = hosts[0].lower()
    named = " ".join(re.split(r"[.\-_0-9]+", host))  # "staging-2.acme.dev": its words say what it is
    role = service_of(named, ENVIRONMENTS) or service_of(segment, ENVIRONMENTS) or service_of(named, SERVICES)
    if program == "git":
        role = "git remote"
    if role is None:
        role = service_of(segment) or program
    reached = segment[: segment.lower().find(host) + len(host)] if host in segment.lower() else segment[:60]
    text = f"The {role} host is {host} (`{reached}`)"
    return FactCandidate(text, "environment", "output", seq, f"host:{role}", norm_value(host), (), at)


_REMOTE_LINE = re.compile(r"^([\w.-]+)\s+((?:[a-z][\w+.-]*://|[\w.-]+@[\w.-]+:)\S+)", re.MULTILINE)


def _remote_fact(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> FactCandidate | None:
    """``dvc remote list``, ``rclone listremotes --long``, ...: where a tool stores and fetches (git's remotes are
    hosts, below)."""
    program = words[0].rsplit("/", 1)[-1]
    if program == "git" or not ({"remote", "listremotes"} & set(words[1:3])):
        return None
    listed = _REMOTE_LINE.search(output[:1000])
    if listed is None:
        return None
    name, url = listed.group(1).rstrip(":"), listed.group(2)
    text = f"The {program} remote {name} is {url} (`{segment[:60]}`)"
    return FactCandidate(text, "environment", "output", seq, f"remote:{program}", norm_value(url), (), at)


# What runs where, as a release tool or a model registry lists it: "shop-api v41 Production ...",
# "ferrycast-demand: v12 -> Production (v9 -> Archived)".
_RELEASE_LINE = re.compile(
    r"^\s*([A-Za-z][\w.-]*):?\s+v?(\d+(?:\.\d+){0,3})\s+(?:->\s*|→\s*)?(production|staging|prod|live)\b",
    re.IGNORECASE | re.MULTILINE,
)


def _release_fact(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> FactCandidate | None:
    if words[0] in _SHOWS_TEXT:
        return None
    listed = _RELEASE_LINE.search(output[:2000])
    if listed is None:
        return None
    name, version, stage = listed.group(1), listed.group(2), listed.group(3).lower()
    stage = {"prod": "production"}.get(stage, stage)
    text = f"{name} v{version} is in {stage.title()} (`{segment[:60]}`)"
    return FactCandidate(text, "environment", "output", seq, f"release:{name}@{stage}", version, (), at)


def _path_fact(words: list[str], segment: str, output: str, seq: int | None, at: Any) -> FactCandidate | None:
    if words[0] not in ("which", "command", "type", "where") or len(words) < 2:
        return None
    program = words[-1]
    first = output.strip().splitlines()[0].strip() if output.strip() else ""
    path = re.search(r"((?:~|\.{1,2})?[\w.+-]*/[\w./+-]+)", first)
    if path is None:
        return None
    text = f"`{program}` is {path.group(1)}"
    return FactCandidate(text, "environment", "output", seq, f"path:{program}", norm_value(path.group(1)), (), at)


# -- the commands that work -------------------------------------------------------------------------


def facts_from_commands(events: Sequence[dict[str, Any]]) -> list[FactCandidate]:
    """The build, test and check commands that ran successfully in this session (one per command head)."""
    found: list[FactCandidate] = []
    seen: set[str] = set()
    for event in events:
        if event.get("kind") != "tool" or event.get("tool") != "Bash" or event.get("error"):
            continue
        if not event.get("has_result", True):
            continue
        target = str(event.get("target") or "")
        head = command_head(target)
        if not head or head in seen:
            continue
        seen.add(head)
        role = command_role(head)
        scope = command_scope(target)
        found.append(
            FactCandidate(
                f"`{head}` {role_verb(role)} this project (it ran successfully).",
                "environment",
                "journal",
                int(event["seq"]),
                f"command:{role}@{scope}" if scope else f"command:{role}",
                head,
                (),
                event.get("at"),
            )
        )
    return found


# -- lessons ----------------------------------------------------------------------------------------


def lesson_text(verdict: Verdict) -> str:
    """A lesson as memory keeps it: nevo's words, the line that said what was wrong, and the fix."""
    parts = [verdict.lesson.strip() or f"{verdict.failed} failed; {verdict.fix} worked."]
    error = re.sub(r"^(?:error:\s*)+", "", verdict.error_line.strip(), flags=re.IGNORECASE)
    if error and error.lower() not in parts[0].lower():
        parts.append(f"Error: {error[:120]}")
    if verdict.fix and verdict.fix not in parts[0]:
        parts.append(f"Fix: `{verdict.fix[:100]}`")
    text = " ".join(p if p.endswith((".", "`", ")")) else p + "." for p in parts)
    return text if len(text) <= MAX_FACT_CHARS else parts[0][:MAX_FACT_CHARS]


def facts_from_verdicts(lessons: Sequence[tuple[int | None, Verdict]]) -> list[FactCandidate]:
    return [FactCandidate(lesson_text(v), "lesson", "verdict", seq) for seq, v in lessons if v.kind == "lesson"]


# -- all of it --------------------------------------------------------------------------------------


def extract_offline(
    events: Sequence[dict[str, Any]], lessons: Sequence[tuple[int | None, Verdict]] = ()
) -> list[FactCandidate]:
    found: list[FactCandidate] = []
    for event in events:
        kind, seq, at = event.get("kind"), event.get("seq"), event.get("at")
        if kind == "user" and event.get("text"):
            found.extend(facts_from_prompt(str(event["text"]), seq, at))
        elif kind == "assistant" and event.get("text"):
            found.extend(facts_from_assistant(str(event["text"]), seq, at))
        elif kind == "tool" and event.get("tool") == "Bash" and not event.get("error") and event.get("output"):
            found.extend(facts_from_output(event))
    found.extend(facts_from_commands(events))
    found.extend(facts_from_verdicts(lessons))
    return found


@offline_handler("fact-extractor")
def offline_fact_extractor(request: Request) -> dict[str, Any]:
    lessons = [(item.get("seq"), Verdict.from_json(item["verdict"])) for item in request.data.get("lessons") or []]
    return offline_facts(request.data.get("events") or [], lessons)


def offline_facts(
    events: Sequence[dict[str, Any]], lessons: Sequence[tuple[int | None, Verdict]] = ()
) -> dict[str, Any]:
    """The offline fact-extractor's answer, shaped as a model's (:func:`candidates_from_output` reads both)."""
    return {
        "facts": [
            {
                "text": c.text,
                "category": c.category,
                "seq": c.journal_seq,
                "source": c.source,
                "subject": c.subject,
                "value": c.value,
                "replaces": list(c.replaces),
                "at": c.at,
            }
            for c in extract_offline(events, lessons)
        ]
    }


def classify(text: str) -> str:
    """A category for a statement that came without one (a model's fact, an inbox line)."""
    category = statement_category(text)
    if category:
        return category
    if re.search(r"\b(?:failed|fails|worked|instead|fix(?:ed)?|broke|error|missing)\b", text, re.I):
        return "lesson"
    if subject_of(text) is not None:
        return "environment"
    return "configuration"


def candidates_from_output(output: dict[str, Any], default_source: str) -> list[FactCandidate]:
    """A provider's answer as candidates; anything malformed is left out. A subject the model did not give
    is derived from the text, so supersession works the same with and without a model."""
    found: list[FactCandidate] = []
    for item in output.get("facts") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            continue
        text = str(item["text"])
        category = item.get("category") if item.get("category") in CATEGORIES else classify(text)
        seq = item.get("seq") if isinstance(item.get("seq"), int) else None
        source = str(item.get("source")) if item.get("source") in _KNOWN_SOURCES else default_source
        subject, value = item.get("subject"), item.get("value")
        replaces = tuple(str(v) for v in item.get("replaces") or [] if isinstance(v, str))
        if not (isinstance(subject, str) and isinstance(value, str) and subject and value):
            # A model that gave no subject: derive it (a lesson is about a failure, not a value to supersede).
            derived = subject_of(text) if "subject" not in item and category not in ("lesson", "event") else None
            subject, value = (derived.key, derived.value) if derived else (None, None)
            replaces = derived.replaces if derived else ()
        at = item.get("at") if isinstance(item.get("at"), str) else None
        found.append(
            FactCandidate(text, str(category), source, seq, subject, value and norm_value(value), replaces, at)
        )
    return found


_KNOWN_SOURCES = ("user", "agent", "output", "journal", "verdict")
