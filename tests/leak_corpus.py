"""The leak corpus: secrets of every format nevo must redact, placed in the contexts where a coding
agent meets them (a failing command, a recovery, an error message, a JSON tool_input, a config
dump, a prose inbox line, a URL, a transcript line).

Formats are taken as facts from public secret-scanning rule sets (gitleaks' config/gitleaks.toml,
trufflehog's detectors): prefixes, lengths and alphabets. Values are random per seed and fake
(they authenticate nothing; GitHub-style checksums are not computed). Nothing here is a copy of
those projects' code.

Two sets, built from disjoint context templates:
- ``tune``: seed 1, the templates in TUNE_*; tests/test_redact.py requires every leak caught.
- ``heldout``: another seed, the templates in HELDOUT_*; only bench/bench_redact.py reads it,
  once tuning is over (the point is to measure on phrasings the detectors were not fitted to).

The corpus is generated at run time instead of committed as a data file, so the repository never
holds thousands of token-shaped strings that push-protection scanners would stop.

Run: python tests/leak_corpus.py [--set tune|heldout] [--seed N] > leaks.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict, dataclass
from urllib.parse import quote

from tests.leak_formats import (
    ALNUM_DU,
    COMMAND_FORMATS,
    CONNECTION_FORMATS,
    FILE_FORMATS,
    GENERIC_FORMATS,
    TOKEN_FORMATS,
    mixed,
    password,
)

__all__ = [
    "COMMAND_FORMATS",
    "CONNECTION_FORMATS",
    "FILE_FORMATS",
    "GENERIC_FORMATS",
    "TOKEN_FORMATS",
    "Leak",
    "generate",
]


@dataclass(frozen=True)
class Leak:
    """One case: `text` holds each of `secrets`; after redaction none of them may survive.
    When `as_obj` is set, `text` is JSON and the pipeline redacts the parsed object (redact_obj)."""

    id: str
    family: str  # token / generic / command / connection / file / prose
    format: str
    context: str
    text: str
    secrets: tuple[str, ...]
    as_obj: bool = False


# --- context templates --------------------------------------------------------------------------
# {v}: the secret (or the whole command, connection string or file); {k}: a key name of its kind;
# {n}: a noun for prose. A context whose template is a dict is a JSON tool_input (as_obj).
Template = str | dict[str, str]

TUNE_TOKEN_CONTEXTS: dict[str, Template] = {
    "env-export": "export SERVICE_TOKEN={v}",
    "failing-command": "acme-cli deploy --env prod --token {v}\nError: deployment rejected (HTTP 403)",
    "recovery-command": "The deploy worked after re-running with the new credential:\n  acme-cli deploy --env prod --api-key={v}",  # noqa: E501
    "error-message": "Exit code 1\nError: request failed: 401 Unauthorized (credential {v} was rejected)",
    "tool-input": {"command": "./scripts/publish.sh {v}", "description": "publish the package"},
    "config-dump": "provider:\n  name: acme\n  credentials:\n    value: {v}\n    region: eu-west-1\n",
    "prose": "note for later: the billing integration uses {v} now",
    "url": "GET https://api.acme.io/v1/reports?id=42&auth={v} -> 500",
    "transcript": '{{"type":"user","message":{{"role":"user","content":[{{"type":"tool_result","content":"cat out.txt\\nkey {v}\\n"}}]}}}}',  # noqa: E501
}
HELDOUT_TOKEN_CONTEXTS: dict[str, Template] = {
    "python-literal": 'client = acme.Client(api_key="{v}", timeout=30)',
    "docker-run-env": "docker run --rm -e ACME_CREDENTIALS={v} acme/worker:1.4",
    "ci-log": "2024-05-02T10:11:12.1234567Z ##[group]Run ./release.sh\n2024-05-02T10:11:12Z using {v}\n",
    "http-dump": "> POST /v3/charges HTTP/1.1\n> Host: api.acme.io\n> Authorization: token {v}\n> Accept: */*\n",
    "toml-config": '[service.upstream]\nendpoint = "https://up.acme.io"\ncredential = "{v}"\n',
    "stack-trace": "Traceback (most recent call last):\n  File \"app.py\", line 9, in <module>\nValueError: bad credential '{v}'",  # noqa: E501
    "tool-input-write": {"file_path": "/srv/app/settings.local.yaml", "content": "upstream:\n  secret: {v}\n"},
    "git-remote": "git remote set-url origin https://x-access-token:{v}@github.com/acme/api.git",
    "chat-line": "hey, can you retry with this one? {v} (the old one was revoked)",
}

TUNE_GENERIC_CONTEXTS: dict[str, Template] = {
    "env-line": "{k}={v}",
    "json-config": '{{"host": "api.acme.io", "{k}": "{v}", "retries": 3}}',
    "yaml-config": "service:\n  host: api.acme.io\n  {k}: {v}\n",
    "flag": "acme-cli sync --{kf} {v} --verbose",
    "tool-input": {"command": "acme-cli sync --{kf}={v}", "description": "sync"},
    "prose": "FYI the staging {n} is {v}",
    "error-message": "Error: authentication failed, {n}: {v}",
    "url-param": "https://api.acme.io/oauth/token?{k}={vq}&grant_type=client_credentials",
    "transcript": '{{"type":"assistant","message":{{"content":[{{"type":"tool_use","name":"Bash","input":{{"command":"export {k}={v} && make deploy"}}}}]}}}}',  # noqa: E501
}
HELDOUT_GENERIC_CONTEXTS: dict[str, Template] = {
    "python-kwarg": 'conn = acme.connect(host="db", {k}="{v}")',
    "ini-file": "[upstream]\nhost = api.acme.io\n{k} = {v}\n",
    "xml-config": '<add key="{k}" value="{v}" />',
    "docker-env": "docker run -e {k}={v} acme/api:latest",
    "prose-reply": "Sure - my {n} is {v}, use it for the staging box",
    "log-line": "DEBUG settings loaded: {k}='{v}' region=eu-west-1",
    "tool-input-obj": {"file_path": "/srv/app/.env.production", "content": "APP_ENV=prod\n{k}={v}\n"},
    "header": "curl -H 'X-{kf}: {v}' https://api.acme.io/v1/me",
}

TUNE_COMMAND_CONTEXTS: dict[str, Template] = {
    "failing-command": "{v}",
    "tool-input": {"command": "{v}", "description": "log in and retry"},
    "recovery-command": "Fixed: the command that worked was `{v}`",
    "error-echo": "Exit code 1\nCommand failed: {v}\nerror: exit status 1",
    "transcript": '{{"type":"assistant","message":{{"content":[{{"type":"tool_use","name":"Bash","input":{{"command":"{v}"}}}}]}}}}',  # noqa: E501
}
HELDOUT_COMMAND_CONTEXTS: dict[str, Template] = {
    "shell-history": "  501  cd ~/src/api\n  502  {v}\n  503  git status",
    "makefile": "deploy:\n\t{v}\n",
    "python-subprocess": "subprocess.CalledProcessError: Command '{v}' returned non-zero exit status 1.",
    "tool-input-chain": {"command": "cd /srv/app && {v} && echo done"},
}

TUNE_CONNECTION_CONTEXTS: dict[str, Template] = {
    "env-line": "DATABASE_URL={v}",
    "error-message": "Exit code 1\nOperationalError: could not connect using '{v}': timeout expired",
    "json-config": '{{"ConnectionStrings": {{"Default": "{v}"}}}}',
    "tool-input": {"command": "./migrate --dsn '{v}'"},
    "prose": "the connection string for staging is {v}",
}
HELDOUT_CONNECTION_CONTEXTS: dict[str, Template] = {
    "yaml": 'datasource:\n  url: "{v}"\n  pool: 5\n',
    "log": "[main] INFO  c.a.Db - connecting to {v} (attempt 2)",
    "tool-input-write": {"file_path": "appsettings.json", "content": '{{"Db": "{v}"}}'},
}

TUNE_FILE_CONTEXTS: dict[str, Template] = {
    "cat-output": "$ cat ~/{name}\n{v}",
    "tool-input-write": {"file_path": "/home/dev/{name}", "content": "{v}"},
    "error-dump": "Exit code 1\nFailed to parse {name}; its content was:\n{v}\n",
    "transcript": "{json}",
}
HELDOUT_FILE_CONTEXTS: dict[str, Template] = {
    "read-tool-result": "     1\t# {name}\n{numbered}",
    "heredoc": "cat > {name} <<'EOF'\n{v}\nEOF",
    "tool-input-edit": {"file_path": "{name}", "old_string": "", "new_string": "{v}"},
}

TUNE_PROSE: tuple[str, ...] = (
    "the staging password is {pw}",
    "secret key: {tok}",
    "my token is {tok}",
    "Remember: prod db pass = {pw}",
    "the admin password for grafana was {pw} (rotate it!)",
    "API key for the mail provider: {tok}",
    "use {pw} as the password for the test account",
    "I changed the deploy token to {tok} this morning",
    "The refresh token is {tok}",
    "password for the vpn: {pw}",
)
HELDOUT_PROSE: tuple[str, ...] = (
    "heads up, new root pw is {pw}",
    "creds for the sandbox: user ops / pass {pw}",
    "the webhook signing secret is now {tok}",
    "Login with admin and password {pw} to see the dashboard",
    "Token for the CI bot => {tok}",
    "our stripe secret (test mode) is {tok}",
    "passphrase of the backup key: {pw}",
    "i set the access key to {tok} in the console",
)


def _fill(template: Template, **values: str) -> tuple[str, bool]:
    if isinstance(template, dict):
        return json.dumps({k: v.format(**values) for k, v in template.items()}), True
    return template.format(**values), False


def _json_inner(text: str) -> str:
    """`text` as it appears inside a JSON string (what a transcript line holds)."""
    return json.dumps(text)[1:-1]


def _flag(key: str) -> str:
    """A --flag name for a key name: DB_PASSWORD -> db-password, clientSecret -> client-secret."""
    out = []
    for i, c in enumerate(key):
        if c.isupper() and i and key[i - 1].islower():
            out.append("-")
        out.append(c.lower())
    return "".join(out).replace("_", "-").strip("-")


def generate(which: str = "tune", seed: int | None = None) -> list[Leak]:
    """The corpus: `which` is "tune" or "heldout"; the seed defaults to 1 (tune) and 2 (heldout)."""
    heldout = which == "heldout"
    rng = random.Random(seed if seed is not None else (2 if heldout else 1))
    leaks: list[Leak] = []

    def add(family: str, fmt: str, ctx: str, text: str, secrets: tuple[str, ...], as_obj: bool) -> None:
        leaks.append(Leak(f"{family}/{fmt}/{ctx}", family, fmt, ctx, text, secrets, as_obj))

    token_ctx = HELDOUT_TOKEN_CONTEXTS if heldout else TUNE_TOKEN_CONTEXTS
    for fmt, gen in TOKEN_FORMATS.items():
        for ctx, template in token_ctx.items():
            value = gen(rng)
            v = _json_inner(value) if ctx == "transcript" else value
            text, as_obj = _fill(template, v=v)
            add("token", fmt, ctx, text, (value,), as_obj)

    generic_ctx = HELDOUT_GENERIC_CONTEXTS if heldout else TUNE_GENERIC_CONTEXTS
    for fmt, (gen, keys, noun) in GENERIC_FORMATS.items():
        for ctx, template in generic_ctx.items():
            value, key = gen(rng), rng.choice(keys)
            if "{vq}" in str(template):
                value = quote(value, safe="")
            text, as_obj = _fill(template, v=value, vq=value, k=key, kf=_flag(key), n=noun)
            add("generic", fmt, ctx, text, (value,), as_obj)

    command_ctx = HELDOUT_COMMAND_CONTEXTS if heldout else TUNE_COMMAND_CONTEXTS
    for fmt, (gen, build) in COMMAND_FORMATS.items():
        for ctx, template in command_ctx.items():
            secret = gen(rng)
            command = build(rng, secret)
            v = _json_inner(command) if ctx == "transcript" else command
            text, as_obj = _fill(template, v=v)
            add("command", fmt, ctx, text, (secret,), as_obj)

    connection_ctx = HELDOUT_CONNECTION_CONTEXTS if heldout else TUNE_CONNECTION_CONTEXTS
    for fmt, (gen, build) in CONNECTION_FORMATS.items():
        for ctx, template in connection_ctx.items():
            secret = gen(rng)
            text, as_obj = _fill(template, v=build(rng, secret))
            add("connection", fmt, ctx, text, (secret,), as_obj)

    file_ctx = HELDOUT_FILE_CONTEXTS if heldout else TUNE_FILE_CONTEXTS
    for fmt, build_file in FILE_FORMATS.items():
        for ctx, template in file_ctx.items():
            name, content, secrets = build_file(rng)
            numbered = "".join(f"{i + 2:6}\t{line}\n" for i, line in enumerate(content.splitlines()))
            line = {"type": "user", "message": {"content": [{"type": "tool_result", "content": content}]}}
            text, as_obj = _fill(template, v=content, name=name, numbered=numbered, json=json.dumps(line))
            add("file", fmt, ctx, text, secrets, as_obj)

    for i, phrase in enumerate(HELDOUT_PROSE if heldout else TUNE_PROSE):
        pw, tok = password(rng), mixed(rng, ALNUM_DU, rng.randrange(20, 40))
        text = phrase.format(pw=pw, tok=tok)
        secret = pw if "{pw}" in phrase else tok
        add("prose", f"prose-{i}", "inbox-line", f"- {text}", (secret,), False)
        add("prose", f"prose-{i}", "inbox-json", json.dumps({"inbox": [text]}), (secret,), True)
    return leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["tune", "heldout"], default="tune")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    for leak in generate(args.set, args.seed):
        sys.stdout.write(json.dumps(asdict(leak)) + "\n")


if __name__ == "__main__":
    main()
