"""How the arguments of common programs read: what a segment of npm, make, cargo, git, python, a script, or a
file lister or searcher acts on (:class:`nevo.action.Action`). :mod:`nevo.calls` picks the reader per program.

Each reader gets the program's arguments (wrappers and assignments already set aside), how it is run (a
runner such as ``npx`` or ``uv run``), and ``base``: the fields every action of the segment shares (tool,
folder, stage, env, text, exe).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from nevo.action import ASSIGNMENT, Action, asks_help, place, positional
from nevo.shell import program_name

_NPM_SHORTCUTS = {"test": "test", "t": "test", "tst": "test", "start": "start", "stop": "stop", "restart": "restart"}
_YARN_BUILTINS = frozenset({"add", "install", "remove", "upgrade", "why", "info", "init", "workspace", "workspaces"})
_PYTHON_TOOLS = frozenset({"pytest", "pip", "unittest", "mypy", "black", "ruff", "flake8", "pylint", "coverage", "tox"})
_GIT_LOOK = frozenset(
    {"status", "log", "diff", "show", "remote", "rev-parse", "ls-files", "describe", "blame", "shortlog", "help"}
)
_GIT_VERB = {"switch": "checkout"}
_GIT_CONFIG_READ = frozenset({"--get", "--get-all", "--get-regexp", "--list", "-l"})
# Short options that take a value, for programs that list or search (their values are not paths).
VALUED = {
    "tree": frozenset({"-L", "-P", "-I", "-o", "-H", "-T"}),
    "du": frozenset({"-d", "-B", "-t"}),
    "head": frozenset({"-n", "-c"}),
    "tail": frozenset({"-n", "-c"}),
    "ls": frozenset({"-I", "-w", "-T"}),
    "grep": frozenset({"-e", "-f", "-m", "-A", "-B", "-C"}),
    "egrep": frozenset({"-e", "-f", "-m", "-A", "-B", "-C"}),
    "fgrep": frozenset({"-e", "-f", "-m", "-A", "-B", "-C"}),
    "rg": frozenset({"-e", "-f", "-m", "-A", "-B", "-C", "-g", "-t", "-T", "--glob", "--type", "-j", "-M"}),
    "ag": frozenset({"-A", "-B", "-C", "-m", "-G", "-g", "--depth"}),
    "ack": frozenset({"-A", "-B", "-C", "-m", "-t", "--type"}),
}
_FIND_NAMES = frozenset({"-name", "-iname", "-regex", "-iregex", "-wholename", "-iwholename"})


def script(path: str, args: list[str], runner: str, base: dict[str, Any]) -> Action:
    words = positional(args)
    options = tuple(a for a in args if a not in words)
    intent = "look" if asks_help(args, short=True) else "run"
    return Action(intent=intent, family="script", targets=(path, *words), runner=runner, options=options, **base)


def python(program: str, args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    interpreter = program if "/" in program else program_name(program)
    flags: list[str] = []
    while args and args[0].startswith("-") and args[0] not in ("-m", "-c"):
        flags.append(args.pop(0))
        if flags[-1] in ("-W", "-X") and args:
            flags.append(args.pop(0))
    runner = " ".join(w for w in (runner, interpreter, *flags) if w)  # python3 -X dev runs it otherwise
    if args[:1] == ["-m"] and len(args) > 1:
        module = args[1]
        rest = args[2:]
        if module.split(".")[0] in _PYTHON_TOOLS or module in ("http.server", "venv", "build", "twine"):
            family = module.split(".")[0]
            words = positional(rest)
            intent = "change" if family == "pip" and words[:1] in (["install"], ["uninstall"]) else "run"
            intent = "look" if asks_help(rest) else intent
            options = tuple(a for a in rest if a not in words)
            return Action(
                intent=intent, family=family, targets=tuple(words), runner=f"{runner} -m", options=options, **base
            )
        path = module.replace(".", "/") + ".py"
        search = next((e.split("=", 1)[1] for e in base["env"] if e.startswith("PYTHONPATH=")), "")
        folder = place(search.split(":")[0], base["folder"], root) if search else base["folder"]
        return script(posixpath.normpath(posixpath.join(folder, path)), rest, f"{runner} -m", base)
    if args[:1] == ["-c"]:
        return Action(intent="run", family="python-inline", targets=tuple(args[1:2]), runner=runner, **base)
    if args:
        return script(place(args[0], base["folder"], root), args[1:], runner, base)
    intent = "look" if asks_help(flags) else "run"
    return Action(intent=intent, family="python-repl", runner=runner, **base)


def npm(name: str, args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
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
    intent = "look" if verb in ("", "ls", "list", "view", "outdated", "config", "help") or asks_help(options) else "run"
    if verb in ("install", "i", "ci", "add", "link", "rebuild", "uninstall", "remove"):
        intent = "change"
    base = {**base, "folder": folder}
    options = [*options, *script_args]
    return Action(
        intent=intent, family="npm", verb=verb, targets=tuple(targets), runner=runner, options=tuple(options), **base
    )


def make(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
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
        elif arg.startswith("-") or ASSIGNMENT.match(arg):
            options.append(arg)
        else:
            targets.append(arg)
        index += 1
    look = any(o in ("-p", "-q", "--question", "--print-data-base", *("--help", "--version")) for o in options)
    base = {**base, "folder": folder}  # (-n is a dry run of the same: harm names it weakened)
    intent = "look" if look else "run"
    return Action(intent=intent, family="make", targets=tuple(targets), runner=runner, options=tuple(options), **base)


def cargo(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    folder = base["folder"]
    words: list[str] = []
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
        elif flag in ("--bin", "--example", "--test", "-p", "--package", "--features", "-F"):
            targets.append(value)
            index += 0 if inline else 1
        elif arg.startswith("-"):
            options.append(arg)
        else:
            words.append(arg)
        index += 1
    verb = words[0] if words else ""
    intent = "change" if verb in ("add", "install", "fetch", "update") else "run"
    if verb in ("tree", "metadata", "help") or asks_help(options):
        intent = "look"
    base = {**base, "folder": folder}
    return Action(
        intent=intent,
        family="cargo",
        verb=verb,
        targets=tuple(targets + words[1:]),
        runner=runner,
        options=tuple(options),
        **base,
    )


def git(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
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
    words = positional(rest, values=valued, long_values=False)
    options.extend(a for a in rest if a not in words)
    intent = "run"
    listing = (verb in ("branch", "tag") and (not words or bool({"-l", "--list"} & set(rest)))) or (
        verb == "config" and bool(_GIT_CONFIG_READ & set(rest))
    )
    if verb in _GIT_LOOK or listing or (verb == "stash" and words[:1] == ["list"]) or asks_help(rest):
        intent = "look"  # `git tag`, `git branch -a`, `git config --get x` list what there is
    elif verb in ("fetch", "pull", "config", "stash", "add", "rm", "mv", "reset", "clean", "init", "clone", "remote"):
        intent = "change"
    elif verb in ("grep",):
        intent = "search"
    base = {**base, "folder": folder}
    return Action(
        intent=intent, family="git", verb=verb, targets=tuple(words), runner=runner, options=tuple(options), **base
    )


def find(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    """``find`` names its folders first, then an expression; with a name test it searches for where a thing
    is (looking around), without one it lists."""
    folders: list[str] = []
    while args and not args[0].startswith(("-", "(", "!")):
        folders.append(args.pop(0))
    names = [args[i + 1] for i, a in enumerate(args[:-1]) if a in _FIND_NAMES]
    targets = tuple(place(f, base["folder"], root) for f in folders) or (base["folder"],)
    intent = "search" if names else "list"
    options = (f"name:{names[0]}", *args) if names else tuple(args)
    return Action(intent=intent, family="find", targets=targets, runner=runner, options=options, **base)


def searcher(name: str, args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    """``grep``/``rg``/``ag``/``ack`` read like the Grep tool: the pattern first in ``options``, the paths
    searched as targets (the folder it runs in when it names none)."""
    words = positional(args, values=VALUED.get(name, frozenset()))
    explicit = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-e", "--regexp")), None)
    pattern = explicit if explicit is not None else (words.pop(0) if words else "")
    flags = tuple(a for a in args if a not in words and a != pattern)
    targets = tuple(place(w, base["folder"], root) for w in words) or (base["folder"],)
    return Action(intent="search", family=name, targets=targets, runner=runner, options=(pattern, *flags), **base)


def psql(args: list[str], runner: str, base: dict[str, Any], root: str) -> Action:
    """``psql``: the database and the command (or file) it runs are what it acts on; who and where it connects
    as are how; ``-l`` only lists the databases."""
    database, command = "", ""
    options: list[str] = []
    words: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        flag, eq, inline = arg.partition("=")
        value = inline if eq else (args[index + 1] if index + 1 < len(args) else "")
        takes = not eq and flag in _PSQL_VALUED
        if flag in ("-d", "--dbname"):
            database = value
        elif flag in ("-c", "--command"):
            command = value
        elif flag in ("-f", "--file"):
            command = place(value, base["folder"], root)
        elif flag in _PSQL_VALUED:
            options.append(f"{flag} {value}")
        elif arg.startswith("-"):
            options.append(arg)
        else:
            words.append(arg)
        index += 2 if takes else 1
    database = database or (words.pop(0) if words else "")
    intent = "look" if {"-l", "--list"} & set(options) or asks_help(options) else "run"
    targets = tuple(t for t in (database, command) if t)
    return Action(intent=intent, family="psql", targets=targets, runner=runner, options=tuple(options), **base)


_PSQL_VALUED = frozenset(
    {"-d", "--dbname", "-c", "--command", "-f", "--file", "-U", "--username", "-h", "--host", "-p", "--port"}
    | {"-v", "--set", "--variable", "-o", "--output", "-P", "--pset", "-F", "-R", "-T"}
)


def valued_positional(name: str, args: list[str]) -> list[str]:
    return positional(args, values=VALUED.get(name, frozenset()))


def is_python(name: str, program: str) -> bool:
    return bool(
        _PYTHON.match(name) or _PYTHON.match(posixpath.basename(program)) or re.search(r"/python[\d.]*$", program)
    )


_PYTHON = re.compile(r"^(?:python[\d.]*|py|pypy[\d.]*)$")
