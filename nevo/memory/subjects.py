"""What a fact is about: its subject ("port:dev server", "package-manager:js") and the value it states.

Two facts with one subject and different values are two values of the same thing, so the newer one
supersedes the older (see :func:`nevo.memory.facts.resolve_subject`); two with one subject and one value
say the same thing twice. Deterministic, from a small lexicon of the things projects keep changing:
ports, versions, package managers and other tool choices, hosts, the commands that test or build the
project, and where things live. A statement about none of these has no subject (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Subject:
    key: str  # "port:dev server", "version:node", "package-manager:js", "host:staging", "command:test"
    value: str  # normalised: "5174", "20.11.1", "pnpm", "staging-2.acme.dev", "uv run pytest"
    replaces: tuple[str, ...] = ()  # values the statement itself names as old ("pnpm, not npm")


# -- lexicon ----------------------------------------------------------------------------------------

PACKAGE_MANAGERS = {
    "js": ("pnpm", "npm", "yarn", "bun"),
    "python": ("uv", "poetry", "pipenv", "pdm", "conda", "hatch", "rye", "pip"),
}
TOOL_GROUPS = {
    "test runner": ("pytest", "unittest", "nose2", "jest", "vitest", "mocha", "ava"),
    "e2e runner": ("playwright", "cypress", "puppeteer", "selenium"),
    "formatter": ("ruff format", "black", "prettier", "dprint", "yapf", "autopep8", "gofmt", "rustfmt"),
    "linter": ("ruff", "flake8", "pylint", "eslint", "biome", "oxlint", "golangci-lint"),
    "type checker": ("mypy", "pyright", "basedpyright", "pyre", "tsc"),
    "bundler": ("webpack", "vite", "esbuild", "rollup", "parcel", "turbopack", "rspack"),
    "http client": ("httpx", "requests", "aiohttp", "axios", "urllib3", "ky"),
    "orm": ("sqlalchemy", "sqlmodel", "prisma", "drizzle", "typeorm", "sequelize", "peewee", "tortoise"),
    "database": ("postgres", "postgresql", "mysql", "mariadb", "sqlite", "mongodb", "cockroachdb"),
    "ci": ("github actions", "gitlab ci", "circleci", "jenkins", "buildkite", "travis"),
    "task queue": ("celery", "dramatiq", "huey", "arq", "sidekiq", "bullmq"),
    "container runtime": ("docker", "podman", "colima", "orbstack"),
    "migration tool": ("alembic", "flyway", "liquibase", "yoyo"),
    "logging library": ("structlog", "loguru"),
    "node version manager": ("nvm", "fnm", "volta", "asdf"),
    "task runner": ("make", "just", "invoke", "nox", "tox", "taskfile"),
}
_CANONICAL = {
    "postgresql": "postgres",
    "pg": "postgres",
    "psql": "postgres",
    "pg_dump": "postgres",
    "nodejs": "node",
    "node.js": "node",
    "python3": "python",
}

# The service a port or host belongs to, by the words people use for it.
SERVICES = {
    "dev server": (
        "dev server",
        "devserver",
        "development server",
        "frontend",
        "front-end",
        "vite",
        "webpack dev",
        "next dev",
        "ui",
        "web",
        "rails server",
        "rails s",
        "puma",
        "bin/dev",
        "foreman",
        "phx.server",
        "artisan serve",
    ),
    "django": ("runserver", "manage.py runserver", "django dev server", "django"),
    "api": ("api", "backend", "back-end", "uvicorn", "gunicorn", "fastapi", "flask", "app server"),
    "postgres": ("postgres", "postgresql", "database", "db", "psql", "pg"),
    "redis": ("redis", "cache"),
    "storybook": ("storybook",),
    "docs": ("docs", "mkdocs", "documentation"),
    "metrics": ("grafana", "prometheus", "metrics"),
    "mail": ("mailhog", "mailpit", "smtp", "mail"),
    "queue": ("rabbitmq", "kafka", "queue", "broker"),
}
ENVIRONMENTS = {
    "staging": ("staging", "stage", "stg", "preprod", "pre-prod"),
    "production": ("production", "prod", "live"),
    "qa": ("qa", "uat", "preview", "review"),
    "registry": ("registry", "artifactory", "nexus"),
    "bastion": ("bastion", "jump", "jumphost", "gateway"),
    "ci": ("ci", "runner", "jenkins", "buildkite"),
}
COMMAND_ROLES = {
    "test": ("test", "tests", "testing", "unit tests", "test suite", "suite", "pytest", "jest", "vitest"),
    "e2e": ("e2e", "end-to-end", "playwright", "cypress", "integration tests"),
    "lint": ("lint", "linter", "linters", "linting"),
    "format": ("format", "formatter", "formatting", "fmt"),
    "typecheck": ("typecheck", "type-check", "type check", "types", "mypy", "pyright", "tsc"),
    "build": ("build", "builds", "compile", "bundle"),
    "dev": ("dev server", "serve", "start the app", "run the app", "run locally"),
    "migrate": ("migrate", "migration", "migrations"),
    "deploy": ("deploy", "deploys", "deployment", "release", "ship"),
    "seed": ("seed", "demo data", "fixtures"),
}
_TLDS = (
    "com|net|org|io|dev|app|ai|co|cloud|tech|xyz|me|us|uk|de|fr|eu|nl|ch|se|no|fi|jp|in|au|ca|"
    "internal|local|lan|corp|intra|localdomain|test|example|svc"
)
HOST = re.compile(rf"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?![./-]?\w)", re.IGNORECASE)
IPV4 = re.compile(r"\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "example.com"}

_NEGATION_BEFORE = re.compile(
    r"(?:\bnot|\bno|\binstead\s+of|\brather\s+than|\bfrom|\bno\s+longer(?:\s+use)?|\bstop(?:ped)?\s+using|"
    r"\bover|\bthan|\breplac(?:e|ed|ing)|\bdropp?(?:ed)?|\bditch(?:ed)?|\bremov(?:e|ed)|\binstead\s+of\s+using|"
    r"\bn't\s+use|\bnot\s+use|\bnever\s+use|\bdon'?t\s+use|\bavoid|\bdone\s+with|\b(?:moved|moving|migrated|switched)"
    r"\s+away\s+from|\bgot\s+rid\s+of|\bget\s+rid\s+of|\boff\s+of|\bdump(?:ed)?|\bkill(?:ed)?|\bno\s+more)\b\W*(?:(?:the|a|an|our|using|plain|old|good\s+old)\W+)?$",
    re.IGNORECASE,
)
_CHOICE = re.compile(
    r"\b(?:use[sd]?|using|switch(?:ed|ing)?|mov(?:e|ed|ing)|migrat(?:e|ed|ing)|adopt(?:ed)?|prefer(?:red)?|"
    r"go(?:ing)?\s+with|went\s+with|chose|choose|opted|settled|replac(?:e|ed|ing)|instead|rather|now|"
    r"is\s+our|are\s+on|we'?re\s+on|runs?\s+on|standardi[sz](?:e[ds]?|ing)|only|stick\s+(?:to|with)|drop(?:ped)?|"
    r"built\s+with|written\s+in|managed\s+(?:with|by)|(?:is|are)\s+on|based\s+on|powered\s+by|via|it'?s)\b|"
    r"[,;]\s*not\b",
    re.IGNORECASE,
)


def canonical(word: str) -> str:
    word = word.lower().strip("`'\"., ")
    return _CANONICAL.get(word, word)


def norm_value(value: str) -> str:
    value = value.strip().strip("`'\"()[] ").rstrip(".,;:").lower()
    return value[1:] if re.fullmatch(r"v\d[\w.+-]*", value) else value


def _word_at(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)]


_NEGATION_AFTER = re.compile(
    r"^[\w.:/@-]*\W*(?:\w+\W+){0,1}(?:is|are|was|were|'s)\s+(?:now\s+)?(?:gone|retired|deprecated|dead|removed|"
    r"being\s+retired|going\s+away|no\s+more|history|legacy|out(?=\W*(?:,|;|$|we\b|now\b))|obsolete|banned)\b|^[\w.:/@-]*\W+(?:\w+\W+){0,3}?(?:anymore|no\s+longer)\b",
    re.IGNORECASE,
)


def _negated(text: str, position: int) -> bool:
    """Whether the value at ``position`` is named as the old or unwanted one ("not npm", "npm is gone")."""
    return bool(_NEGATION_BEFORE.search(text[max(0, position - 40) : position])) or bool(
        _NEGATION_AFTER.match(text[position : position + 60])
    )


def _replaced_with(text: str) -> set[str]:
    """Words in "replace(d) Y with X" / "from Y to X" / "Y -> X" that are the old value Y."""
    old: set[str] = set()
    for match in re.finditer(
        r"\b(?:replac\w*|swap\w*)\s+`?([\w.@/-]+)`?\s+(?:with|for|by)\b|\bfrom\s+`?([\w.@/-]+)`?\s+to\b|"
        r"`?([\w.@/-]+)`?\s*(?:->|→|=>)\s*",
        text,
        re.IGNORECASE,
    ):
        old.add(canonical(next(g for g in match.groups() if g)))
    return old


def choice_in(text: str, options: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """(the option chosen, the options named as old) when ``text`` names options of one kind; None when none
    is named, or when every one it names is negated ("no more npm" says what is not used, not what is)."""
    old = _replaced_with(text)
    mentions: list[tuple[int, str]] = []
    for option in options:
        mentions += [(pos, canonical(option)) for pos in _word_at(text, option)]
    if not mentions:
        return None
    mentions.sort()
    positive = [o for pos, o in mentions if o not in old and not _negated(text, pos)]
    negative = tuple(dict.fromkeys(o for pos, o in mentions if o in old or _negated(text, pos)))
    if not positive:
        return None
    chosen = positive[0]
    return chosen, tuple(o for o in negative if o != chosen)


def service_of(text: str, table: dict[str, tuple[str, ...]] = SERVICES) -> str | None:
    """The first service (or environment) ``text`` names, by its synonyms; longest synonym wins a tie."""
    best: tuple[int, int, str] | None = None
    for name, words in table.items():
        for word in words:
            for pos in _word_at(text, word):
                candidate = (pos, -len(word), name)
                best = candidate if best is None or candidate < best else best
    return best[2] if best else None


# -- statements -------------------------------------------------------------------------------------

_PORT = re.compile(
    r"(?:\bport\s*(?:number\s*)?(?:is\s*|=\s*|:\s*|of\s*|to\s*|on\s*)?(?:now\s+)?|localhost:|127\.0\.0\.1:|"
    r"0\.0\.0\.0:|\bon\s+:|\b(?:runs?|serves?|listens?|lives?|is|are|now)\s+(?:now\s+)?(?:on|at|to)\s+:?|"
    r"\b(?:moved|changed|set|switched|put|bumped)\s+(?:[\w.-]+\s+){0,3}?(?:to|on)\s+(?:port\s+)?:?"
    r"(?=(?!19[89]\d|20\d\d)\d{4,5}\b))(\d{2,5})\b|\b(\d{4,5})\s+(?:is\s+)?(?:the\s+|our\s+)?(?:[\w-]+\s+){0,2}port\b",
    re.IGNORECASE,
)
_PATH_STATEMENT = re.compile(
    r"\b(?:the\s+|our\s+)?([a-z][\w .-]{1,30}?)\s+(?:is|are|lives?|sits?|goes|go|belongs?)\s+(?:at|in|under|inside)\s+"
    r"`?((?:\.{0,2}/|~/)?[\w.-]+/[\w./-]*|\.[\w-]+)`?",
    re.IGNORECASE,
)
_VERSIONED_THING = re.compile(
    r"\b(node(?:\.?js)?|python3?|postgres(?:ql)?|pg|mysql|redis|django|fastapi|flask|react|next(?:\.js)?|"
    r"typescript|go|rust|ruby|rails|java|pnpm|npm|yarn|uv|poetry|pydantic|sqlalchemy|alembic|vite|"
    r"[a-z][\w-]{1,30})\s*(?:version\s*|is\s+(?:at|on)\s+|to\s+|@|==|>=|~=|\^|v)?\s*v?(\d+(?:\.\d+){0,3})\b",
    re.IGNORECASE,
)
_KNOWN_VERSIONED = {
    "node", "python", "postgres", "mysql", "redis", "django", "fastapi", "flask", "react", "next", "next.js",
    "typescript", "go", "rust", "ruby", "rails", "java", "pnpm", "npm", "yarn", "uv", "poetry", "pydantic",
    "sqlalchemy", "alembic", "vite", "docker", "kubernetes", "terraform", "celery", "elasticsearch",
}  # fmt: skip
_BACKTICKED = re.compile(r"`([^`\n]{2,120})`")


@lru_cache(maxsize=8192)  # a sentence is classified several times (category, subject, narrative)
def subject_of(text: str) -> Subject | None:
    """The subject of a prose statement (a user's prompt, an agent's decision, an inbox line), or None."""
    for finder in (_port_subject, _host_subject, _command_subject, _choice_subject, _version_subject, _path_subject):
        found = finder(text)
        if found is not None:
            return found
    return None


def _port_subject(text: str) -> Subject | None:
    match = _PORT.search(text)
    if match is None:
        return None
    port = match.group(1) or match.group(2)
    if not 10 <= int(port) <= 65535:
        return None
    # Any other port-like number in a port statement is the old one ("5174 now, 5173 clashes with ...").
    others = re.findall(r"(?<![\d.:/-])(?!19[89]\d|20\d\d)(\d{4,5})(?!\d|\.\d)", text)
    old = tuple(dict.fromkeys(p for p in others if p != port and 1024 <= int(p) <= 65535))
    return Subject(f"port:{service_of(text) or 'server'}", port, old)


def _host_subject(text: str) -> Subject | None:
    hosts = [
        m
        for m in HOST.finditer(text)
        if m.group(0).lower() not in _LOCAL_HOSTS and "@" not in text[m.end() : m.end() + 1]
    ]
    if not hosts:
        return None
    positive = [m for m in hosts if not _negated(text, m.start())]
    if not positive:
        return None
    env = service_of(text, ENVIRONMENTS) or service_of(text) or _named_after(text, positive[0])
    if env is None:
        return None  # a host with no role ("see docs.python.org") is no subject
    old = tuple(norm_value(m.group(0)) for m in hosts if m not in positive)
    return Subject(f"host:{env}", norm_value(positive[0].group(0)), old)


def _named_after(text: str, host: re.Match[str]) -> str | None:
    """The thing a host is named after, when the sentence names it too ("mlflow moved again: https://mlflow.acme.io"):
    a label of the host that is also a word of the sentence outside every host and address in it."""
    labels = [label for label in host.group(0).lower().split(".")[:-1] if len(label) > 2 and not label.isdigit()]
    outside = re.sub(r"\S*://\S*|" + HOST.pattern, " ", text, flags=re.IGNORECASE)
    words = set(re.findall(r"(?<![\w-])[a-z][a-z0-9-]*(?![\w-])", outside.lower()))
    return next((label for label in labels if label in words and label not in _GENERIC_LABELS), None)


_GENERIC_LABELS = {"www", "app", "web", "dev", "the", "new", "old", "com", "net", "org"}


def _command_subject(text: str) -> Subject | None:
    from nevo.memory.commands import command_head, command_role, command_scope

    quoted = [q for q in _BACKTICKED.findall(text) if command_head(q)]
    if not quoted:
        return None
    heads = [str(command_head(q)) for q in quoted]
    role = service_of(text, COMMAND_ROLES) or command_role(heads[0])  # "Checks: `npm run check`": the command says
    positive = [h for q, h in zip(quoted, heads, strict=True) if not _negated(text, text.find(f"`{q}`"))]
    if not positive:
        return None
    old = [h for h in heads if h not in positive]
    for match in _NAMED_OLD.finditer(text):  # "..., not make test": an old command need not be quoted
        head = command_head(match.group(1).rstrip(".,;:!?)"))
        if head and head not in positive and head not in old:
            old.append(head)
    scope = command_scope(next(q for q in quoted if command_head(q) == positive[0]))
    return Subject(f"command:{role}@{scope}" if scope else f"command:{role}", positive[0], tuple(old))


_NAMED_OLD = re.compile(
    r"\b(?:not|instead\s+of|rather\s+than|replac\w+|from)\s+`?([\w./-]+(?:\s+[\w:./-]+){0,2})", re.IGNORECASE
)


def _choice_subject(text: str) -> Subject | None:
    if not _CHOICE.search(text):
        return None
    for ecosystem, managers in PACKAGE_MANAGERS.items():
        found = choice_in(text, managers)
        if found:
            return Subject(f"package-manager:{ecosystem}", found[0], found[1])
    for group, tools in TOOL_GROUPS.items():
        found = choice_in(text, tools)
        if found:
            return Subject(f"tool:{group}", found[0], found[1])
    return None


def _version_subject(text: str) -> Subject | None:
    for match in _VERSIONED_THING.finditer(text):
        thing = canonical(match.group(1))
        version = match.group(2)
        explicit = re.search(r"version|==|@|>=|~=|\^", match.group(0), re.IGNORECASE)
        if thing in _KNOWN_VERSIONED or (explicit and thing not in _STOP_THINGS):
            if "." not in version and thing not in _KNOWN_VERSIONED:
                continue
            return Subject(f"version:{thing}", norm_value(version))
    return None


_STOP_THINGS = {"the", "a", "an", "to", "is", "on", "at", "version", "release", "step", "line", "page", "v"}


def _path_subject(text: str) -> Subject | None:
    match = _PATH_STATEMENT.search(text)
    if match is None:
        return None
    thing = re.sub(r"\s+", " ", match.group(1).lower()).strip()
    thing = re.sub(r"^(?:the|our|a|an)\s+", "", thing)
    if not thing or thing in ("it", "this", "that", "everything", "nothing") or len(thing.split()) > 4:
        return None
    return Subject(f"path:{thing}", norm_value(match.group(2)))


# Words a search may use for a fact that its own text lacks: its kind, its role, what the category means.
_KIND_WORDS = {
    "port": "port", "host": "host server address hostname", "version": "version", "path": "path location",
    "package-manager": "package manager", "tool": "tool", "command": "command",
    "release": "release version deployed", "remote": "remote url storage",
}  # fmt: skip
_ROLE_WORDS = {
    "test": "test tests testing", "e2e": "e2e end-to-end tests", "lint": "lint linter linting",
    "format": "format formatter formatting", "typecheck": "typecheck type check types", "build": "build",
    "dev": "dev server serve", "migrate": "migrate migration migrations", "deploy": "deploy deployment",
    "seed": "seed demo data",
}  # fmt: skip
_CATEGORY_WORDS = {
    "preference": "preference instruction rule convention", "configuration": "setup configuration",
    "environment": "environment setup", "event": "event news", "lesson": "lesson fix error failure",
}  # fmt: skip


_SERVICE_WORDS = {
    "api": "api backend server", "django": "django dev server backend", "dev server": "dev server frontend",
    "postgres": "postgres database db", "redis": "redis cache", "staging": "staging", "production": "production prod",
}  # fmt: skip
# The ecosystem a tool belongs to: "python linter", "js package manager" find the fact about ruff, pnpm.
_ECOSYSTEM = {
    "python": ("ruff", "flake8", "pylint", "black", "mypy", "pyright", "pytest", "tox", "nox", "uv", "poetry", "pip",
               "pipenv", "pdm", "hatch", "conda", "alembic", "django", "celery", "uvicorn", "gunicorn", "isort"),
    "javascript typescript node js": ("npm", "pnpm", "yarn", "bun", "eslint", "prettier", "jest", "vitest", "tsc",
                                      "vite", "webpack", "playwright", "cypress", "biome", "next"),
}  # fmt: skip


def keywords(subject: str | None, category: str, value: str | None = None) -> str:
    """What is indexed with a fact's text: its category's and its subject's words, and the ecosystem of the tool
    it names."""
    words = [_CATEGORY_WORDS.get(category, category)]
    if subject:
        kind, _, what = subject.partition(":")
        words.append(_KIND_WORDS.get(kind, kind))
        what, _, scope = what.partition("@")
        words.append(_ROLE_WORDS.get(what) or _SERVICE_WORDS.get(what) or what.replace("-", " "))
        words.append(scope)
        named = set(re.findall(r"[a-z][\w.-]*", f"{what} {value or ''}".lower()))
        words += [ecosystem for ecosystem, tools in _ECOSYSTEM.items() if named & set(tools)]
        if value and re.match(r"(?:s3|gs|gcs|az|azure|abfss?)://", value):
            words.append("bucket")  # an object store's address: "which bucket" finds it
    return " ".join(w for w in words if w)
