"""CRITIQUE offline: deterministic review checks against the stated principles, and the offline critic and
arbiter agents built on them.

The checks read code, never run it: Python through its AST (so a string that merely mentions ``shell=True``
is not a finding), shell scripts line by line. ``error`` findings fail the stage; ``warning`` findings are
shown to the author and never block.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from nevo.providers import Request, offline_handler
from nevo.quality.model import CHECK_STAGES, Finding

PRINCIPLES = (
    "Errors are handled or propagated, never swallowed: no bare `except:`, no `except ...: pass`.",
    "No secrets in code: tokens, keys and passwords come from the environment or a secret store.",
    "Untrusted input never reaches a shell: no `shell=True`/`os.system` with a built command,"
    " no eval/exec of data.",
    "No debugging leftovers: no breakpoint()/pdb, no print() debugging in library code,"
    " no TODO/FIXME left behind.",
    "Public functions and classes say what they do (a docstring).",
    "Functions stay short enough to read in one sitting (at most 60 lines).",
    "Shell scripts stop on the first error (`set -e`) and never pipe a download into a shell.",
)
MAX_FUNCTION_LINES = 60
_MARKER = re.compile(r"#.*\b(TODO|FIXME|XXX)\b")


def review_file(path: str, text: str) -> list[Finding]:
    """Every deterministic finding for one file (Python or shell; other files get the secret check only)."""
    findings = list(_secret_findings(path, text))
    if path.endswith(".py"):
        findings.extend(_python_findings(path, text))
    elif path.endswith((".sh", ".bash")) or re.match(r"#!.*\b(ba)?sh\b", text.split("\n", 1)[0]):
        findings.extend(_shell_findings(path, text))
    return sorted(findings, key=lambda f: (f.file, f.line, f.code))


def review_files(files: dict[str, str]) -> list[Finding]:
    return [finding for path in sorted(files) for finding in review_file(path, files[path])]


def _secret_findings(path: str, text: str) -> Iterator[Finding]:
    from nevo.redact import find_secrets

    for secret in find_secrets(text):
        line = text.count("\n", 0, secret.start) + 1
        yield Finding(
            f"a secret ({secret.kind}) is written into the code: read it from the environment instead",
            path,
            line,
            "secret",
        )


# -- Python -----------------------------------------------------------------------------------------


def _python_findings(path: str, text: str) -> Iterator[Finding]:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        yield Finding(f"syntax error: {exc.msg}", path, exc.lineno or 0, "syntax")
        return
    except ValueError as exc:  # null bytes, on Pythons older than 3.11.4
        yield Finding(f"cannot be parsed: {exc}", path, 0, "syntax")
        return
    is_test = PurePosixPath(path).name.startswith("test_") or path.endswith("_test.py")
    main_lines = _main_block_lines(tree)
    for number, line in enumerate(text.splitlines(), 1):
        marker = _MARKER.search(line)
        if marker:
            yield Finding(f"{marker.group(1)} left in the code", path, number, "todo", "warning")
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            if node.type is None:
                yield Finding(
                    "bare `except:` catches everything, KeyboardInterrupt included: name the exception",
                    path,
                    node.lineno,
                    "bare-except",
                )
            elif all(isinstance(stmt, ast.Pass) for stmt in node.body) or (
                len(node.body) == 1
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
                and node.body[0].value.value is Ellipsis
            ):
                yield Finding(
                    "an exception is swallowed (`except ...: pass`): handle it, log it or let it propagate",
                    path,
                    node.lineno,
                    "swallowed-exception",
                )
        elif isinstance(node, ast.Call):
            yield from _call_findings(path, node, main_lines, is_test)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield Finding(
                    f"function {node.name}() is {length} lines long (at most {MAX_FUNCTION_LINES}): split it",
                    path,
                    node.lineno,
                    "long-function",
                    "warning",
                )
    if not is_test:
        for node in tree.body:
            yield from _docstring_findings(path, node)


def _docstring_findings(path: str, node: ast.stmt) -> Iterator[Finding]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith(
        "_"
    ):
        if ast.get_docstring(node) is None:
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            yield Finding(
                f"public {kind} {node.name} has no docstring", path, node.lineno, "docstring", "warning"
            )
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if (
                    isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and not member.name.startswith("_")
                    and ast.get_docstring(member) is None
                    and (member.end_lineno or 0) - member.lineno > 3
                ):
                    yield Finding(
                        f"public method {node.name}.{member.name} has no docstring",
                        path,
                        member.lineno,
                        "docstring",
                        "warning",
                    )


def _call_name(node: ast.Call) -> str:
    func = node.func
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _is_literal(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_is_literal(element) for element in node.elts)
    return False


def _call_findings(path: str, node: ast.Call, main_lines: set[int], is_test: bool) -> Iterator[Finding]:
    name = _call_name(node)
    first = node.args[0] if node.args else None
    if name in ("breakpoint", "pdb.set_trace", "ipdb.set_trace"):
        yield Finding(f"{name}() left in the code", path, node.lineno, "debugger")
    elif name == "print" and not is_test and node.lineno not in main_lines:
        yield Finding(
            "print() in library code: return the value or use logging", path, node.lineno, "print", "warning"
        )
    elif name in ("eval", "exec") and not _is_literal(first):
        yield Finding(f"{name}() of a computed value runs whatever it is given", path, node.lineno, "eval")
    elif name in ("os.system", "os.popen") and not _is_literal(first):
        yield Finding(
            f"{name}() with a built command: use subprocess.run([...]) with an argument list",
            path,
            node.lineno,
            "shell-injection",
        )
    elif name.startswith("subprocess.") or name in ("run", "Popen", "check_output", "check_call", "call"):
        shell = next((kw.value for kw in node.keywords if kw.arg == "shell"), None)
        if isinstance(shell, ast.Constant) and shell.value is True and not _is_literal(first):
            yield Finding(
                "shell=True with a built command lets its input run as shell code: pass an argument list",
                path,
                node.lineno,
                "shell-injection",
            )


def _main_block_lines(tree: ast.Module) -> set[int]:
    """Lines under ``if __name__ == "__main__":`` and in a function named main: print is the interface."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        is_main_guard = isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
        is_entry_point = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in (
            "main",
            "cli",
        )
        if is_main_guard or is_entry_point:
            assert isinstance(node, ast.stmt)
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


# -- shell ------------------------------------------------------------------------------------------

_PIPE_TO_SHELL = re.compile(r"\b(curl|wget)\b[^|\n]*\|\s*(sudo\s+)?(ba|z|da)?sh\b")
_SET_E = re.compile(r"^\s*set\s+-[a-z]*e", re.MULTILINE)


def _shell_findings(path: str, text: str) -> Iterator[Finding]:
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        if _PIPE_TO_SHELL.search(code):
            yield Finding(
                "a download is piped into a shell: download, check, then run", path, number, "download-exec"
            )
        if re.search(r"\brm\s+-[a-z]*r[a-z]*f?\s+(/|\$[A-Za-z_]\w*)(\s|$)", code):
            yield Finding(
                'rm -r on / or an unquoted, unchecked variable: use "${VAR:?}"', path, number, "dangerous-rm"
            )
        if re.search(r"(^|[;&|]\s*)eval\s", code):
            yield Finding("eval runs its arguments as shell code", path, number, "eval", "warning")
        marker = _MARKER.search(line)
        if marker:
            yield Finding(f"{marker.group(1)} left in the script", path, number, "todo", "warning")
    if not _SET_E.search(text):
        yield Finding("the script does not stop on errors: add `set -eu`", path, 1, "no-set-e", "warning")


# -- offline agents -----------------------------------------------------------------------------------

CRITIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "file": {"type": "string"},
                    "line": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "severity": {"enum": ["error", "warning"]},
                },
            },
        },
        "files": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "revise mode only: complete new contents of the files you changed",
        },
        "summary": {"type": "string"},
    },
    "required": ["summary"],
}

ARBITER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {"enum": ["approve", "deny"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["decision", "reasons"],
}


@offline_handler("critic")
def offline_critic(request: Request) -> dict[str, Any]:
    """Review: the deterministic checks. Revise: nothing beyond ruff's fixes (a rewrite needs a model)."""
    files = {str(k): str(v) for k, v in dict(request.data.get("files") or {}).items()}
    if request.data.get("mode") == "revise":
        return {"files": {}, "summary": "offline: no revision beyond ruff's fixes"}
    findings = review_files(files)
    errors = sum(1 for f in findings if f.severity == "error")
    return {
        "findings": [f.__dict__ for f in findings],
        "summary": f"{len(findings)} finding(s), {errors} blocking, over {len(files)} file(s)",
    }


@offline_handler("arbiter")
def offline_arbiter(request: Request) -> dict[str, Any]:
    """Approve only when every check passed (or had nothing to check), nothing escalated, and the
    artifact is valid."""
    reasons: list[str] = []
    for stage in request.data.get("stages") or []:
        name, status = stage.get("name"), stage.get("status")
        if name not in CHECK_STAGES:
            continue
        if status == "failed":
            errors = stage.get("errors") or []
            first = f": {errors[0]}" if errors else ""
            reasons.append(f"{name} failed with {len(errors)} error(s){first}")
        elif status == "error":
            reasons.append(f"{name} could not run: {stage.get('note') or 'unknown reason'}")
    if request.data.get("escalated"):
        reasons.append(
            str(request.data.get("escalation_reason") or "")
            or f"escalated after {request.data.get('refinements', 0)} refinement(s)"
        )
    for problem in request.data.get("validation_problems") or []:
        reasons.append(f"invalid: {problem}")
    if reasons:
        return {"decision": "deny", "reasons": reasons}
    passed = [s.get("name") for s in request.data.get("stages") or [] if s.get("status") == "passed"]
    checked = ", ".join(dict.fromkeys(str(p) for p in passed if p in CHECK_STAGES)) or "nothing to check"
    return {"decision": "approve", "reasons": [f"every check passed ({checked})"]}
