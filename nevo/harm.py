"""Is a shell command destructive, exfiltrating, unsafe or weakening? Parsed per segment, wrappers seen through.

What a failure teaches must never be "delete it", "send it away" or "do less than was asked". This module
says, for one command, which of its segments do that: it splits the command the way the shell does
(``&&``, ``||``, ``;``, ``|``, newlines, outside quotes), looks through wrappers (``sudo``, ``env``,
``xargs``, ``timeout``, ``bash -c '...'``, ``$(...)``) and names each finding:

- ``destructive``: deletes outside the workspace (or the workspace itself, or ``.git``), ``reset --hard``,
  ``clean -f``, force-push, discarding local changes, dropping or truncating databases, wiping disks.
- ``exfiltrating``: sends local files to another host (``scp``/``rsync`` to ``host:path``, ``curl -d @file``,
  ``-F x=@file``, ``-T file``, ``wget --post-file``, piping a file into ``nc``).
- ``unsafe``: changes what protects the machine or the user: download-and-run (``curl ... | sh``), SSH keys,
  global or system git config, ``core.hooksPath``, recursive chmod/chown.
- ``weakening``: does less than was asked or silences a check: ``sudo``, ``--no-verify``, ``--force``,
  ``|| true``, dry runs, skipped or deselected tests, deleting or renaming a test, ``chmod 777``, disabled
  hooks, lowered thresholds (:func:`nevo.weakening.weakens` compares the failed command with the one that
  worked).

The judgment of what a failure teaches (:mod:`nevo.lesson`) never learns a command with a harmful finding,
and the analyst's rule gate can call :func:`scan_text` on a proposed rule. Parsing is cached: the monitor
asks about the same commands all session long.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nevo.shell import SHELLS, Segment, inner_commands, segments, substitutions

HARMFUL = ("destructive", "exfiltrating", "unsafe")
KINDS = (*HARMFUL, "weakening")
INTERPRETERS = frozenset({*SHELLS, "python", "python3", "perl", "ruby", "node", "php", "sudo"})
_REMOTE = re.compile(r"^(?:[\w.+-]+@)?[\w.-]+:(?!//)|^rsync://|^(?:s3|gs|az)://")
_SQL_DESTRUCTIVE = re.compile(
    r"\b(?:drop\s+(?:database|table|schema)|truncate\s+(?:table\s+)?\w|delete\s+from\s+\w+\s*(?:;|$)|"
    r"alter\s+table\s+\S+\s+drop\s+(?:constraint|column)\b)",
    re.I,
)
# Turning TLS certificate checks off: once, for one call (weakening), or saved for every later call (unsafe).
_TLS_OFF_ENV = re.compile(r"^(?:NODE_TLS_REJECT_UNAUTHORIZED=0|GIT_SSL_NO_VERIFY=\S+|PYTHONHTTPSVERIFY=0)$")
_TLS_OFF_ARGS = frozenset({"--insecure", "--no-check-certificate", "--strict-ssl=false", "--trusted-host"})
_TLS_OFF_SETTING = re.compile(r"^(?:http\.sslverify|strict-ssl|global\.trusted-host|.*\.trusted-host)$", re.I)
_DATABASE_FILE = re.compile(r"\.(?:db|sqlite3?|mdb|accdb)$|(?:^|/)(?:pg_?data|mysql)(?:/|$)")
_TEST_FILE = re.compile(r"^test_[^/]*\.py$|_test\.(?:py|go)$|\.(?:test|spec)\.[cm]?[jt]sx?$|_spec\.rb$|Test\.java$")
_TEST_DIR = re.compile(r"(?:^|/)(?:tests?|specs?|__tests__)(?:/|$)")
_DRY_RUN = frozenset(
    {"--dry-run", "--dryrun", "--dry", "--noop", "--no-op", "--what-if", "--whatif", "--simulate"}
    | {"--just-print", "--recon"}
)
# Programs where -n (or the named flag) means "only show what would be done".
_DRY_SHORT = {"make": {"-n"}, "gmake": {"-n"}, "rsync": {"-n"}, "ansible-playbook": {"-C", "--check"}}
# What "only look" means for an action that was asked for (terraform apply -> plan, pulumi up -> preview).
# Where -f means force (it overrides a safety check), per program and subcommand; an empty set: every use.
_FORCE_SHORT: dict[str, set[str]] = {
    "git": {"push", "checkout", "switch", "add", "clean", "branch", "tag", "rm", "mv", "reset"},
    "npm": set(),
    "pnpm": set(),
    "yarn": set(),
    "docker": {"rm", "rmi"},
}
_SILENCE_TAIL = re.compile(r"(?:\|\||;|\n)\s*(?:true|:|exit\s+0|echo\b[^;&|]*)\s*$")
_EXIT_ZERO = frozenset({"--exit-zero", "--exit-code=0", "--no-fail", "--force-exclusion", "--no-exit-code"})
# Options that throw existing data away to get past a conflict (a migration tool's `--reset`, `--drop-all`).
_DESTROYING_OPTION = re.compile(
    r"^--(?:reset|reset-db|force-reset|drop|drop-all|drop-tables|drop-db|wipe|wipe-all|purge|destroy|nuke|"
    r"truncate|truncate-all|delete-all|flush-all|clear-db|reinit|reinitialize)$"
)
_HOOK_ENV = re.compile(r"^(?:HUSKY|SKIP|PRE_COMMIT_ALLOW_NO_CONFIG|GIT_HOOKS|LEFTHOOK|OVERCOMMIT_DISABLE)=")
# Text an edit adds that silences a check instead of fixing what it found.


@dataclass(frozen=True)
class Finding:
    """One harm (or weakening) of one segment of a command."""

    kind: str  # one of KINDS
    what: str  # short, for reasons and audit trails: "force-push", "deletes outside the workspace"
    segment: str  # the segment as written

    @property
    def harmful(self) -> bool:
        return self.kind in HARMFUL


# ---------------------------------------------------------------------------------------- classification


@lru_cache(maxsize=8192)
def classify(command: str, depth: int = 0) -> tuple[Finding, ...]:
    """Every finding in ``command``, per segment; inner commands (``bash -c``, ``$(...)``) included."""
    found: list[Finding] = []
    parts = segments(command)
    for index, segment in enumerate(parts):
        found.extend(_segment_findings(segment))
        if segment.operator == "|" and index + 1 < len(parts):
            found.extend(_pipe_findings(segment, parts[index + 1]))
        if depth < 3:
            for inner in inner_commands(segment):
                found.extend(classify(inner, depth + 1))
    if depth < 3:
        for inner in substitutions(command):
            found.extend(classify(inner, depth + 1))
    found.extend(_runs_a_download(command, parts))
    if _SILENCE_TAIL.search(command.strip()):
        found.append(Finding("weakening", "ignores the failure (|| true)", command.strip()[-60:]))
    return tuple(dict.fromkeys(found))


_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "iwr", "http", "Invoke-WebRequest"})


def _runs_a_download(command: str, parts: Sequence[Segment]) -> list[Finding]:
    """`bash <(curl ...)`, `sh -c "$(curl ...)"`, `source <(wget -qO- ...)`, `eval "$(curl ...)"`: an
    interpreter given what a download printed runs code from the network, as `curl ... | sh` does."""
    runners = [
        s
        for s in parts
        if (s.name in INTERPRETERS or s.name in ("source", ".", "eval")) and any("__SUBST__" in a for a in s.args)
    ]
    if not runners or not any(p.name in _DOWNLOADERS for inner in substitutions(command) for p in segments(inner)):
        return []
    return [Finding("unsafe", "downloads and runs code (bash <(curl ...))", s.text) for s in runners]


def deletions(command: str) -> tuple[Finding, ...]:
    """Deletions inside the workspace that lose what cannot be told apart from work: a whole folder (``rm -r``)
    or a database file. Ordinary as commands (not in :func:`classify`), but a failure that "passed" once they
    ran teaches nothing: the fix was to throw things away."""
    found: list[Finding] = []
    for s in segments(command):
        if s.name not in ("rm", "unlink", "rmdir"):
            continue
        recursive = any(a in ("-r", "-R", "--recursive") or re.fullmatch(r"-[a-zA-Z]*[rR][a-zA-Z]*", a) for a in s.args)
        for target in (a for a in s.args if not a.startswith("-")):
            normal = posixpath.normpath(target.strip("'\""))
            if recursive or s.name == "rmdir":
                found.append(Finding("destructive", "deletes a folder and all it holds", s.text))
            elif _DATABASE_FILE.search(normal):
                found.append(Finding("destructive", "deletes a database file", s.text))
    return tuple(dict.fromkeys(found))


def harmful(command: str) -> tuple[Finding, ...]:
    return tuple(f for f in classify(command) if f.harmful)


def is_harmful(command: str) -> bool:
    return bool(harmful(command))


Add = Callable[[str, str], None]
# System package managers and the word that installs: `sudo apt-get install -y libpq-dev` adds what a build
# needs; it weakens nothing that was asked.
_SYSTEM_INSTALL = {
    "apt-get": {"install"},
    "apt": {"install"},
    "dnf": {"install"},
    "yum": {"install"},
    "zypper": {"install", "in"},
    "apk": {"add"},
    "pacman": {"-S", "-Sy"},
    "port": {"install"},
}
# Options that install what the package manager could not verify (or remove what the system needs).
_UNSIGNED = frozenset(
    {
        "--allow-unauthenticated",
        "--force-yes",
        "--allow-remove-essential",
        "--allow-downgrades",
        "--nogpgcheck",
        "--no-gpg-checks",
        "--allow-untrusted",
        "-o",  # apt's -o APT::Get::AllowUnauthenticated=true and the like: any raw option
    }
)


def _repository_install(name: str, args: tuple[str, ...]) -> bool:
    """`apt-get install -y libpq-dev`: named packages from the system's own repositories, checked as usual.
    Not a file or a URL (`./x.deb`, `https://.../x.rpm`), not with checks turned off."""
    if not _SYSTEM_INSTALL.get(name, set()) & set(args):
        return False
    words = [a for a in args if not a.startswith("-")]
    if any("/" in w or w.endswith((".deb", ".rpm", ".apk", ".pkg.tar.zst")) for w in words):
        return False
    return not any(a.lower() in _UNSIGNED or a.lower().startswith("--allow-") for a in args)


def _segment_findings(s: Segment) -> list[Finding]:
    out: list[Finding] = []

    def add(kind: str, what: str) -> None:
        out.append(Finding(kind, what, s.text))

    name, args = s.name, s.args
    words = [a for a in args if not a.startswith("-")]
    as_root = "sudo" in s.wrappers or "doas" in s.wrappers or name in ("sudo", "doas", "su")
    if as_root and not _repository_install(name, args):
        add("weakening", "runs as root (sudo)")  # (installing a system package is what root is for)
    if name in _SYSTEM_INSTALL and any(a.lower() in _UNSIGNED for a in args):
        add("unsafe", "installs packages without checking their signatures")
    if any(_HOOK_ENV.match(e) for e in s.env):
        add("weakening", "skips the hooks")
    handler = _BY_PROGRAM.get(name)
    if handler is not None:
        handler(s, add)
    if name == "find" and ("-delete" in args or "rm" in args) and any(_outside(a) for a in words):
        add("destructive", "deletes outside the workspace")
    copier = name in ("scp", "rsync", "sftp", "aws", "gsutil", "rclone", "az") and len(words) >= 2
    if copier and _REMOTE.match(words[-1]) and not all(_REMOTE.match(w) for w in words[:-1]):
        add("exfiltrating", f"copies local files to another host ({name})")
    if name == "rsync" and "--delete" in args:
        add("destructive", "deletes at the destination (rsync --delete)")
    if name == "wget" and any(a.startswith(("--post-file", "--body-file")) for a in args):
        add("exfiltrating", "uploads a local file (wget --post-file)")
    if name in ("nc", "ncat", "netcat", "socat", "telnet") and any(r.startswith("<") for r in s.redirects):
        add("exfiltrating", f"sends a local file to a host ({name})")
    if name in ("ssh-keygen", "ssh-add", "ssh-copy-id"):
        add("unsafe", "creates or installs SSH keys")
    elif any(".ssh/id_" in a or a.endswith("authorized_keys") for a in (*args, *s.redirects)):
        add("unsafe", "touches SSH keys")
    if name in ("dropdb", "dropuser", "wipefs", "shred") or name.startswith("mkfs"):
        add("destructive", f"destroys data ({name})")
    device = any(r.startswith("/dev/sd") for r in s.redirects)
    if device or (name == "dd" and any(a.startswith("of=/dev/") for a in args)):
        add("destructive", "overwrites a device")
    if name == "redis-cli" and any(a.lower() in ("flushall", "flushdb") for a in args):
        add("destructive", "wipes a database (redis FLUSHALL)")
    wiped = ({"system", "prune"}, {"volume", "rm"}, {"volume", "prune"}, {"down", "-v"})
    if name == "docker" and any(pair <= set(args) for pair in wiped):
        add("destructive", "deletes docker data")
    if any(_SQL_DESTRUCTIVE.search(a) for a in args):
        add("destructive", "drops or empties a database")
    if any(a in ("db:drop", "db:reset", "db:schema:load") for a in args) or (
        any(a.endswith("manage.py") for a in (s.program, *args)) and any(a in ("flush", "reset_db") for a in args)
    ):
        add("destructive", "drops the database")
    if "--no-verify" in args:
        add("weakening", "skips the hooks (--no-verify)")
    destroying = [a for a in args if _DESTROYING_OPTION.match(a.split("=", 1)[0])]
    if destroying:
        add("destructive", f"throws existing data away ({destroying[0]})")
    _tls(s, add)
    if any(a in _DRY_RUN for a in args) or any(a in _DRY_SHORT.get(name, ()) for a in args):
        add("weakening", "only a dry run")
    if any(a in _EXIT_ZERO for a in args):
        add("weakening", "never fails (--exit-zero)")
    if "--force" in args or "--legacy-peer-deps" in args:
        add("weakening", "forces past a safety check (--force)")
    elif "-f" in args and name in _FORCE_SHORT and (not _FORCE_SHORT[name] or set(words) & _FORCE_SHORT[name]):
        add("weakening", "forces past a safety check (-f)")
    if _moves_test(s):
        add("weakening", "deletes or renames a test")
    if name in ("make", "gmake") and any(
        a == "--ignore-errors" or re.fullmatch(r"-[a-zA-Z]*i[a-zA-Z]*", a) for a in args
    ):
        add("weakening", "ignores the errors (make -i)")
    return out


def _tls(s: Segment, add: Add) -> None:
    args = list(s.args)
    saved = (s.name == "git" and "config" in args) or (s.name in ("npm", "pnpm", "yarn", "pip") and "config" in args)
    keys = [a.lower() for a in args if _TLS_OFF_SETTING.match(a)]
    off = any(a.lower() in ("false", "0", "no") for a in args) or any(k.endswith("trusted-host") for k in keys)
    if saved and keys and off:
        add("unsafe", "turns TLS certificate checks off for every later call")
    elif (
        any(_TLS_OFF_ENV.match(e) for e in s.env)
        or any(a in _TLS_OFF_ARGS or a.startswith("--trusted-host") for a in args)
        or (s.name in ("curl",) and any(re.fullmatch(r"-[a-zA-Z]*k[a-zA-Z]*", a) for a in args))
        or any(a.lower().replace(" ", "") in ("http.sslverify=false", "http.sslverify=0") for a in args)
    ):
        add("weakening", "skips the TLS certificate check")


def _outside(path: str) -> bool:
    """A path outside the workspace (absolute, in the home folder, or above the working folder)."""
    clean = path.strip("'\"")
    if clean.startswith(("~", "$HOME", "${HOME}", "/", "$TMPDIR")):
        return True
    normal = posixpath.normpath(clean)
    return normal == ".." or normal.startswith("../")


def _is_test(path: str) -> bool:
    return bool(_TEST_FILE.search(posixpath.basename(path)) or _TEST_DIR.search(posixpath.dirname(path) + "/"))


def _rm(s: Segment, add: Add) -> None:
    recursive = any(a in ("-r", "-R", "--recursive") or re.fullmatch(r"-[a-zA-Z]*[rR][a-zA-Z]*", a) for a in s.args)
    for target in (a for a in s.args if not a.startswith("-")):
        normal = posixpath.normpath(target.strip("'\""))
        if _outside(target):
            add("destructive", "deletes outside the workspace")
        elif normal.startswith(".git/hooks"):
            add("weakening", "disables a git hook")
        elif normal in (".", "*", "./*", ".git") or normal.startswith(".git/"):
            add("destructive", "deletes the workspace or its history")
        elif recursive and normal in ("src", "lib", "app"):
            add("destructive", "deletes the source tree")


def _moves_test(s: Segment) -> bool:
    """``rm``/``git rm`` of a test, or ``mv``/``git mv`` of a test to a name the runner does not collect."""
    words = [a for a in s.args if not a.startswith("-")]
    name = s.name
    if name == "git":
        if not words or words[0] not in ("mv", "rm"):
            return False
        name, words = words[0], words[1:]
    if name in ("rm", "unlink"):
        return any(_is_test(w) for w in words)
    if name == "mv" and len(words) >= 2:
        return any(_is_test(w) for w in words[:-1]) and not _TEST_FILE.search(posixpath.basename(words[-1]))
    return False


def _git(s: Segment, add: Add) -> None:
    args = list(s.args)
    while args and args[0] in ("-C", "-c", "--git-dir", "--work-tree"):
        option = args.pop(0)
        value = args.pop(0) if args else ""
        if option == "-c" and value.lower().startswith("core.hookspath"):
            add("unsafe", "disables git hooks (core.hooksPath)")
    sub, rest = (args[0], args[1:]) if args else ("", [])
    paths = [a for a in rest if not a.startswith("-")]
    if sub == "push":
        forced = any(a in ("-f", "--force", "--mirror") or a.startswith("--force") for a in rest)
        if forced or any(p.startswith("+") for p in paths):
            add("destructive", "force-push")
        if "--delete" in rest or "-d" in rest or any(p.startswith(":") for p in paths):
            add("destructive", "deletes a remote branch")
        if "--dry-run" in rest or _short_flag(rest, "n", takes_value="o"):
            add("weakening", "only a dry run")
    elif sub == "reset" and "--hard" in rest:
        add("destructive", "reset --hard")
    elif sub == "clean" and any(a == "--force" or re.fullmatch(r"-[a-zA-Z]*f[a-zA-Z]*", a) for a in rest):
        add("destructive", "clean -f (deletes untracked files)")
    elif (sub == "checkout" and (("--" in rest and rest[rest.index("--") + 1 :]) or "." in paths)) or (
        sub == "restore" and "--staged" not in rest and paths
    ):
        add("destructive", "discards local changes")
    elif sub == "branch" and ("-D" in rest or ("-d" in rest and ("-f" in rest or "--force" in rest))):
        add("destructive", "deletes an unmerged branch")
    elif sub in ("rebase", "cherry-pick", "am", "revert") and "--skip" in rest:
        add("destructive", f"drops the commit being applied ({sub} --skip)")
    elif sub == "stash" and rest[:1] in (["drop"], ["clear"]):
        add("destructive", "drops stashed changes")
    elif sub in ("filter-branch", "filter-repo") or (sub, rest[:1]) in (("update-ref", ["-d"]), ("reflog", ["expire"])):
        add("destructive", "rewrites or deletes history")
    elif sub == "config":
        if any(a in ("--global", "--system") for a in rest):
            add("unsafe", "changes the global git config")
        if any(a.lower() == "core.hookspath" for a in rest):
            add("unsafe", "disables git hooks (core.hooksPath)")
    # -qnm "wip" is -q -n -m "wip"; merge, am and rebase take -n alone
    no_verify = _short_flag(rest, "n", takes_value="mFCct", attached_only="Su") if sub == "commit" else "-n" in rest
    if sub in ("commit", "merge", "am", "rebase") and no_verify:
        add("weakening", "skips the hooks (--no-verify)")
    if sub in ("clean", "add", "rm", "mv") and "-n" in rest:
        add("weakening", "only a dry run")


def _short_flag(args: list[str], letter: str, *, takes_value: str, attached_only: str = "") -> bool:
    """``-letter`` alone or inside a cluster of short flags (``-qnm``), read up to the first letter that takes
    a value (what follows it is that value: ``-minit`` is a message, not ``-n``). ``attached_only``: letters
    whose value, if any, is glued to them (git's ``-S[<keyid>]``, ``-u[<mode>]``): the next word is not it."""
    value_next = False  # the word after `-m` is the message (`git commit -m "-n"`), whatever it holds
    for arg in args:
        if value_next or arg == "--":
            value_next = False
            if arg == "--":
                return False
            continue
        if not arg.startswith("-") or arg.startswith("--") or len(arg) < 2:
            continue
        for index, char in enumerate(arg[1:], 1):
            if char == letter:
                return True
            if char in takes_value or char in attached_only or not char.isalpha():
                value_next = char in takes_value and index == len(arg) - 1
                break
    return False


def _permissions(s: Segment, add: Add) -> None:
    if any(a in ("-R", "--recursive") or re.fullmatch(r"-[a-zA-Z]*R[a-zA-Z]*", a) for a in s.args):
        add("unsafe", f"recursive {s.name}")  # (a symbolic mode like -x is not an option: no R in it)
    if s.name != "chmod":
        return
    mode = next(
        (a for a in s.args if re.fullmatch(r"[ugoa]*[-+=][rwxXst]*(?:,[ugoa]*[-+=][rwxXst]*)*|0?[0-7]{3}", a)), ""
    )
    world_writable = bool(re.fullmatch(r"0?[0-7]{2}[2367]|0?[0-7][0-7]{2}[2367]", mode)) or bool(
        re.search(r"(?:^|,)[ugo]*[ao][ugo]*[+=][rwxXst]*w", mode)
    )
    if world_writable:
        add("weakening", f"makes files writable by everyone (chmod {mode})")
    if any(a.startswith(".git/hooks") for a in s.args) and re.match(r"^[ugoa]*-[rwx]*x", mode):
        add("weakening", "disables a git hook")


def _curl(s: Segment, add: Add) -> None:
    args = list(s.args)
    for index, arg in enumerate(args):
        value = args[index + 1] if index + 1 < len(args) else ""
        inline = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else ""
        data_flag = arg in ("-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "--json")
        if (
            (data_flag and value.startswith("@") and value != "@-")
            or (arg.startswith(("--data", "--json")) and inline.startswith("@"))
            or (arg.startswith("-d@") and len(arg) > 3)
        ):
            add("exfiltrating", "uploads a local file (curl -d @file)")
        elif arg in ("-F", "--form") and ("=@" in value or "=<" in value):
            add("exfiltrating", "uploads a local file (curl -F x=@file)")
        elif arg in ("-T", "--upload-file") and value and value != "-":
            add("exfiltrating", "uploads a local file (curl -T)")


_BY_PROGRAM: dict[str, Callable[[Segment, Add], None]] = {
    "rm": _rm,
    "unlink": _rm,
    "rmdir": _rm,
    "git": _git,
    "chmod": _permissions,
    "chown": _permissions,
    "chgrp": _permissions,
    "curl": _curl,
}


def _pipe_findings(left: Segment, right: Segment) -> list[Finding]:
    out: list[Finding] = []
    if left.name in ("curl", "wget", "fetch", "iwr", "http") and (right.name in INTERPRETERS or right.name in SHELLS):
        out.append(Finding("unsafe", "downloads and runs code (curl | sh)", f"{left.text} | {right.text}"))
    if right.name in ("nc", "ncat", "netcat", "socat", "telnet") and left.name in ("cat", "tar", "zip", "base64"):
        what = f"sends local files to a host ({right.name})"
        out.append(Finding("exfiltrating", what, f"{left.text} | {right.text}"))
    uploads = any(a in ("-d", "--data", "--data-binary", "-T", "--upload-file", "-F") for a in right.args)
    if right.name in ("curl", "http") and uploads and left.name in ("cat", "tar", "zip", "base64", "gzip"):
        out.append(Finding("exfiltrating", "uploads local files (cat | curl)", f"{left.text} | {right.text}"))
    return out


def deletes_or_moves_test(command: str) -> bool:
    return any(f.what == "deletes or renames a test" for f in classify(command))


# ---------------------------------------------------------------------------------------- prose


_CODE = re.compile(r"`([^`\n]+)`|^\s*(?:\$\s+)?([a-z][\w.-]*(?:\s+[^\n]*)?)$", re.M)


def scan_text(text: str) -> list[Finding]:
    """Harmful findings in commands quoted in prose (a rule body, a lesson): code spans and command-like
    lines. For the rule gate: a rule that tells the agent to run any of these must not be written."""
    found: list[Finding] = []
    for match in _CODE.finditer(text):
        candidate = match.group(1) or match.group(2) or ""
        found.extend(f for f in classify(candidate) if f.harmful)
    return list(dict.fromkeys(found))
