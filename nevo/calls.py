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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from nevo.shell import Segment, program_name
from nevo.shell import segments as shell_segments

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
_GIT_LOOK = frozenset(
    {"status", "log", "diff", "show", "remote", "rev-parse", "ls-files", "describe", "blame", "shortlog"}
)
_GIT_VERB = {"switch": "checkout"}
_SUBCOMMANDS = frozenset(
    {"git", "go", "docker", "kubectl", "terraform", "gh", "aws", "brew", "apt", "apt-get", "pip", "uv", "poetry"}
    | {"cargo", "dotnet", "mvn", "gradle", "helm", "systemctl", "conda", "rustup", "deno", "bun", "composer", "gem"}
)
_PACKAGE_MANAGERS = frozenset({"npm", "pnpm", "yarn", "bun"})
_NPM_SHORTCUTS = {"test": "test", "t": "test", "tst": "test", "start": "start", "stop": "stop", "restart": "restart"}
_YARN_BUILTINS = frozenset({"add", "install", "remove", "upgrade", "why", "info", "init", "workspace", "workspaces"})
_RUNNERS = {"npx": 0, "pnpx": 0, "bunx": 0}
_RUN_PREFIX = {("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"), ("rye", "run")}
_RUN_PREFIX |= {("bundle", "exec"), ("pnpm", "exec"), ("pnpm", "dlx"), ("yarn", "dlx"), ("npm", "exec")}
_PYTHON = re.compile(r"^(?:python|python3|py|pypy3?)$")
_PYTHON_TOOLS = frozenset({"pytest", "pip", "unittest", "mypy", "black", "ruff", "flake8", "pylint", "coverage", "tox"})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
_SCRIPT_RUNNERS = frozenset({"node", "deno", "tsx", "ts-node", "ruby", "perl", "php", "Rscript", *_SHELLS})
_BIN_DIRS = re.compile(r"(?:^|/)(?:\.?venv|env|node_modules/\.bin|vendor/bin|\.tox/[^/]+)/(?:bin/)?[^/]+$")
_LONG_VALUE = re.compile(r"^--[\w-]+$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class Action:
    """One thing a call does. ``folder`` is where it acts, relative to the workspace root ("." for the root);
    ``targets`` are what it acts on (a script, a make target, a branch, a module path, files), paths relative
    to the workspace root."""

    tool: str
    intent: str  # run, read, list, search, edit, look, change
    family: str  # npm, make, git, cargo, script, pytest, file, or the program's name
    verb: str = ""
    targets: tuple[str, ...] = ()
    folder: str = "."
    stage: str = "."  # the folder the segment starts in (after any `cd`), before its own -C/--prefix
    env: tuple[str, ...] = ()  # NAME=value set in front of it
    runner: str = ""  # how it is run: npx, python3 -m, bash, .venv/bin/python, uv run
    options: tuple[str, ...] = ()
    text: str = ""  # the command segment as written (Bash), or the call described

    @property
    def program(self) -> str:
        return self.text.split()[0] if self.text.split() else ""


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
            exported.extend(a for a in segment.args if _ASSIGNMENT.match(a))
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
    base: dict[str, Any] = {"tool": "Bash", "folder": folder, "stage": folder, "env": env, "text": segment.text}
    if _PYTHON.match(name) or _PYTHON.match(posixpath.basename(program)) or re.search(r"/python3?$", program):
        return _python(program, args, runner, base, root)
    installed = program.startswith(("/", "~")) and posixpath.basename(posixpath.dirname(program)) in ("bin", "sbin")
    if "/" in program and (_BIN_DIRS.search(program) or installed) and not name.endswith((".sh", ".py", ".js")):
        runner = runner or posixpath.dirname(program)  # .venv/bin/pytest, node_modules/.bin/jest, ~/bin/gh
        program = name
    elif "/" in program:
        return _script(place(program, folder, root), args, runner or "", base)
    if name in _SCRIPT_RUNNERS:
        positional = _positional(args)
        if positional and not any(a in ("-e", "-c", "--eval", "-p") for a in args):
            path = positional[0]
            return _script(place(path, folder, root), args[args.index(path) + 1 :], runner or name, base)
        return Action(
            intent="run", family=f"{name}-inline", targets=tuple(positional), runner=runner, options=tuple(args), **base
        )
    if name in _PACKAGE_MANAGERS:
        return _npm(name, args, runner, base, root)
    if name in ("make", "gmake"):
        return _make(args, runner, base, root)
    if name == "cargo":
        return _cargo(args, runner, base, root)
    if name == "git":
        return _git(args, runner, base, root)
    positional = _positional(args)
    options = tuple(a for a in args if a not in positional)
    verb = positional.pop(0) if name in _SUBCOMMANDS and positional else ""
    intent = _intent(name, verb, positional)
    targets = tuple(place(p, folder, root) if _pathlike(p, intent) else p for p in positional)
    return Action(intent=intent, family=name, verb=verb, targets=targets, runner=runner, options=options, **base)


def _python(program: str, args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    interpreter = program if "/" in program else program_name(program)
    runner = f"{runner} {interpreter}".strip()
    while args and args[0].startswith("-") and args[0] not in ("-m", "-c"):
        flag = args.pop(0)
        if flag in ("-W", "-X") and args:
            args.pop(0)
    if args[:1] == ["-m"] and len(args) > 1:
        module = args[1]
        rest = args[2:]
        if module.split(".")[0] in _PYTHON_TOOLS or module in ("http.server", "venv", "build", "twine"):
            family = module.split(".")[0]
            positional = _positional(rest)
            intent = "change" if family == "pip" and positional[:1] in (["install"], ["uninstall"]) else "run"
            return Action(
                intent=intent,
                family=family,
                targets=tuple(positional),
                runner=f"{runner} -m",
                options=tuple(a for a in rest if a not in positional),
                **base,
            )
        path = module.replace(".", "/") + ".py"
        search = next((e.split("=", 1)[1] for e in base["env"] if e.startswith("PYTHONPATH=")), "")
        folder = place(search.split(":")[0], base["folder"], root) if search else base["folder"]
        return _script(posixpath.normpath(posixpath.join(folder, path)), rest, f"{runner} -m", base)
    if args[:1] == ["-c"]:
        return Action(intent="run", family="python-inline", targets=tuple(args[1:2]), runner=runner, **base)
    if args:
        return _script(place(args[0], base["folder"], root), args[1:], runner, base)
    return Action(intent="run", family="python-repl", runner=runner, **base)


def _script(path: str, args: list[str], runner: str, base: dict[str, Any]) -> Action:
    positional = _positional(args)
    options = tuple(a for a in args if a not in positional)
    return Action(intent="run", family="script", targets=(path, *positional), runner=runner, options=options, **base)


def _npm(name: str, args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    folder = base["folder"]
    rest: list[str] = []
    options: list[str] = []
    script_args: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            script_args = args[index + 1 :]
            break
        flag, _, inline = arg.partition("=")
        if flag in ("--prefix", "-C", "--cwd", "--dir", "--workspace", "-w", "--filter"):
            value = inline or (args[index + 1] if index + 1 < len(args) else "")
            index += 0 if inline else 1
            folder = place(value, folder, root)
        elif arg.startswith("-"):
            options.append(arg)
        else:
            rest.append(arg)
        index += 1
    verb, targets = (rest[0], rest[1:]) if rest else ("", [])
    if verb in ("run", "run-script", "rr"):
        verb, targets = ("run", targets) if targets else ("", [])  # bare `npm run` lists the scripts
    elif verb in _NPM_SHORTCUTS:
        verb, targets = "run", [_NPM_SHORTCUTS[verb], *targets]
    elif name in ("yarn", "pnpm", "bun") and verb and verb not in _YARN_BUILTINS and verb not in ("exec", "dlx", "x"):
        verb, targets = "run", [verb, *targets]
    intent = "look" if verb in ("", "ls", "list", "view", "outdated", "config") else "run"
    if verb in ("install", "i", "ci", "add", "link", "rebuild", "uninstall", "remove"):
        intent = "change"
    base = {**base, "folder": folder}
    return Action(
        intent=intent,
        family="npm",
        verb=verb,
        targets=tuple(targets),
        runner=runner,
        options=(*options, *script_args),
        **base,
    )


def _make(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    folder = base["folder"]
    targets: list[str] = []
    options: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "-C" and index + 1 < len(args):
            folder = place(args[index + 1], folder, root)
            index += 1
        elif arg.startswith("--directory="):
            folder = place(arg.split("=", 1)[1], folder, root)
        elif arg in ("-f", "--file", "--makefile", "-j", "-l", "-I") and index + 1 < len(args):
            options.append(f"{arg} {args[index + 1]}")
            index += 1
        elif arg.startswith("-") or _ASSIGNMENT.match(arg):
            options.append(arg)
        else:
            targets.append(arg)
        index += 1
    look = any(o in ("-p", "-q", "--question", "--print-data-base") for o in options)  # -n: a dry run of the same
    base = {**base, "folder": folder}
    return Action(
        intent="look" if look else "run",
        family="make",
        targets=tuple(targets),
        runner=runner,
        options=tuple(options),
        **base,
    )


def _cargo(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    folder = base["folder"]
    positional: list[str] = []
    targets: list[str] = []
    options: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        flag, _, inline = arg.partition("=")
        value = inline or (args[index + 1] if index + 1 < len(args) else "")
        if arg == "--":
            options.extend(args[index:])
            break
        if flag == "--manifest-path":
            folder = place(posixpath.dirname(value) or ".", folder, root)
            index += 0 if inline else 1
        elif flag in ("--bin", "--example", "--test", "-p", "--package"):
            targets.append(value)
            index += 0 if inline else 1
        elif arg.startswith("-"):
            options.append(arg)
        else:
            positional.append(arg)
        index += 1
    verb = positional[0] if positional else ""
    intent = (
        "change" if verb in ("add", "install", "fetch", "update") else "look" if verb in ("tree", "metadata") else "run"
    )
    base = {**base, "folder": folder}
    return Action(
        intent=intent,
        family="cargo",
        verb=verb,
        targets=tuple(targets + positional[1:]),
        runner=runner,
        options=tuple(options),
        **base,
    )


def _git(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    folder = base["folder"]
    options: list[str] = []
    while args and args[0] in ("-C", "-c", "--git-dir", "--work-tree", "--no-pager", "-P"):
        option = args.pop(0)
        if option in ("--no-pager", "-P"):
            continue
        value = args.pop(0) if args else ""
        if option == "-C":
            folder = place(value, folder, root)
        else:
            options.append(f"{option} {value}")
    verb = _GIT_VERB.get(args[0], args[0]) if args else ""
    rest = args[1:]
    valued = ("-m", "-b", "-B", "-c", "-C", "--format", "-n", "--author", "-F", "--message", "--set-upstream-to")
    positional = _positional(rest, values=valued, long_values=False)
    options.extend(a for a in rest if a not in positional)
    intent = "run"
    if verb in _GIT_LOOK or (verb == "branch" and not positional) or (verb == "stash" and positional[:1] == ["list"]):
        intent = "look"
    elif verb in ("fetch", "pull", "config", "stash", "add", "rm", "mv", "reset", "clean", "init", "clone", "remote"):
        intent = "change"
    elif verb in ("grep",):
        intent = "search"
    base = {**base, "folder": folder}
    return Action(
        intent=intent, family="git", verb=verb, targets=tuple(positional), runner=runner, options=tuple(options), **base
    )


def _positional(args: list[str], values: tuple[str, ...] = (), long_values: bool = True) -> list[str]:
    """Arguments that are not options, nor the value of a long option (``--config x``; unless ``long_values``
    is off, for tools whose long options are flags) or of a short option known to take one."""
    found: list[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--":
            found.extend(args[index + 1 :])
            break
        if arg.startswith("-") and len(arg) > 1:
            takes = (long_values and bool(_LONG_VALUE.match(arg))) or arg in values
            skip = takes and index + 1 < len(args) and not args[index + 1].startswith("-")
            continue
        found.append(arg)
    return found


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


def relative_to(path: str, root: str) -> str:
    """``path`` relative to the workspace ``root`` ("." for the root itself); unchanged when outside it."""
    if not root or not path.startswith("/"):
        return posixpath.normpath(path) if path else "."
    root = root.rstrip("/")
    if path == root:
        return "."
    if path.startswith(root + "/"):
        return posixpath.normpath(path[len(root) + 1 :])
    return posixpath.normpath(path)


def place(path: str, folder: str, root: str) -> str:
    """Where ``path`` (as the call wrote it, from ``folder``) is, relative to the workspace root."""
    path = path.strip("'\"")
    if path.startswith("/"):
        return relative_to(path, root)
    if path.startswith("~"):
        return path
    return posixpath.normpath(posixpath.join(folder or ".", path))


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
