"""What a call does, normalised so that two ways of doing the same thing compare equal.

``npm run build`` in ``web/`` and ``npm --prefix web run build``; ``python3 src/pkg/cli.py`` and ``python3 -m
pkg.cli`` run from ``src``; ``./run.sh`` and ``bash run.sh``; ``pytest`` and ``python3 -m pytest``; ``cat
README.md`` and a Read of it. :func:`actions` turns a call into :class:`Action` records: one per command
segment that does something (``cd`` and ``export`` only set the stage for the ones after them), with the
folder it acts in, what it acts on, how it is run, and what kind of thing it does (run, read, list, search,
edit, look, change). Paths are relative to the workspace root. :mod:`nevo.recovery` relates them.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from nevo import programs
from nevo.action import ASSIGNMENT, Action, asks_help, place, positional, relative_to
from nevo.shell import Segment, program_name
from nevo.shell import segments as shell_segments

__all__ = ["Action", "actions", "describe_call", "place", "relative_to"]

FILE_TOOLS = frozenset({"Read", "Edit", "MultiEdit", "Write", "NotebookEdit", "NotebookRead", "Glob", "Grep"})
TARGET_KEYS = ("file_path", "notebook_path", "path", "url", "pattern", "query", "skill", "subagent_type")
STAGE = frozenset(
    {"cd", "pushd", "popd", "export", "echo", "printf", "set", "unset", "true", ":", "sleep", "source", "."}
)
_READ = frozenset({"cat", "head", "tail", "less", "more", "bat", "wc", "nl", "od", "xxd", "file", "stat", "strings"})
_LIST = frozenset({"ls", "tree", "find", "fd", "du", "exa", "eza", "dir"})
_SEARCH = frozenset({"grep", "rg", "ag", "ack", "egrep", "fgrep"})
_LOOK = frozenset(
    {"which", "type", "env", "printenv", "ps", "lsof", "pgrep", "uname", "whoami", "id", "pwd", "hostname"}
)
_CHANGE = frozenset(
    {"cp", "mv", "mkdir", "touch", "ln", "chmod", "chown", "rm", "rmdir", "tee", "kill", "pkill", "killall", "fuser"}
    | {"install", "tar", "unzip", "patch", "ssh-keygen", "ssh-add", "createdb", "dropdb"}
)
_SUBCOMMANDS = frozenset(
    {"git", "go", "docker", "kubectl", "terraform", "gh", "aws", "brew", "apt", "apt-get", "pip", "uv", "poetry"}
    | {"cargo", "dotnet", "mvn", "gradle", "helm", "systemctl", "conda", "rustup", "deno", "bun", "composer", "gem"}
)
_PACKAGE_MANAGERS = frozenset({"npm", "pnpm", "yarn", "bun"})
_RUNNERS = {"npx": 0, "pnpx": 0, "bunx": 0}
_RUN_PREFIX = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"), ("rye", "run")}
_RUN_PREFIX |= {("bundle", "exec"), ("pnpm", "exec"), ("pnpm", "dlx"), ("yarn", "dlx"), ("npm", "exec")}
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
_SCRIPT_RUNNERS = frozenset({"node", "deno", "tsx", "ts-node", "ruby", "perl", "php", "Rscript", *_SHELLS})
_BIN_DIRS = re.compile(r"(?:^|/)(?:\.?venv|env|node_modules/\.bin|vendor/bin|\.tox/[^/]+)/(?:bin/)?[^/]+$")


# ---------------------------------------------------------------------------------------- calls -> actions


def actions(tool: str, tool_input: Mapping[str, Any], cwd: str = "", root: str = "") -> tuple[Action, ...]:
    """What a call does, one :class:`Action` per command segment that does something (Bash), or one."""
    key = json.dumps(tool_input, sort_keys=True, ensure_ascii=False, default=str)
    return _actions(tool, key, cwd, root)


@lru_cache(maxsize=8192)  # the monitor relates every later call of a session to each failure: they recur
def _actions(tool: str, input_json: str, cwd: str, root: str) -> tuple[Action, ...]:
    tool_input = json.loads(input_json)
    here = relative_to(cwd, root) if cwd else "."
    if tool == "Bash":
        return _bash(str(tool_input.get("command") or ""), here, root)
    if tool in FILE_TOOLS:
        return (_file_action(tool, tool_input, here, root),)
    targets = tuple(str(tool_input[k]) for k in TARGET_KEYS if isinstance(tool_input.get(k), str) and tool_input[k])
    return (Action(tool, "run", tool, targets=targets, folder=here, text=describe_call(tool, tool_input)),)


def _file_action(tool: str, tool_input: Mapping[str, Any], here: str, root: str) -> Action:
    path = str(tool_input.get("file_path") or tool_input.get("notebook_path") or "")
    if tool in ("Glob", "Grep"):
        base = str(tool_input.get("path") or "")
        pattern = str(tool_input.get("pattern") or "")
        folder = place(base, here, root) if base else here
        if tool == "Glob":
            literal = pattern.split("*")[0].rsplit("/", 1)[0] if "/" in pattern.split("*")[0] else ""
            target = posixpath.normpath(posixpath.join(folder, literal)) if literal else folder
            return Action(
                tool,
                "list",
                "file",
                targets=(target,),
                folder=folder,
                options=(pattern,),
                text=describe_call(tool, tool_input),
            )
        return Action(
            tool,
            "search",
            "file",
            targets=(folder,),
            folder=folder,
            options=(pattern,),
            text=describe_call(tool, tool_input),
        )
    intent = "read" if tool in ("Read", "NotebookRead") else "edit"
    content = (
        tool_input.get("old_string"),
        tool_input.get("new_string"),
        tool_input.get("content"),
        tool_input.get("edits"),
    )
    options = (json.dumps(content, sort_keys=True, default=str)[:2000],) if intent == "edit" else ()
    return Action(
        tool,
        intent,
        "file",
        targets=(place(path, here, root),),
        folder=here,
        options=options,
        text=describe_call(tool, tool_input),
    )


def _bash(command: str, here: str, root: str) -> tuple[Action, ...]:
    found: list[Action] = []
    folder = here
    exported: list[str] = []
    for segment in shell_segments(command):
        name = segment.name
        if not segment.program:
            exported.extend(segment.env)  # `A=1` alone sets a shell variable for what follows
            continue
        if name in ("cd", "pushd"):
            target = next((a for a in segment.args if not a.startswith("-")), "~")
            folder = place(target, folder, root)
            continue
        if name == "export":
            exported.extend(a for a in segment.args if ASSIGNMENT.match(a))
            continue
        if name in ("source", ".") and segment.args:
            # Sourcing a file sets the stage, but the file is a thing it acts on: a wrong path is the mistake.
            text = segment.text
            path = place(segment.args[0], folder, root)
            found.append(Action("Bash", "run", "source", targets=(path,), folder=folder, stage=folder, text=text))
            continue
        if name in STAGE:
            continue
        if name in _SHELLS and "-c" in segment.args:
            index = segment.args.index("-c")
            inner = segment.args[index + 1] if index + 1 < len(segment.args) else ""
            found.extend(replace(a, runner=f"{name} -c") for a in _bash(inner, folder, root))
            continue
        found.append(_segment_action(segment, folder, tuple(exported), root))
    return tuple(found)


def _segment_action(segment: Segment, folder: str, exported: tuple[str, ...], root: str) -> Action:
    env = (*exported, *segment.env)
    program, args = segment.program, list(segment.args)
    runner = ""
    name = program_name(program)
    # Runners that run another program: npx jest, uv run pytest, poetry run python x.py, bundle exec rake.
    while True:
        if name in _RUNNERS and args:
            while args and args[0].startswith("-"):
                args.pop(0)
            runner, program = name, args.pop(0) if args else ""
        elif args and (name, args[0]) in _RUN_PREFIX:
            runner = f"{name} {args.pop(0)}"
            while args and args[0].startswith("-"):
                args.pop(0)
            program = args.pop(0) if args else ""
        else:
            break
        name = program_name(program)
    if segment.chdir:  # `env -C web npm test` runs it in web, like `npm --prefix web test`
        folder = place(segment.chdir, folder, root)
    base: dict[str, Any] = {
        "tool": "Bash",
        "folder": folder,
        "stage": folder,
        "env": env,
        "text": segment.text,
        "exe": segment.program,
    }
    if programs.is_python(name, program):
        return programs.python(program, args, runner, base, root)
    installed = program.startswith(("/", "~")) and posixpath.basename(posixpath.dirname(program)) in ("bin", "sbin")
    if "/" in program and (_BIN_DIRS.search(program) or installed) and not name.endswith((".sh", ".py", ".js")):
        runner = runner or posixpath.dirname(program)  # .venv/bin/pytest, node_modules/.bin/jest, ~/bin/gh
        program = name
    elif "/" in program:
        return programs.script(place(program, folder, root), args, runner or "", base)
    if name in _SCRIPT_RUNNERS:
        words = positional(args)
        if words and not any(a in ("-e", "-c", "--eval", "-p") for a in args):
            path = words[0]
            at = args.index(path)
            # The interpreter's own options (perl -Ilib, node -r x, bash -e) are how it is run.
            how = " ".join(w for w in (runner or name, *args[:at]) if w)
            return programs.script(place(path, folder, root), args[at + 1 :], how, base)
        intent = "look" if asks_help(args) else "run"
        return Action(
            intent=intent, family=f"{name}-inline", targets=tuple(words), runner=runner, options=tuple(args), **base
        )
    if name in _PACKAGE_MANAGERS:
        return programs.npm(name, args, runner, base, root)
    if name in ("make", "gmake"):
        return programs.make(args, runner, base, root)
    if name == "cargo":
        return programs.cargo(args, runner, base, root)
    if name == "git":
        return programs.git(args, runner, base, root)
    if name == "find":
        return programs.find(args, runner, base, root)
    if name in _SEARCH:
        return programs.searcher(name, args, runner, base, root)
    if name == "psql":
        return programs.psql(args, runner, base, root)
    words = programs.valued_positional(name, args)
    # What it reads from a file (`envsubst < config.tmpl`) is what it acts on, as much as its arguments.
    words += [r[1:] for r in segment.redirects if r.startswith("<") and len(r) > 1 and not r.startswith("<<")]
    options = tuple(a for a in args if a not in words)
    verb = words.pop(0) if name in _SUBCOMMANDS and words else ""
    # `iconv -l`, `cmake --list-presets`: what it knows, not its job
    listing = (not words and args in (["-l"], ["--list"])) or any(re.fullmatch(r"--list-[a-z-]+", a) for a in args)
    intent = "look" if asks_help(args) or verb == "help" or listing else _intent(name, verb, words)
    targets = tuple(place(p, folder, root) if _pathlike(p, intent) else p for p in words)
    if intent == "list" and not targets:
        targets = (folder,)  # `ls`, `tree -L 2`: the folder it runs in
    return Action(intent=intent, family=name, verb=verb, targets=targets, runner=runner, options=options, **base)


def _intent(name: str, verb: str, positional: list[str]) -> str:
    if name in _READ or (name == "jq" and positional):
        return "read"
    if name in _LIST:
        return "list"
    if name in _SEARCH:
        return "search"
    if (
        name in _LOOK
        or (name == "command" and "-v" in positional)
        or (name == "pip" and verb in ("list", "show", "freeze"))
    ):
        return "look"
    if name in _CHANGE or verb in ("install", "add", "sync", "ci", "get", "stop", "kill", "rm"):
        return "change"
    if name == "sed" and any(a.startswith("-i") for a in positional):
        return "edit"
    return "run"


def _pathlike(word: str, intent: str) -> bool:
    if intent in ("read", "list", "search", "edit") or intent == "change":
        return not word.startswith(("%", "+", "s/")) and not re.fullmatch(r"\d+", word)
    return "/" in word or bool(re.fullmatch(r"[\w.-]+\.[A-Za-z]\w{0,7}", word))


# ---------------------------------------------------------------------------------------- paths and words


def describe_call(tool: str, tool_input: Mapping[str, Any], root: str = "") -> str:
    """A short human line for a call: ``Bash: npm run build``, ``Read src/App.tsx`` (workspace-relative)."""
    if tool == "Bash":
        lines = str(tool_input.get("command") or "").strip().splitlines()
        return f"Bash: {lines[0][:160] if lines else ''}"
    for key in TARGET_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            shown = relative_to(value, root) if root and value.startswith("/") else value
            return f"{tool} {shown[:160]}"
    return tool
