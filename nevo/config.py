"""Workspace configuration: ``.nevo/config.yaml`` merged over documented defaults.

The template written by ``nevo init`` documents every key; a missing key takes its default, so a
config file from an older nevo keeps working. Code reads values with ``config.get("section.key")``.
Every value is checked when the file is read, in one place: its type (that of its default), its range
(:data:`RANGES`) or choices; a file that is not text or not a small regular file is a clear error.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from nevo.errors import NevoError
from nevo.fsutil import FileTooLarge, NotRegularFile, read_bounded
from nevo.workspace import Workspace

DEFAULTS: dict[str, Any] = {
    "provider": {
        "name": "auto",
        "daily_token_cap": 2_000_000,
        "daily_cost_cap_usd": 5.0,
        "timeout_seconds": 60,
        "max_retries": 3,
    },
    "monitor": {
        "loop_threshold": 3,
        "max_payload_bytes": 1_048_576,
        "analyze_on_new": True,
        "run_at_session_end": True,
    },
    "analyst": {
        "recurrence_threshold": 3,
        "guards": True,
        "failing_rule_recurrences": 2,
        "retire_after_days": 30,
    },
    "memory": {
        "ttl_days": {
            "preference": None,
            "configuration": 180,
            "event": 30,
            "lesson": 365,
            "environment": 180,
        },
        "weekly_after_days": 7,
        "monthly_after_days": 30,
        "keep_detail": True,
        "memory_chars": 2200,
        "user_chars": 1375,
        "nudge": {"enabled": True, "min_tool_calls": 25},
    },
    "schedule": {"nightly": "0 3 * * *"},
    "forge": {"unused_days": 30, "min_sessions": 3},
    "quality": {"max_refinements": 3},
    "store": {"url": ""},
}

TEMPLATE = """\
# nevo configuration for this workspace. Every key is optional: a missing key takes the default
# shown here. Delete this file to get the defaults back (`nevo init` writes it again).

provider:
  # Which LLM the analyst, memory and skill forge use:
  #   auto         anthropic when ANTHROPIC_API_KEY is set, otherwise offline
  #   offline      deterministic, no network; good enough to run the whole loop
  #   anthropic    the Anthropic API through the official SDK
  #   claude-code  your own `claude -p` (headless Claude Code)
  name: auto
  daily_token_cap: 2000000     # input + output tokens per UTC day, all calls together (0: no cap)
  daily_cost_cap_usd: 5.0      # estimated dollars per UTC day (0: no cap)
  timeout_seconds: 60
  max_retries: 3

monitor:
  loop_threshold: 3            # the same failure this many times in one session marks a loop
  max_payload_bytes: 1048576   # larger trigger payloads are truncated (head and tail kept)
  analyze_on_new: true         # after processing failures, analyse what is ready (new rules are committed)
  run_at_session_end: true     # when a Claude Code session ends, process and analyse in the background
                               # (log and outcome: .nevo/logs/, `nevo status`)

analyst:
  recurrence_threshold: 3      # an incident with no recovery is analysed once seen this many times
  guards: true                 # compile machine-checkable rules into PreToolUse guards
  failing_rule_recurrences: 2  # recurrences since a rule was committed that flag it as failing; the
                               # nightly then re-analyses it and commits a revision
  retire_after_days: 30        # a rule whose guard only stood aside (the cause was gone) this long, with
                               # no recurrence, is retired by the nightly (0: never)

memory:
  ttl_days:                    # how long a fact lives, by category (null: forever)
    preference: null
    configuration: 180
    event: 30
    lesson: 365
    environment: 180
  weekly_after_days: 7         # sessions older than this are merged into weekly digests
  monthly_after_days: 30       # weekly digests older than this are merged into monthly summaries
  keep_detail: true            # keep digested sessions' journal searchable (false: prune it)
  memory_chars: 2200           # size of .nevo/memory/MEMORY.md
  user_chars: 1375             # size of .nevo/memory/USER.md
  nudge:
    enabled: true              # ask the agent once, at Stop, to write down what it learned
    min_tool_calls: 25         # ... after a session with this many tool calls (or a recovered failure)

schedule:
  nightly: "0 3 * * *"         # cron expression for `nevo nightly` (`nevo cron install` uses it)

forge:
  unused_days: 30              # a skill unused this long is flagged
  min_sessions: 3              # a tool sequence repeated in this many sessions is a skill candidate

quality:
  max_refinements: 3           # refinements before the pipeline escalates

store:
  # Where incidents, their analyses, rule evidence and LLM metering live. "" (the default): this
  # workspace's own SQLite (.nevo/nevo.db). A PostgreSQL URL shares them with the team that commits
  # this file: a failure seen once on three laptops counts 3 and is analysed once. NEVO_STORE_URL in
  # the environment wins over this key (keep a password there or in ~/.pgpass, not in git).
  # Memory stays per person. `nevo doctor` checks the connection.
  url: ""                      # e.g. postgresql://nevo@db.example.com:5432/nevo
"""


# The range every number may take, checked in one place when the file is read (a value outside it is an
# error that names the key and the range: `max_payload_bytes: 0` used to reject every trigger silently).
# A key without an entry here has its type checked only.
RANGES: dict[str, tuple[float, float]] = {
    "provider.daily_token_cap": (0, 10**12),  # 0: no cap
    "provider.daily_cost_cap_usd": (0, 1_000_000),  # 0: no cap
    "provider.timeout_seconds": (1, 3600),
    "provider.max_retries": (0, 20),
    "monitor.loop_threshold": (2, 100_000),
    "monitor.max_payload_bytes": (4096, 64 * 1024 * 1024),
    "analyst.recurrence_threshold": (1, 100_000),
    "analyst.failing_rule_recurrences": (0, 100_000),  # 0: never flag
    "memory.ttl_days.*": (1, 36_500),
    "memory.weekly_after_days": (1, 3650),
    "memory.monthly_after_days": (1, 36_500),
    "memory.memory_chars": (200, 1_000_000),
    "memory.user_chars": (100, 1_000_000),
    "memory.nudge.min_tool_calls": (1, 1_000_000),
    "forge.unused_days": (1, 36_500),
    "forge.min_sessions": (2, 100_000),
    "quality.max_refinements": (0, 20),
}
CHOICES: dict[str, tuple[str, ...]] = {"provider.name": ("auto", "offline", "anthropic", "claude-code")}
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))

    def get(self, dotted: str) -> Any:
        """``config.get("monitor.loop_threshold")``; a key that has no default is a programming error."""
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"unknown config key {dotted!r}")
            node = node[part]
        return node


def load_config(workspace: Workspace) -> Config:
    """The workspace's config; the defaults when there is no file. A malformed file is an error, not a shrug."""
    path = workspace.config_path
    if not os.path.lexists(path):
        return Config()
    try:
        loaded = yaml.safe_load(read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NevoError(
            f"{path} is not text (not UTF-8 at byte {exc.start}): it is not a config file",
            "delete it (`nevo init` writes a documented one), or restore it from git",
        ) from exc
    except (NotRegularFile, FileTooLarge) as exc:
        raise NevoError(f"{path} is {exc.strerror}", "a config file is a small YAML file; delete this one") from exc
    except OSError as exc:
        raise NevoError(f"{path} cannot be read: {exc}", "check its permissions") from exc
    except yaml.YAMLError as exc:
        raise NevoError(
            f"{path} is not valid YAML: {exc}", "fix it, or delete it to get the defaults"
        ) from exc
    if loaded is None:
        return Config()
    if not isinstance(loaded, dict):
        raise NevoError(
            f"{path} must be a mapping of sections", "see the comments in the file `nevo init` writes"
        )
    problems = _type_problems(DEFAULTS, loaded, "")
    config = Config(_merge(copy.deepcopy(DEFAULTS), loaded))
    if not problems:
        problems = _value_problems(config)
    if problems:
        raise NevoError(
            f"{path}: " + "; ".join(problems),
            "each key's expected form is documented in the file `nevo init` writes",
        )
    return config


def _value_problems(config: Config) -> list[str]:
    """Every number within its range (:data:`RANGES`), every choice one of its choices, the schedule a cron
    expression. Runs on the merged config, so the defaults are checked too."""
    problems = []
    for dotted, (low, high) in RANGES.items():
        if dotted.endswith(".*"):
            section = config.get(dotted[:-2])
            values = {f"{dotted[:-2]}.{k}": v for k, v in section.items()} if isinstance(section, dict) else {}
        else:
            values = {dotted: _get_or_none(config, dotted)}
        for name, value in values.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not low <= value <= high:
                problems.append(f"`{name}` must be between {_number(low)} and {_number(high)}, not {value!r}")
    for dotted, choices in CHOICES.items():
        value = _get_or_none(config, dotted)
        if value is not None and value not in choices:
            problems.append(f"`{dotted}` must be one of {', '.join(choices)}, not {value!r}")
    url = str(config.get("store.url") or "").strip()
    if url:
        from nevo.store_base import url_problem

        problem = url_problem(url)
        if problem:
            problems.append(f"`store.url`: {problem}")
    if config.get("memory.monthly_after_days") < config.get("memory.weekly_after_days"):
        problems.append("`memory.monthly_after_days` must not be less than `memory.weekly_after_days`")
    from nevo.cron import validate_schedule  # imported here: croniter is only the cron module's

    try:
        validate_schedule(str(config.get("schedule.nightly")))
    except NevoError as exc:
        problems.append(f"`schedule.nightly`: {exc.message}")
    return problems


def _get_or_none(config: Config, dotted: str) -> Any:
    try:
        return config.get(dotted)
    except KeyError:
        return None


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "_") if float(value).is_integer() else str(value)


def _type_problems(defaults: dict[str, Any], given: dict[str, Any], prefix: str) -> list[str]:
    """A value must have its default's type (an int may stand for a float; null only where the default is null
    or inside ``ttl_days``, where null means forever). Unknown keys are kept, for newer versions' settings."""
    problems = []
    for key, value in given.items():
        name = f"{prefix}{key}"
        if key not in defaults:
            continue
        default = defaults[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"`{name}` must be a mapping, not {value!r}")
            elif key == "ttl_days":
                problems += [
                    f"`{name}.{k}` must be a number of days or null, not {v!r}"
                    for k, v in value.items()
                    if v is not None and (isinstance(v, bool) or not isinstance(v, int))
                ]
            else:
                problems += _type_problems(default, value, f"{name}.")
        elif default is not None and not _same_kind(default, value):
            problems.append(f"`{name}` must be {type(default).__name__}, not {value!r}")
    return problems


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge(base[key], value)
        else:
            base[key] = value
    return base
