"""How a later call relates to a failed one: the low-level comparison behind :mod:`nevo.lesson`.

:func:`relate` says whether a later :class:`~nevo.calls.Action` is the same call again, the same thing done
another way (another folder, runner, interpreter, flags, an environment variable in front), the same thing
with another word (a close name, the same stem, another case, a synonym), the same thing by another tool,
or nothing to do with it. It decides nothing about lessons: :mod:`nevo.lesson` does, once, and stores the
verdict.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from nevo.calls import Action, actions, describe_call, place, relative_to
from nevo.harm import only_plans
from nevo.shell import segments

__all__ = ["Action", "Relation", "actions", "describe_call", "only_narrows", "place", "relate", "relative_to"]
__all__ += ["segments", "similar"]  # segments: the shell's parse (bench_monitor clears its cache)

# Words a project uses for the same job: a fix that swaps one for another changed the very word that was wrong.
SYNONYMS = (
    frozenset({"build", "compile", "bundle", "dist", "package", "all"}),
    frozenset({"dev", "start", "serve", "server", "watch", "develop", "run"}),
    frozenset({"test", "tests", "spec", "specs", "unit", "check", "verify"}),
    frozenset({"lint", "eslint", "check", "style", "flake8", "ruff"}),
    frozenset({"format", "fmt", "prettier", "pretty"}),
    frozenset({"typecheck", "types", "type-check", "tsc", "mypy", "check"}),
    frozenset({"main", "master", "trunk", "default", "mainline"}),
    frozenset({"develop", "dev", "development", "devel"}),
    frozenset({"deploy", "publish", "release", "ship"}),
    frozenset({"docs", "doc", "html", "documentation", "site"}),
    frozenset({"clean", "clear", "distclean"}),
    frozenset({"install", "setup", "bootstrap", "deps"}),
)


@dataclass(frozen=True)
class Relation:
    """How a later call relates to a failed one: ``kind`` is same, how, word, added, dropped, other-tool or
    none; ``changed`` lists what differs (folder, env, runner, options, word, tool)."""

    kind: str
    failed: Action | None = None
    fix: Action | None = None
    changed: tuple[str, ...] = ()
    word: tuple[str, str] = ("", "")  # the failed target and what replaced it, for kind "word"

    @property
    def related(self) -> bool:
        return self.kind != "none"


NONE = Relation("none")


@lru_cache(maxsize=16384)
def similar(failed: str, other: str) -> bool:
    """Whether ``other`` is plausibly the word ``failed`` meant: another case, the same stem with another
    extension, a close spelling, a prefix or abbreviation of it (or it of it), the same file in another
    folder, or a synonym (``build``/``compile``, ``master``/``main``)."""
    if not failed or not other or failed == other:
        return failed == other
    a, b = failed.lower(), other.lower()
    if a == b:
        return True
    if "/" in a or "/" in b:
        head_a, name_a = posixpath.split(a)
        head_b, name_b = posixpath.split(b)
        if name_a == name_b and name_a:
            return True  # the same file in another folder
        if head_a == head_b or not head_a or not head_b:
            return _close(name_a, name_b)
        return _close(a, b) and (_close(name_a, name_b) or name_a == name_b)
    return _close(a, b)


def _close(a: str, b: str) -> bool:
    stem_a, stem_b = _stem(a), _stem(b)
    if stem_a and stem_a == stem_b:
        return True
    if _numbered_or_lettered(stem_a, stem_b):
        return False  # test_a / test_b, step1 / step2, v1 / v2: siblings, not a misspelling of each other
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and (long_.startswith(short) or long_.endswith(short)):
        return True
    if len(short) >= 3 and short[0] == long_[0] and _subsequence(short, long_):
        return True
    if SequenceMatcher(None, a, b).ratio() >= 0.75:
        return True
    return any(a in group and b in group for group in SYNONYMS)


def _numbered_or_lettered(a: str, b: str) -> bool:
    """Two names that differ only in digits, or only in a short last part after a separator."""
    if re.sub(r"\d+", "#", a) == re.sub(r"\d+", "#", b):
        return True
    head_a, _, tail_a = a.rpartition("_" if "_" in a else "-")
    head_b, _, tail_b = b.rpartition("_" if "_" in b else "-")
    return bool(head_a) and head_a == head_b and tail_a != tail_b and max(len(tail_a), len(tail_b)) <= 2


def _stem(word: str) -> str:
    base = word.rsplit("/", 1)[-1]
    return base.split(".", 1)[0] if "." in base.strip(".") else base


def _subsequence(short: str, long_: str) -> bool:
    letters = iter(long_)
    return all(ch in letters for ch in short)


# ---------------------------------------------------------------------------------------- relating calls


def relate(failed: Action, later: Action) -> Relation:
    """How ``later`` relates to ``failed``: see :class:`Relation`."""
    file_like = ("read", "list", "search", "edit")
    if failed.intent in file_like or later.intent in file_like:
        return _relate_files(failed, later)
    if not _same_family(failed, later) or failed.intent != later.intent:
        return NONE
    if failed.verb != later.verb and not (failed.family == "npm" and {failed.verb, later.verb} <= {"run", ""}):
        return NONE
    changed = _manner(failed, later)
    kind, word = _compare_targets(failed, later)
    if kind == "none":
        return NONE
    if kind == "equal":
        return Relation("how" if changed else "same", failed, later, changed)
    return Relation(kind, failed, later, ("word", *changed) if kind == "word" else changed, word)


def _same_family(a: Action, b: Action) -> bool:
    if a.family == b.family:
        return True
    scripts = {a.family, b.family} <= {"script", "node-inline"}
    return scripts


def _manner(a: Action, b: Action) -> tuple[str, ...]:
    changed = []
    if a.folder != b.folder:
        changed.append("folder")
    if set(a.env) != set(b.env):
        changed.append("env")
    if a.runner != b.runner or (a.program != b.program and a.family not in ("npm", "make", "git", "cargo")):
        changed.append("runner")
    if set(a.options) != set(b.options):
        changed.append("options")
    return tuple(changed)


def _compare_targets(a: Action, b: Action) -> tuple[str, tuple[str, str]]:
    first, second = list(a.targets), list(b.targets)
    if a.family == "script" and first and second:
        if not _same_script(first[0], second[0]) and not similar(first[0], second[0]):
            return "none", ("", "")
        # Another path to the script is the word that was wrong (`sh build.sh` -> `sh scripts/build.sh`), even
        # when it names the same file from deeper; only the very same path is the same script.
        renamed = first[0].removeprefix("./") != second[0].removeprefix("./")
        rest_a, rest_b = first[1:], second[1:]
        alike = len(rest_a) == len(rest_b) and all(
            similar(x, y) or only_plans(x, y) for x, y in zip(rest_a, rest_b, strict=True)
        )
        if rest_a != rest_b and not alike:
            return "none", ("", "")
        return ("word", (first[0], second[0])) if renamed else ("equal", ("", ""))
    if first == second:
        return "equal", ("", "")
    if not first:
        return "added", ("", "")
    if not second:
        return "dropped", ("", "")
    if a.family in ("npm", "make", "git", "cargo"):
        if first[1:] != second[1:] and len(first) == len(second):
            pairs = list(zip(first, second, strict=True))
            odd = [(x, y) for x, y in pairs if x != y]
            if len(odd) == 1 and similar(*odd[0]):
                return "word", odd[0]
            return "none", ("", "")
        if first[0] != second[0]:
            return (
                ("word", (first[0], second[0]))
                if similar(first[0], second[0]) and first[1:] == second[1:]
                else ("none", ("", ""))
            )
        return ("added" if len(second) > len(first) else "dropped"), ("", "")
    matched = [x for x in first if x in second or any(similar(x, y) for y in second)]
    if len(matched) * 2 < len(first) or not matched:
        return "none", ("", "")
    exact = [x for x in first if x in second]
    odd_a = [x for x in first if x not in second]
    odd_b = [y for y in second if y not in first]
    if len(exact) == len(first):
        return "added", ("", "")
    return "word", (odd_a[0] if odd_a else "", odd_b[0] if odd_b else "")


def _same_script(a: str, b: str) -> bool:
    """The same file: equal, or one names it from deeper (``src/pkg/cli.py`` and ``pkg/cli.py``)."""
    a, b = a.removeprefix("./"), b.removeprefix("./")
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _relate_files(failed: Action, later: Action) -> Relation:
    if failed.intent != later.intent or not failed.targets or not later.targets:
        return NONE
    a, b = _path_target(failed), _path_target(later)
    if failed.intent == "search" and failed.options[:1] != later.options[:1] and failed.tool == later.tool:
        return NONE  # another pattern: another search
    wider = failed.intent in ("list", "search") and (b == "." or a.startswith(b.rstrip("/") + "/"))
    if not (a == b or similar(a, b) or wider):
        return NONE
    tool_changed = failed.tool != later.tool or (failed.program != later.program and failed.tool == "Bash")
    if wider and a != b and not similar(a, b):
        return Relation("how", failed, later, ("folder",))  # the same search from a folder that holds it
    if failed.tool != later.tool:
        return Relation(
            "other-tool", failed, later, ("tool",) + (("word",) if a != b else ()), (a, b) if a != b else ("", "")
        )
    if a == b:
        changed = ("options",) if failed.options != later.options else ()
        return Relation("how" if changed or tool_changed else "same", failed, later, changed)
    return Relation("word", failed, later, ("word",), (a, b))


def _path_target(action: Action) -> str:
    """The path a file action names: a file tool's path, or for ``stat -c %s x``/``head -20 x`` the last
    argument that looks like a path, not a format or a count."""
    if action.tool != "Bash" or len(action.targets) == 1:
        return action.targets[0]
    paths = [t for t in action.targets if "/" in t or re.search(r"\.\w{1,8}$", t)]
    return paths[-1] if paths else action.targets[-1]


def normalise_command(command: str) -> str:
    """A command with its whitespace folded and trailing separators dropped (what "the same" means)."""
    return " ".join(command.split()).rstrip(";& ").strip()


# A failure of environment or usage (kept for nevo.memory.facts, which still reads the journal itself;
# everything else reads the stored verdict of nevo.lesson).
ENVIRONMENTAL = re.compile(
    r"not found|no module named|modulenotfound|importerror|no such file|"
    r"unknown (?:option|command|flag|argument)|unrecognized|no rule to make target|permission denied|"
    r"is not installed|cannot find (?:module|package)|enoent|usage:|invalid (?:option|choice|argument)|"
    r"not recognized|deprecated|requires|missing|not a (?:git )?(?:repository|directory)|"
    r"(?:could not|cannot|can't) (?:find|read|open|access|stat)",
    re.IGNORECASE,
)


def only_narrows(failed: str, fixed: str) -> bool:
    """True when ``fixed`` is ``failed`` again, or ``failed`` with nothing but filters that run fewer tests or
    silence the failure added (the guard compiler refuses such rewrites)."""
    from nevo.harm import weakens

    if normalise_command(failed) == normalise_command(fixed):
        return True
    return bool(weakens(failed, fixed))
