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
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from nevo.calls import Action, actions, describe_call, place, relative_to
from nevo.shell import segments
from nevo.weakening import only_plans

__all__ = ["Action", "Clues", "Relation", "actions", "describe_call", "only_narrows", "place", "relate", "relative_to"]
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
_URL = re.compile(r"^[a-z][a-z0-9+.-]*:/{1,2}(?:[^/@]*@)?([^/:]+)")


@dataclass(frozen=True)
class Clues:
    """What the session says about a failed call's words, for relating later calls to it: ``named`` tells
    whether a word is the one the error named as missing or wrong; ``seen`` whether a word appeared in what
    the agent looked at since (the failed call's own output, listings, files read): "the one that exists"."""

    named: Callable[[str], bool] = lambda word: False
    seen: Callable[[str], bool] = lambda word: False
    offered: Callable[[str], bool] = lambda word: False  # shown by the failed call's own output

    def replaces(self, old: str, new: str, place: bool = False) -> bool:
        """``new`` stands for ``old``: a close name; or, in place of the one the error named, one that exists:
        for a word that names a place (a git remote, a database, a file it reads) any the agent saw, for one
        that names a job (a target, a script, a subcommand) only one the tool itself offered in its error
        (cargo's "available example targets: basic")."""
        if similar(old, new):
            return True
        return self.named(old) and (self.seen(new) if place else self.offered(new))


NO_CLUES = Clues()
# Programs that do one job on the same input, each for its own formats or places: another of them on the same
# file is another tool (`gunzip x.bz2` -> `bunzip2 x.bz2`), not another job.
_ROLES = (
    frozenset({"gunzip", "bunzip2", "unxz", "unzstd", "unlzma", "uncompress", "unzip", "7z", "unlz4", "unrar"}),
    frozenset({"gzip", "bzip2", "xz", "zstd", "lzma", "lz4", "zip"}),
    frozenset({"curl", "wget"}),
    frozenset({"docker", "podman", "nerdctl"}),
)
# What a program is for, when a missing one is stood in for by another: a test runner's job is the tests.
_JOB_OF = {
    **dict.fromkeys(("tox", "nox", "pytest", "py.test", "unittest", "jest", "vitest", "mocha", "ava"), "test"),
    **dict.fromkeys(("ruff", "flake8", "pylint", "eslint", "golangci-lint", "rubocop"), "lint"),
}
_NO_JOB = frozenset({"run", "exec", "x", "do", "-", ""})
# A git operation in progress answered (skipped, abandoned, resumed): not the failed call done again.
_SEQUENCER = frozenset({"--skip", "--abort", "--quit", "--continue"})
# Subcommands that do the same job (installing the dependencies): another of them is another way, not a word.
_VERB_KIN = (frozenset({"ci", "install", "i"}),)
_PLACES = frozenset({"git", "psql"})  # their words name places (remotes, branches, databases), not jobs


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
    host_a, host_b = _URL.match(a), _URL.match(b)
    if host_a and host_b and host_a.group(1) != host_b.group(1):
        return False  # another host is another target, whatever the path (api.example.com -> localhost)
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
    if _transposed(a, b):
        return True  # two neighbouring letters swapped: scr/src, stauts/status
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and (long_.startswith(short) or long_.endswith(short)):
        return True
    if len(short) >= 3 and short[0] == long_[0] and _subsequence(short, long_):
        return True
    if SequenceMatcher(None, a, b).ratio() >= 0.75:
        return True
    return any(a in group and b in group for group in SYNONYMS)


def _transposed(a: str, b: str) -> bool:
    if len(a) != len(b) or len(a) < 3:
        return False
    odd = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(odd) == 2 and odd[1] == odd[0] + 1 and a[odd[0]] == b[odd[1]] and a[odd[1]] == b[odd[0]]


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


def relate(failed: Action, later: Action, clues: Clues = NO_CLUES) -> Relation:
    """How ``later`` relates to ``failed``: see :class:`Relation`. ``clues`` (what the error named, what the
    agent saw since) let a word that is not close to the failed one count as its replacement."""
    if later.family == "git" and _SEQUENCER & set(later.options) and not _SEQUENCER & set(failed.options):
        return NONE
    if "__SUBST__" in failed.targets and later.family == failed.family and not later.targets:
        # The files a substitution named, fed another way (`wc -l $(find ...)` -> `find ... | xargs wc -l`).
        return Relation("how", failed, later, ("runner",))
    file_like = ("read", "list", "search", "edit")
    if failed.intent in file_like or later.intent in file_like:
        return _relate_files(failed, later, clues)
    if _by_its_path(failed, later):
        return Relation("how", failed, later, ("runner",))
    if not _same_family(failed, later):
        if _stands_in(failed, later, clues):
            return Relation("other-tool", failed, later, ("tool",))
        return NONE
    verb: tuple[str, ...] = ()
    if failed.verb != later.verb and failed.verb and later.verb:
        if clues.named(failed.verb):
            # A subcommand the program does not know, spelled right later (`git stauts` -> `git status`).
            if clues.replaces(failed.verb, later.verb) and failed.targets == later.targets:
                changed = ("word", *_listed(failed.verb, later.verb), *_manner(failed, later))
                return Relation("word", failed, later, changed, (failed.verb, later.verb))
            return NONE
        kin = any({failed.verb, later.verb} <= group for group in _VERB_KIN)
        if not kin and not only_plans(failed.verb, later.verb):  # (plan for apply: the trap check names it)
            return NONE
        verb = ("verb",)
    elif failed.intent != later.intent:
        return NONE
    if (
        failed.verb != later.verb
        and not verb
        and not (failed.family == "npm" and {failed.verb, later.verb} <= {"run", ""})
    ):
        return NONE
    changed = (*verb, *_manner(failed, later))
    kind, word = _compare_targets(failed, later, clues)
    if kind == "none":
        return NONE
    if kind == "equal":
        return Relation("other-tool" if "tool" in changed else "how" if changed else "same", failed, later, changed)
    if kind == "word":
        changed = ("word", *_listed(*word), *changed)
    return Relation(kind, failed, later, changed, word)


def _listed(old: str, new: str) -> tuple[str, ...]:
    """``("listed",)`` when the replacement is not a close name: only the session showed it exists."""
    return () if similar(old, new) else ("listed",)


def _stands_in(failed: Action, later: Action, clues: Clues) -> bool:
    """Another program doing what the failed one was for: one of the same role on the same input, or, in place
    of a program the error said is missing, one that shares its job (`tox -e py311` -> `pytest`, `nox -s lint`
    -> `make lint`) or that the agent saw named since (`pre-commit` -> the `ruff` its config runs)."""
    if later.intent in ("read", "list", "search", "look") or not later.program:
        return False
    mine, theirs = posixpath.basename(failed.program), posixpath.basename(later.program)
    if any(mine in role and theirs in role for role in _ROLES):
        return _paths(failed) == _paths(later) and bool(_paths(failed))
    if not mine or not clues.named(mine):
        return False
    return _share_job(_jobs(failed), _jobs(later)) or clues.seen(theirs)


def _paths(action: Action) -> tuple[str, ...]:
    return tuple(t for t in action.targets if _pathish(t))


def _jobs(action: Action) -> set[str]:
    words = {posixpath.basename(action.program), action.family, action.verb, *action.targets}
    words = {w.lower() for w in words if w and not _pathish(w)} - _NO_JOB
    return {_JOB_OF.get(w, w) for w in words}


def _share_job(a: set[str], b: set[str]) -> bool:
    return bool(a & b) or any(a & group and b & group for group in SYNONYMS)


def _by_its_path(failed: Action, later: Action) -> bool:
    """A program that was not found, run by its path (`deploy-check` -> `./bin/deploy-check`)."""
    name = failed.program
    return (
        later.family == "script"
        and failed.family not in ("script", "file")
        and bool(name)
        and "/" not in name
        and bool(later.targets)
        and posixpath.basename(later.targets[0]) == name
        and tuple(failed.targets) == tuple(later.targets[1:])
    )


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
    elif posixpath.basename(a.program) != posixpath.basename(b.program) and a.program and b.program:
        changed.append("tool")  # another program of the family: `pnpm` -> `npm`, `make` -> `gmake`
    if set(a.options) != set(b.options):
        changed.append("options")
    return tuple(changed)


def _compare_targets(a: Action, b: Action, clues: Clues = NO_CLUES) -> tuple[str, tuple[str, str]]:
    first, second = list(a.targets), list(b.targets)
    if a.family == "script" and first and second:
        if not _same_script(first[0], second[0]) and not clues.replaces(first[0], second[0]):
            return "none", ("", "")
        # Another path to the script is the word that was wrong (`sh build.sh` -> `sh scripts/build.sh`), even
        # when it names the same file from deeper; only the very same path is the same script.
        renamed = first[0].removeprefix("./") != second[0].removeprefix("./")
        rest_a, rest_b = first[1:], second[1:]
        if rest_a == rest_b:
            return ("word", (first[0], second[0])) if renamed else ("equal", ("", ""))
        if len(rest_a) == len(rest_b):  # the same script, an argument spelled otherwise (`migrations` -> `migrate`)
            odd = [(x, y) for x, y in zip(rest_a, rest_b, strict=True) if x != y]
            if not all(clues.replaces(x, y, place=_pathish(x)) or only_plans(x, y) for x, y in odd):
                return "none", ("", "")
            return "word", ((first[0], second[0]) if renamed else odd[0])
        if renamed:
            return "none", ("", "")
        if rest_b[: len(rest_a)] == rest_a:
            return "added", ("", "")  # the argument it asked for (`bump.sh` -> `bump.sh 1.4.0`)
        if rest_a[: len(rest_b)] == rest_b and not any(clues.named(w) for w in rest_a[len(rest_b) :]):
            return "dropped", ("", "")
        return "none", ("", "")
    if first == second:
        return "equal", ("", "")
    if not first:
        return "added", ("", "")
    if not second:
        # Dropping the very word the error named is giving up on it (`make bench` -> `make`), not fixing it.
        return ("none" if any(clues.named(w) for w in first) else "dropped"), ("", "")
    if len(first) == len(second):  # words swapped for others: each replacement must stand for its word
        odd = [(x, y) for x, y in zip(first, second, strict=True) if x != y]
        # Another make target, script or bin is another job unless its name is close; a git remote, a database,
        # a file it reads name a place: the one that exists stands for the missing one.
        place = a.family in _PLACES
        if all(clues.replaces(x, y, place=place or _pathish(x)) or _into_folder(x, y) for x, y in odd):
            return "word", odd[0]
        return "none", ("", "")
    if a.family in ("npm", "make", "git", "cargo"):
        if first[0] != second[0]:
            return "none", ("", "")
        return ("added" if len(second) > len(first) else "dropped"), ("", "")
    if set(first) <= set(second):
        return "added", ("", "")
    if set(second) <= set(first):
        return "dropped", ("", "")
    matched = [x for x in first if x in second or any(similar(x, y) for y in second)]
    if len(matched) * 2 < len(first) or not matched:
        return "none", ("", "")
    exact = [x for x in first if x in second]
    odd_a = [x for x in first if x not in second]
    odd_b = [y for y in second if y not in first]
    if len(exact) == len(first):
        return "added", ("", "")
    return "word", (odd_a[0] if odd_a else "", odd_b[0] if odd_b else "")


def _into_folder(old: str, new: str) -> bool:
    """The current folder replaced by one inside it (`pip install -e .` -> `pip install -e packages/core`)."""
    return old in (".", "./") and bool(new) and not new.startswith(("/", "..", "-", "~")) and "/" in new.rstrip("/")


def _pathish(word: str) -> bool:
    """A word that names a file (a folder in it, or an extension), not a job or a value."""
    return "/" in word or bool(re.search(r"\.[A-Za-z]\w{0,7}$", word))


def _same_script(a: str, b: str) -> bool:
    """The same file: equal, or one names it from deeper (``src/pkg/cli.py`` and ``pkg/cli.py``)."""
    a, b = a.removeprefix("./"), b.removeprefix("./")
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _relate_files(failed: Action, later: Action, clues: Clues = NO_CLUES) -> Relation:
    if failed.intent != later.intent or not failed.targets or not later.targets:
        return NONE
    a, b = _path_target(failed), _path_target(later)
    if failed.intent == "search" and failed.options[:1] != later.options[:1]:
        return NONE  # another pattern: another search (the pattern comes first, for every searcher)
    wider = failed.intent == "search" and (b == "." or a.startswith(b.rstrip("/") + "/"))
    if _sibling_folder(failed, later, a, b, clues):
        # The same pattern in the folder beside the one the error said is missing (`deploy/k8s` ->
        # `deploy/kubernetes`): no close name, so it counts only as one the session could have shown.
        return Relation("word", failed, later, ("word", "listed"), (a, b))
    if not (a == b or clues.replaces(a, b) or wider):
        return NONE
    # Another program on the same thing (`rg` -> `grep`, `cat` -> a Read) is another tool.
    other = failed.tool != later.tool or (failed.tool == "Bash" and failed.family != later.family)
    if wider and a != b and not clues.replaces(a, b):
        return Relation("how", failed, later, ("folder",))  # the same search from a folder that holds it
    if other:
        return Relation(
            "other-tool", failed, later, ("tool",) + (("word",) if a != b else ()), (a, b) if a != b else ("", "")
        )
    if a == b:
        # Another filter or format on the same file (`jq .name x` -> `jq '.[].name' x`) is another way of asking.
        other_words = failed.options != later.options or failed.targets != later.targets
        changed = ("options",) if other_words else ()
        return Relation("how" if changed else "same", failed, later, changed)
    return Relation("word", failed, later, ("word",), (a, b))


def _sibling_folder(failed: Action, later: Action, a: str, b: str, clues: Clues) -> bool:
    return (
        failed.tool == later.tool != "Bash"
        and failed.intent in ("list", "search")
        and failed.options[:1] == later.options[:1]
        and a != b
        and posixpath.dirname(a) == posixpath.dirname(b)
        and clues.named(a)
    )


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
    from nevo.weakening import weakens

    if normalise_command(failed) == normalise_command(fixed):
        return True
    return bool(weakens(failed, fixed))


def run_otherwise(error_kind: str, relation: Relation) -> bool:
    """A compile or runtime error that passed, with no edit, when run another way: other flags or an option
    added (`g++ -std=c++20`, `count.py --encoding latin-1`), or its built form run in place of its source
    (`node src/app.ts` -> `node dist/app.js`). The trap check before refused flags that only silence it."""
    if error_kind not in ("compile-error", "runtime-error"):
        return False
    if relation.kind in ("how", "added"):
        return True
    old, new = relation.word
    return relation.kind == "word" and _built_form(old, new)


def _built_form(source: str, built: str) -> bool:
    """The same module under another extension in another folder (src/app.ts, dist/app.js)."""
    (head_a, name_a), (head_b, name_b) = posixpath.split(source), posixpath.split(built)
    stem_a, _, ext_a = name_a.partition(".")
    stem_b, _, ext_b = name_b.partition(".")
    return bool(stem_a) and stem_a == stem_b and ext_a != ext_b and head_a != head_b
