"""How right the guard's judgments are on material no one here wrote, judged by the tools themselves.

Run: `python bench/calibrate_guards.py` (reads the public repositories fetched under /work/.mirror at run
time: nothing of theirs is kept in this repository; without them it says so and stops). Three corpora,
each split by repository into a tuning part and a held-out part (the held-out repositories were not
looked at while building the judgments):

1. Shell matching. Commands from the repositories' CI workflows (`run:` blocks), package.json scripts
   and Makefile recipe lines, and its shell scripts; guards for the programs they run (`npm run <script>`
   for every script the repository defines, `make <target>`, and every call of 2 to 4 plain words that
   bash was seen to run). The oracle is bash itself: each command runs
   as `nobody` in a scratch folder with every program replaced by a stub that logs its argv and folder
   (bash, sh, env, timeout and mkdir are real, so nested shells and wrappers are followed, and a `cd`
   finds its folder). A guard should act
   on a command exactly when bash would run the guarded argv in the workspace root; the rewritten
   command is run again and must run the fix instead of each such call, and nothing else differently.
2. Makefile targets. Every Makefile on this machine and in the repositories; the oracle is GNU make
   (`make -n TARGET`: "No rule to make target" means missing), for the targets the file names and for
   names it does not.
3. Branches. Each repository cloned, with a local branch and a linked worktree added; the names are its
   branches and tags and near misses of them; the oracle is `git rev-parse --verify`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

MIRROR = Path("/work/.mirror")
TUNING = ["vuejs+core", "curl+curl", "psf+requests", "pallets+flask", "expressjs+express", "anthropics+claude-code"]
HELD_OUT = [
    "docker+cli",
    "prometheus+prometheus",
    "trufflesecurity+trufflehog",
    "tokio-rs+tokio",
    "sqlalchemy+sqlalchemy",
    "gitleaks+gitleaks",
    "BurntSushi+ripgrep",
    "encode+httpx",
]
FIXED_GUARDS = [
    "npm test", "npm ci", "npm install", "pnpm install", "pnpm test", "yarn install", "yarn test", "make test",
    "make build", "make lint", "make check", "go test ./...", "go build ./...", "go vet ./...", "cargo test",
    "cargo build --release", "cargo fmt --check", "git checkout main", "python -m pytest", "pip install -e .",
    "docker build .", "node scripts/build.js",
]  # fmt: skip
HOOKS = Path(__file__).resolve().parent.parent / "hooks"
REAL = ("bash", "sh", "env", "timeout", "mkdir")
# A folder a command changes into exists, as the files its earlier steps would have made would: without
# this a failed `cd` would leave later calls in the root, where in truth they would not run.
CD_MAKES_FOLDERS = """
cd() { case "$1" in -*|"") ;; *) command mkdir -p -- "$1" 2>/dev/null ;; esac; builtin cd "$@"; }
pushd() { case "$1" in -*|+*|"") ;; *) command mkdir -p -- "$1" 2>/dev/null ;; esac; builtin pushd "$@"; }
"""
# One record per call, written by one printf (an append that small is atomic: pipelines run at once).
STUB = '#!/bin/sh\nr=$(pwd)\nfor a in "${0##*/}" "$@"; do r="$r\x1f$a"; done\nprintf "%s\\036" "$r" >> "$NEVO_LOG"\n'


def git_files(repo: str) -> Iterator[tuple[str, str]]:
    git_dir = MIRROR / repo / "repo"
    names = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True
    ).stdout.split("\n")
    wanted = re.compile(
        r"(?:^|/)(?:\.github/workflows/[^/]+\.ya?ml|package\.json|GNUmakefile|[Mm]akefile|[^/]+\.mk|[^/]+\.sh)$"
    )
    for name in names:
        if wanted.search(name) and "node_modules" not in name:
            shown = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{name}"], capture_output=True)
            yield name, shown.stdout.decode("utf-8", "replace")


def corpus(repos: list[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(commands, guards, makefiles) of these repositories."""
    commands: list[str] = []
    guards: set[str] = set(FIXED_GUARDS)
    makefiles: list[tuple[str, str]] = []
    for repo in repos:
        for name, text in git_files(repo):
            if name.endswith("package.json"):
                try:
                    scripts = json.loads(text).get("scripts") or {}
                except (ValueError, AttributeError):
                    continue
                commands += [v for v in scripts.values() if isinstance(v, str)]
                for script in scripts:
                    guards.update({f"npm run {script}", f"pnpm run {script}", f"yarn {script}"})
            elif "workflows" in name:
                commands += list(_run_blocks(text))
            elif name.endswith(".sh"):
                commands.append(text)
            else:
                makefiles.append((f"{repo}:{name}", text))
                for line in text.splitlines():
                    if line.startswith("\t") and "$" not in line:
                        commands.append(line.lstrip("\t@-+ "))
                    match = re.match(r"^([A-Za-z][\w.-]*)\s*:(?!=)", line)
                    if match:
                        guards.add(f"make {match.group(1)}")
    return [c for c in commands if c.strip() and len(c) < 20_000], sorted(guards), makefiles


def _run_blocks(text: str) -> Iterator[str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    jobs = data.get("jobs") if isinstance(data, dict) else None
    for job in (jobs or {}).values():
        for step in (job or {}).get("steps") or [] if isinstance(job, dict) else []:
            if isinstance(step, dict) and isinstance(step.get("run"), str):
                # GitHub fills in ${{ ... }} before the shell sees the script.
                yield re.sub(r"\$\{\{[^}]*\}\}", "X", step["run"])


# -- the oracle: bash, with every program a stub ---------------------------------------------------------
class Sandbox:
    def __init__(self, base: Path, programs: set[str]) -> None:
        self.base = base
        self.stubs = base / "stubs"
        self.stubs.mkdir()
        for name in programs | {"nevofix"}:
            if name not in REAL:
                (self.stubs / name).write_text(STUB)
                (self.stubs / name).chmod(0o755)
        for name in REAL:
            os.symlink(shutil.which(name) or f"/usr/bin/{name}", self.stubs / name)
        (base / "bash_env").write_text(CD_MAKES_FOLDERS)
        (base / "home").mkdir()
        os.chown(base / "home", 65534, 65534)
        os.chmod(base, 0o755)

    def run(self, command: str) -> list[tuple[str, tuple[str, ...]]] | None:
        """(folder relative to the root, argv) of every program the command ran; None when it hung."""
        root = self.base / "root"
        shutil.rmtree(root, ignore_errors=True)
        for folder in ("web", "api", "packages/app", "docs", "tests"):
            (root / folder).mkdir(parents=True)
        (root / "package.json").write_text('{"scripts": {}}')
        log = self.base / "log"
        log.write_bytes(b"")
        for path in [root, log, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        home, bash_env = self.base / "home", self.base / "bash_env"
        env = ["env", "-i", f"PATH={self.stubs}", f"HOME={home}", f"NEVO_LOG={log}", f"BASH_ENV={bash_env}"]
        process = subprocess.Popen(
            ["runuser", "-u", "nobody", "--", *env, "bash", "--noprofile", "--norc", "-c", command],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
        calls = []
        for record in log.read_bytes().decode("utf-8", "replace").split("\x1e"):
            if record:
                folder, *argv = record.split("\x1f")
                calls.append((os.path.relpath(folder, root) if folder else "?", tuple(argv)))
        return calls


def load_hook() -> ModuleType:
    sys.path.insert(0, str(HOOKS))
    spec = importlib.util.spec_from_file_location("nevo_guard_hook", HOOKS / "guard.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.still_ruled = lambda guard, root: True  # type: ignore[attr-defined]
    return module


def entry(match: str) -> dict[str, Any]:
    return {
        "rule": "PROJ-001",
        "tool": "Bash",
        "action": "rewrite",
        "words": match.split(),
        "env": [],
        "fix_env": [],
        "fix_command": "nevofix 1",
        # The root's package.json has no such script: the cause holds, in the root only.
        "check": {"kind": "missing-npm-script", "subject": "zz-no-such-script", "where": "."},
    }


def observed_guards(commands: list[str], sandbox: Sandbox) -> tuple[set[str], dict[str, list]]:
    """Every argv of 2 to 4 plain words that bash ran for these commands (the calls a guard could be
    about), and what each command ran."""
    plain = re.compile(r"[A-Za-z0-9._/:=@+-]+")
    found: set[str] = set()
    runs: dict[str, list] = {}
    for command in commands:
        calls = sandbox.run(command)
        runs[command] = calls
        for _, argv in calls or []:
            if 2 <= len(argv) <= 4 and all(plain.fullmatch(a) for a in argv) and argv[0] != "nevofix":
                found.add(" ".join(argv))
    return found, runs


def shell_part(label: str, repos: list[str], hook: ModuleType, sandbox: Sandbox, limit: int) -> dict[str, Any]:
    commands, guard_list, _ = corpus(repos)
    random.Random(7).shuffle(commands)
    commands = list(dict.fromkeys(commands))[:limit]
    observed, runs = observed_guards(commands, sandbox)
    guard_list = sorted(set(guard_list) | observed)
    outcome: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    pairs = 0
    root = str(sandbox.base / "root")
    for command in commands:
        original = runs[command]
        if original is None:
            outcome["hung (skipped)"] += 1
            continue
        for guard in (g for g in guard_list if all(w in command for w in g.split())):
            pairs += 1
            argv = tuple(guard.split())
            ran = sum(1 for folder, call in original if folder == "." and call == argv)
            payload = {"tool_name": "Bash", "tool_input": {"command": command}, "cwd": root}
            sandbox.run("true")  # a fresh root: the cause (no such npm script) holds there
            decision, _ = hook.decide(payload, {"version": 3, "guards": [entry(guard)]}, root)
            if decision is None and ran:
                written = re.search(rf"(?<![\w/.-]){re.escape(guard)}(?![\w/.-])", command)
                kind = "missed" if written else "missed: its words appear only once expanded"
            elif decision is None:
                kind = "left alone"
            else:
                rewritten = decision["hookSpecificOutput"]["updatedInput"]["command"]
                after = sandbox.run(rewritten)
                expected = [(f, ("nevofix", "1") if f == "." and c == argv else c) for f, c in original]
                again = sandbox.run(command) if after is None or Counter(after) != Counter(expected) else original
                if again is None or Counter(again) != Counter(original):
                    kind = "oracle unsteady (left out)"  # the same command ran differently twice (or hung)
                elif Counter(after or []) != Counter(expected):  # a pipeline's order varies
                    kind = "partly fixed" if _partly(after or [], original, argv) else "wrong rewrite"
                else:
                    kind = "fixed" if ran else "acted on code that did not run"
            outcome[kind] += 1
            examples.setdefault(kind, []).append(f"{guard!r} in {command[:200]!r}")
    # Precision: of the commands the guard changed, how many it changed right (a partial fix changed only
    # what it should). Recall: of the commands that ran the guarded call, how many it fixed entirely.
    tp, partly = outcome["fixed"], outcome["partly fixed"]
    fn = outcome["missed"] + outcome["missed: its words appear only once expanded"] + partly
    fp = outcome["wrong rewrite"] + outcome["acted on code that did not run"]
    return {
        "part": label,
        "commands": len(commands),
        "guards": len(guard_list),
        "pairs": pairs,
        "outcomes": dict(outcome),
        "precision": round((tp + partly) / max(1, tp + partly + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
        "recall (guard written as in the command)": round(tp / max(1, tp + outcome["missed"] + partly), 4),
        "examples": {k: v[:8] for k, v in examples.items() if k not in ("fixed", "left alone")},
    }


def _partly(after: list, original: list, argv: tuple[str, ...]) -> bool:
    """The rewrite replaced some of the guarded calls by the fix and changed nothing else: others ran
    where the guard does not look (inside quotes, say)."""
    fixed = sum(1 for f, c in after if f == "." and c == ("nevofix", "1"))
    left = sum(1 for f, c in after if f == "." and c == argv)
    ran = sum(1 for f, c in original if f == "." and c == argv)
    rest = Counter(x for x in after if not (x[0] == "." and x[1] in (argv, ("nevofix", "1"))))
    return (
        fixed > 0 and fixed + left == ran and rest == Counter(x for x in original if not (x[0] == "." and x[1] == argv))
    )


# -- Makefile targets against GNU make -----------------------------------------------------------------
def make_part(label: str, makefiles: list[Path], causes: ModuleType) -> dict[str, Any]:
    """Each Makefile judged where it lies (its includes beside it), by GNU make run as nobody."""
    outcome: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for path in makefiles:
        text = path.read_text(encoding="utf-8", errors="replace")
        names = set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE))
        candidates = [*sorted(names)[:25], "build", "test", "all", "clean", "install", "deploy", "zz-nothing"]
        for target in dict.fromkeys(candidates):
            command = ["runuser", "-u", "nobody", "--", "make", "-n", "-f", path.name, target]
            try:
                done = subprocess.run(command, cwd=path.parent, capture_output=True, text=True, timeout=20)
            except subprocess.TimeoutExpired:
                continue
            missing = re.search(rf"No rule to make target '{re.escape(target)}'\.  Stop\.", done.stderr) is not None
            if path.name != "Makefile":
                said = None  # the hook looks for GNUmakefile, makefile, Makefile only
            else:
                said = causes.holds("missing-make-target", target, ".", str(path.parent))
            kind = {
                (True, True): "missing, said missing",
                (True, False): "missing, said defined",
                (True, None): "missing, cannot tell",
                (False, True): "defined, SAID MISSING",
                (False, False): "defined, said defined",
                (False, None): "defined, cannot tell",
            }[(missing, said)]
            outcome[kind] += 1
            if "SAID" in kind or "missing, said defined" in kind:
                examples.setdefault(kind, []).append(f"{path}: {target}")
    tp = outcome["missing, said missing"]
    fp = outcome["defined, SAID MISSING"]
    fn = outcome["missing, said defined"] + outcome["missing, cannot tell"]
    return {
        "part": label,
        "makefiles": len(makefiles),
        "outcomes": dict(outcome),
        "precision (said missing)": round(tp / max(1, tp + fp), 4),
        "recall (missing found)": round(tp / max(1, tp + fn), 4),
        "examples": {k: v[:6] for k, v in examples.items()},
    }


def checkout(repo: str, into: Path) -> list[Path]:
    """The repository's tree unpacked (as nobody may read it); its Makefiles."""
    target = into / repo
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "--git-dir", str(MIRROR / repo / "repo"), "archive", "HEAD"], capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, capture_output=True)  # what arrived
    return sorted(p for p in target.rglob("*") if p.name in ("Makefile", "GNUmakefile", "makefile") and p.is_file())


# -- branches against git -----------------------------------------------------------------------------
def branch_part(label: str, repos: list[str], into: Path, causes: ModuleType) -> dict[str, Any]:
    """Each repository cloned (remote-tracking refs, packed) with a local branch and a linked worktree
    added; names: its branches and tags, and near misses of them. Oracle: `git rev-parse --verify` of
    the name as a local branch, a remote-tracking branch of any remote, or a tag."""
    outcome: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for repo in repos:
        clone = into / "clones" / repo
        subprocess.run(["git", "clone", "-q", str(MIRROR / repo / "repo"), str(clone)], capture_output=True)
        if not (clone / ".git").is_dir():
            continue
        subprocess.run(["git", "-C", str(clone), "branch", "-q", "nevo-local"], capture_output=True)
        linked = into / "linked" / repo
        subprocess.run(["git", "-C", str(clone), "worktree", "add", "-q", str(linked), "-b", "nevo-linked"])
        refs = subprocess.run(
            ["git", "-C", str(clone), "for-each-ref", "--format=%(refname)"], capture_output=True, text=True
        )
        names = {re.sub(r"^refs/(?:heads|tags|remotes/[^/]+)/", "", r) for r in refs.stdout.split()}
        names.discard("HEAD")
        near = {n[:-1] for n in names if len(n) > 2} | {n + "-old" for n in names} | {"master", "main", "develop"}
        for place in (p for p in (clone, linked) if p.is_dir()):
            for name in sorted(names | near)[:400]:
                oracle = any(
                    subprocess.run(
                        ["git", "-C", str(place), "rev-parse", "-q", "--verify", ref], capture_output=True
                    ).returncode
                    == 0
                    for ref in (
                        f"refs/heads/{name}",
                        f"refs/tags/{name}",
                        f"refs/remotes/origin/{name}",
                        f"refs/remotes/{name}",
                    )
                )
                said = causes.holds("missing-branch", name, ".", str(place))
                kind = {
                    (True, True): "exists, SAID MISSING",
                    (True, False): "exists, said exists",
                    (True, None): "exists, cannot tell",
                    (False, True): "missing, said missing",
                    (False, False): "missing, said exists",
                    (False, None): "missing, cannot tell",
                }[(oracle, said)]
                outcome[kind] += 1
                if "SAID" in kind or kind == "missing, said exists":
                    examples.setdefault(kind, []).append(f"{repo}: {name}")
    tp, fp = outcome["missing, said missing"], outcome["exists, SAID MISSING"]
    fn = outcome["missing, said exists"] + outcome["missing, cannot tell"]
    return {
        "part": label,
        "outcomes": dict(outcome),
        "precision (said missing)": round(tp / max(1, tp + fp), 4),
        "recall (missing found)": round(tp / max(1, tp + fn), 4),
        "examples": {k: v[:6] for k, v in examples.items()},
    }


def machine_makefiles(into: Path) -> tuple[list[Path], list[Path]]:
    """(tuning, held out): pyenv's and git's Makefiles tune, every other one on the machine is held out.
    Each is copied with the files beside it (its includes), where nobody may read it."""
    found = subprocess.run(
        ["find", "/root/.pyenv", "/usr/share", "/usr/lib", "-name", "Makefile", "-o", "-name", "GNUmakefile"],
        capture_output=True,
        text=True,
    ).stdout.split()
    tuning, held = [], []
    for index, path in enumerate(sorted(Path(p) for p in found)):
        copy = into / "machine" / str(index)
        copy.mkdir(parents=True)
        for sibling in path.parent.iterdir():
            if sibling.is_file() and sibling.stat().st_size < 4 << 20:
                shutil.copy(sibling, copy / sibling.name)
        tuned = str(path).startswith(("/root/.pyenv", "/usr/share/doc/git"))
        (tuning if tuned else held).append(copy / path.name)
    return tuning, held


def main() -> int:
    if os.geteuid() != 0 or not all((MIRROR / r / "repo").is_dir() for r in TUNING + HELD_OUT):
        print("needs root (to run the oracle as nobody) and the repositories under /work/.mirror", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HOOKS))
    hook = load_hook()
    import causes  # the hook's copy, as the hook runs it

    limit = int(os.environ.get("NEVO_CALIBRATE_LIMIT", "1500"))
    parts = sys.argv[1:] or ["tuning", "held-out"]  # evaluate the held-out part only once, at the end
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tuning_mk, held_mk = machine_makefiles(Path(tmp) / "trees")
        words = set()
        for repos in (TUNING, HELD_OUT):
            for command in corpus(repos)[0]:
                words.update(re.findall(r"(?<![\w./-])[A-Za-z][\w.+-]*", command))
        sandbox = Sandbox(Path(tmp), words)
        trees = Path(tmp) / "trees"
        only = os.environ.get("NEVO_CALIBRATE_ONLY", "shell make branch").split()
        for part, label, repos, makefiles in (
            ("tuning", "tuning", TUNING, tuning_mk),
            ("held-out", "held out", HELD_OUT, held_mk),
        ):
            if part not in parts:
                continue
            if "shell" in only:
                results.append(shell_part(f"shell, {label}", repos, hook, sandbox, limit))
                print(json.dumps(results[-1], indent=1), file=sys.stderr)
            if "make" in only:
                mirrored = [m for repo in repos for m in checkout(repo, trees / part)]
                results.append(make_part(f"make, {label}", makefiles + mirrored, causes))
            if "branch" in only:
                results.append(branch_part(f"branch, {label}", repos, trees / part, causes))
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
