"""Whether a guard's cause still holds, asked of the file system at call time.

The guard hook imports this outside nevo (``hooks/causes.py`` links here and is copied into
``.nevo/hooks/``), so it imports only ``json``, ``os`` and ``re``, nothing from nevo. nevo itself may ask
the same question (is a rule's cause gone?) through :func:`holds`.

Every answer is ``True`` (the cause still holds: the guard may act), ``False`` (the cause is gone: the
guard stands aside, and says so as evidence) or ``None`` (cannot tell: the guard stands aside). Nothing
here blocks or reads without bound: files are opened only when they are regular files (a FIFO, a device
or a symlink to /dev/zero is refused after a non-blocking open) and read up to a size.
"""

from __future__ import annotations

import json
import os
import re
import stat

MAX_FILE = 1 << 20  # package.json, a Makefile, a .git file
MAX_PACKED_REFS = 8 << 20
MAX_REMOTES = 64
MAX_LISTING = 4096  # entries of a site-packages folder looked at for an extension module
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*+")
_NOT_A_REF = re.compile(r"\.\.|^[-/]|[\s~^:?*\[\\]|@\{|/$|\.lock$|^$")
_NOT_A_TARGET = re.compile(r"[\s:#=]|^$")
# `pip install -e` and friends add folders to the path through these: a module found nowhere may be there.
_PATH_FILES = re.compile(r"(?<!distutils-precedence)(?<!_virtualenv)\.pth$|\.egg-link$")


def read_regular(path: str, limit: int = MAX_FILE) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes; None for anything else
    (missing, a folder, a FIFO, a device, too big). The open never blocks and the read is bounded."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return None if total > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def inside(root: str, relative: str) -> str | None:
    """``root``/``relative`` normalised, or None when it leaves ``root``."""
    path = os.path.normpath(os.path.join(root, relative))
    return path if path == root or path.startswith(root.rstrip(os.sep) + os.sep) else None


def holds(kind: str, subject: str, where: str, root: str) -> bool | None:
    """Whether the cause ``kind``/``subject`` still holds in ``where`` (relative to the workspace ``root``)."""
    folder = inside(root, where)
    if folder is None or not subject or "\x00" in subject:
        return None
    check = _CHECKS.get(kind)
    return None if check is None else check(subject, folder, root)


def _missing_path(subject: str, folder: str, root: str) -> bool | None:
    return not os.path.lexists(os.path.join(folder, subject))


def _not_executable(subject: str, folder: str, root: str) -> bool | None:
    path = os.path.join(folder, subject)
    if not os.path.isfile(path):
        return False  # the script is gone (or a folder): lacking a run bit is no longer what is wrong
    return not os.access(path, os.X_OK)


def _missing_executable(subject: str, folder: str, root: str) -> bool | None:
    if "/" in subject:
        path = os.path.join(folder, subject)
        return not (os.path.isfile(path) and os.access(path, os.X_OK))
    for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(entry or folder, subject)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return False
    return True


def _missing_npm_script(subject: str, folder: str, root: str) -> bool | None:
    path = os.path.join(folder, "package.json")
    if not os.path.lexists(path):
        return True  # no package.json: no script at all
    data = read_regular(path)
    if data is None:
        return None
    try:
        manifest = json.loads(data)
    except ValueError:
        return None  # npm fails on it too, but not for a missing script
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    if scripts is None:
        return True
    return subject not in scripts if isinstance(scripts, dict) else None


def _missing_make_target(subject: str, folder: str, root: str) -> bool | None:
    if _NOT_A_TARGET.search(subject):
        return None
    for name in ("GNUmakefile", "makefile", "Makefile"):  # GNU make's order
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            data = read_regular(path)
            if data is None:
                return None
            found = makefile_defines(data.decode("utf-8", "replace"), subject)
            return None if found is None else not found
    return True  # no makefile: no target


def makefile_defines(text: str, target: str) -> bool | None:
    """Whether a makefile's own lines define ``target`` (or declare it .PHONY); None when it may come from
    somewhere this does not follow (an `include`, a pattern or variable target)."""
    unsure, in_define = False, False
    for line in text.splitlines():
        if in_define:
            in_define = not line.strip().startswith("endef")
            continue
        if not line or line[0] == "\t" or line[0] == "#":
            continue
        stripped = line.strip()
        first = stripped.split(None, 1)[0] if stripped else ""
        if first in ("define", "override", "export") and "define" in stripped.split()[:2]:
            in_define = True
            continue
        if first in ("include", "-include", "sinclude"):
            unsure = True
            continue
        head, colon, rest = line.partition(":")
        if not colon or rest.startswith("=") or "=" in head:
            continue  # not a rule: an assignment (`A := b`, `A = b:c`) or something else
        names = head.split()
        if names == [".PHONY"]:
            names = rest.split(";", 1)[0].split()
        if target in names:
            return True
        if any("%" in name or "$" in name for name in names):
            unsure = True
    return None if unsure else False


def _missing_branch(subject: str, folder: str, root: str) -> bool | None:
    if _NOT_A_REF.search(subject):
        return None
    dirs = git_dirs(folder)
    if dirs is None:
        return None
    common = dirs[1]
    if os.path.isdir(os.path.join(common, "reftable")):
        return None  # the reftable format: refs are not files
    for prefix in ("refs/heads", "refs/remotes", "refs/tags"):
        if os.path.isfile(os.path.join(common, prefix, subject)):
            return False
    remotes_dir = os.path.join(common, "refs", "remotes")
    try:
        remotes = sorted(os.listdir(remotes_dir))[:MAX_REMOTES] if os.path.isdir(remotes_dir) else []
    except OSError:
        return None
    if any(os.path.isfile(os.path.join(remotes_dir, remote, subject)) for remote in remotes):
        return False
    packed_path = os.path.join(common, "packed-refs")
    if not os.path.lexists(packed_path):
        return True
    packed = read_regular(packed_path, MAX_PACKED_REFS)
    if packed is None:
        return None
    name = re.escape(subject)
    pattern = rf"^[0-9a-f]++ refs/(?:heads/|tags/|remotes/(?:[^/\n]++/)?){name}$"
    return re.search(pattern, packed.decode("utf-8", "replace"), re.MULTILINE) is None


def git_dirs(start: str) -> tuple[str, str] | None:
    """The git folder and the common folder (where refs live; they differ in a linked worktree) of the
    repository holding ``start``."""
    path = start
    for _ in range(256):
        dotgit = os.path.join(path, ".git")
        if os.path.isdir(dotgit):
            git_dir = dotgit
            break
        if os.path.isfile(dotgit):
            data = read_regular(dotgit, 4096)
            text = data.decode("utf-8", "replace").strip() if data else ""
            if not text.startswith("gitdir:"):
                return None
            git_dir = os.path.normpath(os.path.join(path, text[len("gitdir:") :].strip()))
            break
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    else:
        return None
    common = git_dir
    data = read_regular(os.path.join(git_dir, "commondir"), 4096)
    if data:
        common = os.path.normpath(os.path.join(git_dir, data.decode("utf-8", "replace").strip()))
    return git_dir, common


def _missing_module(subject: str, folder: str, root: str) -> bool | None:
    """As ``python -m`` from ``folder`` would see it: the folder itself and the project's virtual
    environment (with what its ``.pth`` files add: an editable install of a ``src/`` layout). A module
    that sits in ``src/`` but is not installed is still missing (it needs ``PYTHONPATH=src``). A module
    that is not the project's own, with no virtual environment to look in, may be installed where this
    cannot see (the system's Python): cannot tell."""
    parts = subject.split(".")
    if not all(_IDENTIFIER.fullmatch(p) for p in parts):
        return None
    packages = [p for base in dict.fromkeys((folder, root)) for p in site_packages(base)]
    for base in (folder, *packages):
        if _module_in(base, parts):
            return False
    for place in packages:
        try:
            names = sorted(os.listdir(place))[:MAX_LISTING]
        except OSError:
            return None
        for name in names:
            if _PATH_FILES.search(name):
                found = _installed_through(place, name, parts)
                if found is not False:
                    return None if found is None else False
    if _module_in(os.path.join(folder, "src"), parts[:1]):
        return True  # the project's own module, not on the path
    return True if packages else None


def _module_in(base: str, parts: list[str]) -> bool:
    path = os.path.join(base, *parts)
    return os.path.isfile(path + ".py") or os.path.isdir(path) or _extension(path)


def _installed_through(place: str, name: str, parts: list[str]) -> bool | None:
    """Whether a ``.pth`` / ``.egg-link`` file in site-packages ``place`` makes the module importable:
    folders it lists are looked in; an editable finder (``__editable___x_finder``) is searched for the
    top-level name; any other import line cannot be followed (None)."""
    data = read_regular(os.path.join(place, name), 65536)
    if data is None:
        return None
    for line in data.decode("utf-8", "replace").splitlines()[:64]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("import ", "import\t")):
            finders = re.findall(r"\b__editable___\w*_finder\b", line)
            if not finders:
                return None
            for finder in dict.fromkeys(finders):
                source = read_regular(os.path.join(place, finder + ".py"), 262144)
                if source is None:
                    return None
                if re.search(rf"""['"]{re.escape(parts[0])}['"]\s*+:""", source.decode("utf-8", "replace")):
                    return True
            continue
        if name.endswith(".egg-link") and line == ".":
            break
        if _module_in(os.path.normpath(os.path.join(place, line)), parts):
            return True
    return False


def site_packages(base: str) -> list[str]:
    """The site-packages folders of a virtual environment in ``base`` (``.venv`` or ``venv``)."""
    found = []
    for venv in (".venv", "venv"):
        lib = os.path.join(base, venv, "lib")
        try:
            versions = [v for v in os.listdir(lib) if v.startswith("python")] if os.path.isdir(lib) else []
        except OSError:
            continue
        for version in sorted(versions):
            place = os.path.join(lib, version, "site-packages")
            if os.path.isdir(place):
                found.append(place)
    return found


def _extension(path: str) -> bool:
    """A compiled module (``name.cpython-311-x86_64-linux-gnu.so``) beside where ``name.py`` would be."""
    folder, name = os.path.split(path)
    try:
        names = os.listdir(folder)[:MAX_LISTING] if os.path.isdir(folder) else []
    except OSError:
        return False
    return any(n.startswith(name + ".") and n.endswith((".so", ".pyd")) for n in names)


_CHECKS = {
    "missing-path": _missing_path,
    "missing-executable": _missing_executable,
    "not-executable": _not_executable,
    "missing-npm-script": _missing_npm_script,
    "missing-make-target": _missing_make_target,
    "missing-branch": _missing_branch,
    "missing-module": _missing_module,
}
