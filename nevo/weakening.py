"""Does the command that worked do less than the one that failed? Weakenings judged by comparing the two.

:func:`nevo.harm.classify` names what one command does; a weakening often shows only against what was asked:
tests selected away (``-k``, ``--deselect``, ``ctest -E``), a threshold lowered, a strictness flag dropped, a
check turned off (``CFLAGS=-w``, ``--cap-lints``, ``PRAGMA foreign_keys=OFF``), ``plan`` where ``apply`` was
asked, or an edit that silences a check (``# noqa``, a skip marker, ``fail_under`` lowered). :mod:`nevo.lesson`
never learns such a success; the guard compiler refuses such a rewrite (:func:`nevo.recovery.only_narrows`).
"""

from __future__ import annotations

import itertools
import re

from nevo.harm import Finding, classify
from nevo.shell import segments

_PLAN_OF = {
    "apply": {"plan", "diff", "preview", "show"},
    "deploy": {"plan", "diff", "preview", "status"},
    "up": {"preview", "plan"},
    "sync": {"diff"},
}
_SKIP_TESTS_WITH_VALUE = frozenset(
    {"-k", "-m", "--deselect", "--ignore", "--ignore-glob", "--skip", "-t", "--testNamePattern"}
    | {"--test-name-pattern", "--test-skip-pattern", "--testPathPattern", "--test-only"}
    | {"-E", "--exclude-regex", "-LE", "--label-exclude", "-R", "--tests-regex", "-L", "--label-regex"}
    | {"--testPathIgnorePatterns", "--grep", "--exclude", "--filter"}
)
_TEST_RUNNERS = frozenset(
    {"pytest", "py.test", "jest", "vitest", "mocha", "ava", "tap", "tox", "nox", "phpunit", "rspec", "karma"}
)
_TEST_MODULES = frozenset({"pytest", "unittest", "nose2", "tox", "nox"})
_SKIP_TESTS = frozenset(
    {"--lf", "--last-failed", "--sw", "--stepwise", "--onlyFailures", "--only-failures", "--passWithNoTests"}
    | {"--co", "--collect-only", "--list-tests", "-N", "--show-only"}
)
_STRICT = frozenset(
    {"-Werror", "--strict", "--warnings-as-errors", "-Dwarnings", "--deny-warnings", "--fail-on-warning"}
)
# A word that makes a run stop at the first error or treat warnings as errors, whatever the tool spells it:
# psql's ON_ERROR_STOP, -Werror, --strict-markers, RUSTFLAGS="-D warnings", --max-warnings=0, pipefail.
_STRICT_WORD = re.compile(
    r"^(?:ON_ERROR_STOP=(?:1|on|true)|-Werror\S*|--strict(?![-\w]*=(?:false|0|no|off)$)\S*|--fail-on-\S+|--max-warnings=0|pipefail|errexit|"
    r"-D ?warnings|[A-Z]*FLAGS=.*(?:-D ?warnings|-Werror)\S*|PYTHONWARNINGS=error\S*|-W ?error\S*)$",
    re.I,
)
# A value after -A (rustc/clippy "allow") or -W (Python's warning filter) that turns the lints or warnings off.
_ALLOW_ALL = re.compile(r"^(?:-A ?(?:warnings|clippy::\S+|unused\S*)|-W ?ignore\S*|PYTHONWARNINGS=ignore\S*)$")
_THRESHOLD = re.compile(r"^--?(?:cov-)?(?:fail[-_]under|min[-_a-z]*|max[-_a-z]*|threshold[-_a-z]*|[-_a-z]*threshold)$")
# Words that silence warnings or turn a check off: -w, --cap-lints, -Wno-error, PRAGMA foreign_keys=OFF.
_SILENCER = re.compile(
    r"(?:^|[\s=\'\"])(?:--cap-lints|-Wno-error\S*|--no-strict\S*|--skip-checks?|--no-check\S*)(?:$|[\s\'\"])|"
    r"^(?:-D)?[A-Z_]*FLAGS=(?:.*[\s\'\"])?-w(?:$|[\s\'\"])|^-D\w*WARNINGS?_AS_ERRORS?=(?:OFF|0|FALSE)$|"
    r"\bforeign_keys\s*=\s*(?:off|0|false)\b|\bFOREIGN_KEY_CHECKS\s*=\s*0\b|\bcheck_constraints\s*=\s*(?:off|0)\b",
    re.I,
)
_SILENCING_EDIT = re.compile(
    r"#\s*noqa|#\s*type:\s*ignore|#\s*pragma:\s*no\s*cover|#\s*pylint:\s*disable|#\s*nosec|eslint-disable|@ts-ignore|"
    r"@ts-nocheck|@ts-expect-error|\bpytest\.mark\.skip|\bpytest\.skip\(|\bunittest\.skip|\b(?:it|test|describe)\.skip\(|"
    r"\bx(?:it|describe|test)\(|#\[ignore\]|\bt\.Skip\(|@Disabled\b|@Ignore\b|rubocop:disable|NOLINT|"
    # a recipe line made to ignore its failure (make's `-` prefix), a command made never to fail
    r"(?m:^\t[@+]*-[@+]*(?=\S))|\|\|\s*(?:true|:)(?=\s|$)|;\s*exit\s+0\b"
)


def weakens(failed: str, fixed: str) -> tuple[Finding, ...]:
    """What ``fixed`` does less of than ``failed``: weakenings it has that ``failed`` did not, tests it selects
    away, a threshold it lowers, a strictness flag it drops, or ``plan`` where ``apply`` was asked."""
    before = {(f.kind, f.what) for f in classify(failed)}
    found = [f for f in classify(fixed) if f.kind == "weakening" and (f.kind, f.what) not in before]
    old, new = _words(failed), _words(fixed)
    added = [w for w in new if w not in old]
    removed = [w for w in old if w not in new]
    strict_before, strict_after = _joined(old), _joined(new)
    old_tests, new_tests = _test_words(failed), _test_words(fixed)
    selecting = [w for w in new_tests if w not in old_tests]
    if any(
        w.split("=", 1)[0] in _SKIP_TESTS_WITH_VALUE or w in _SKIP_TESTS or w.startswith("--skip") for w in selecting
    ):
        found.append(Finding("weakening", "runs fewer tests (-k, --deselect, --skip)", fixed))
    if any("::" in w for w in selecting):
        found.append(Finding("weakening", "runs fewer tests (a test id)", fixed))
    dropped = [w for w in strict_before if w not in strict_after and _STRICT_WORD.match(w)]
    if any(w in _STRICT for w in removed) or dropped:
        found.append(Finding("weakening", "drops a strictness flag", fixed))
    allowed = [w for w in strict_after if w not in strict_before and _ALLOW_ALL.match(w)]
    if allowed:
        found.append(Finding("weakening", f"turns lints or warnings off ({allowed[0][:40]})", fixed))
    silenced = [w for w in added if _SILENCER.search(w)]
    silenced += [w for w in added if w == "-w" and _compiles(fixed)]  # gcc -w: no warnings at all
    if silenced:
        found.append(Finding("weakening", f"silences warnings or turns a check off ({silenced[0][:40]})", fixed))
    lowered = _threshold_change(old, new)
    if lowered:
        found.append(Finding("weakening", f"lowers a threshold ({lowered})", fixed))
    for action, plans in _PLAN_OF.items():
        if action in old and action not in new and any(p in added for p in plans):
            found.append(Finding("weakening", f"only plans what `{action}` would do", fixed))
    return tuple(dict.fromkeys(found))


def _compiles(command: str) -> bool:
    return any(s.name in _COMPILERS for s in segments(command))


_COMPILERS = frozenset({"gcc", "g++", "cc", "c++", "clang", "clang++"})


def only_plans(asked: str, done: str) -> bool:
    """``done`` only shows what ``asked`` would do (``apply`` -> ``plan``, ``up`` -> ``preview``)."""
    return done in _PLAN_OF.get(asked, ())


def _words(command: str) -> list[str]:
    return [w for s in segments(command) for w in (*s.env, s.name, *s.args)]


def _joined(words: list[str]) -> list[str]:
    """The words, and each short option joined with its value (`-D warnings`, `-A clippy::all`, `-W ignore`):
    what a strictness or allow-all flag looks like however it was spaced."""
    joined = list(words)
    for word, value in itertools.pairwise(words):
        if re.fullmatch(r"-[ADW]", word):
            joined.append(f"{word} {value}")
    return joined


def _test_words(command: str) -> list[str]:
    """The arguments given to a test runner in ``command`` (what selects tests), across its segments."""
    found: list[str] = []
    for s in segments(command):
        args = list(s.args)
        if s.name in ("python", "python3") and args[:1] == ["-m"] and len(args) > 1 and args[1] in _TEST_MODULES:
            found.extend(args[2:])
        elif s.name in _TEST_RUNNERS or s.name == "ctest" or (s.name in ("node", "deno", "bun") and "--test" in args):
            found.extend(args)
        elif s.name in ("npx", "pnpx", "bunx") and args and args[0] in _TEST_RUNNERS:
            found.extend(args[1:])
        elif s.name in ("cargo", "go", "dotnet", "mix", "deno", "bun") and "test" in args[:2]:
            found.extend(args[args.index("test") + 1 :])
        elif s.name in ("npm", "pnpm", "yarn") and ("test" in args[:2] or args[:2] == ["run", "test"]) and "--" in args:
            found.extend(args[args.index("--") + 1 :])
    return found


def _threshold_change(old: list[str], new: list[str]) -> str:
    def values(words: list[str]) -> dict[str, float]:
        found: dict[str, float] = {}
        for index, word in enumerate(words):
            name, _, inline = word.partition("=")
            if not _THRESHOLD.match(name):
                continue
            raw = inline or (words[index + 1] if index + 1 < len(words) else "")
            try:
                found[name] = float(raw.rstrip("%"))
            except ValueError:
                continue
        return found

    before, after = values(old), values(new)
    for name, value in after.items():
        if name not in before:
            continue
        lower_is_weaker = "max" not in name
        if (value < before[name]) if lower_is_weaker else (value > before[name]):
            return f"{name} {before[name]:g} -> {value:g}"
    return ""


def edit_weakens(old_text: str, new_text: str) -> str:
    """What an edit adds that silences a check (``# noqa``, a skip marker, ``@ts-ignore``) or the threshold it
    lowers (``fail_under = 85`` -> ``40``); '' when none."""
    for match in _SILENCING_EDIT.finditer(new_text):
        if match.group(0) not in old_text:
            return match.group(0).strip()
    before = {m.group(1).lower(): m.group(2) for m in _SETTING.finditer(old_text)}
    for match in _SETTING.finditer(new_text):
        name, value = match.group(1).lower(), match.group(2)
        if name in before and _THRESHOLD.match("--" + name.replace("_", "-")):
            lower_is_weaker = "max" not in name
            if (float(value) < float(before[name])) if lower_is_weaker else (float(value) > float(before[name])):
                return f"{match.group(1)} {before[name]} -> {value}"
    return ""


_SETTING = re.compile(r"([A-Za-z][\w-]*)\s*[=:]\s*[\"']?(\d+(?:\.\d+)?)")
