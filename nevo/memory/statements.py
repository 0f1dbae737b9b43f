"""Which sentences state something durable: the user's instructions, preferences, constraints and conventions,
statements of how the project is set up, events with a date, and the agent's stated decisions.

Deterministic, from the shape of the sentence, not from a list of known sentences: a durable statement
says always / never / before any push / from now on / we use / our convention / I prefer / no X in Y, a
task says "fix this" or asks a question. Pasted code and logs are left out line by line, so a prose line
that mentions code (``No print() in library code``) is still read.
"""

from __future__ import annotations

import re
from functools import lru_cache

# -- sentences --------------------------------------------------------------------------------------

MAX_SCAN_CHARS = 6000  # statements come first in a prompt; what follows a long paste is rarely one
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_SPLIT = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bcf\.)(?<=[.!?])\s+(?=[A-Za-z`\"'(])|\n+")
# A sentence typed without its full stop ("...on the dashboard Keep commits small"): a capitalised word that
# opens statements, right after a lowercase word, starts a new one.
_RUN_ON = re.compile(
    r"(?<=[a-z0-9)`])\s+(?=(?:Always|Never|Please|Don'?t|Do not|We|I(?=['\s])|Keep|Use|Run|Make|Remember|Note|Also|"
    r"From|Before|After|Avoid|No|Only|Our|The|This|Heads|FYI|Btw)\b)"
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_CODE_START = re.compile(
    r"^\s*(?:def|class|import|from\s+\S+\s+import|return|const|let|var|function|fn|pub|async\s+def|"
    r"#include|package|func|if\s*\(|for\s*\(|while\s*\(|export|@\w+|SELECT\s|INSERT\s|UPDATE\s+\w+\s+SET)\b"
)
_PROMPT_OR_LOG = re.compile(
    r"^\s*(?:\$\s|>>>\s|\.\.\.\s|>\s|#\s|\d{4}-\d{2}-\d{2}[T ]\d{2}:|\[\d{2}:\d{2}|Traceback|File \"|\s*at\s+\S+\(|"
    r"E\s{2,}|FAILED\s|PASSED\s|ERROR[:\s]|WARN(?:ING)?[:\s]|INFO[:\s]|DEBUG[:\s]|\w+Error:|npm ERR!|error\[)"
)
_SYMBOLS = re.compile(r"[{}\[\]();=<>$|&*\\]")
_OPENERS = re.compile(
    r"^(?:(?:ok(?:ay)?|also|and|oh|btw|by the way|ps|p\.s\.|one more thing|another thing|fyi|heads[- ]up|"
    r"note|nb|important|just so you know|for the record|for reference|side note|quick note)\b[\s,:!-]*)+",
    re.IGNORECASE,
)


def looks_like_code(line: str) -> bool:
    """A line of pasted code or log, not prose: code keywords at its start, a shell or REPL prompt, a log
    prefix, a line ending in a brace or semicolon, or mostly symbols. Inline code in prose is prose."""
    stripped = line.strip()
    if not stripped:
        return True
    if _CODE_START.match(stripped) or _PROMPT_OR_LOG.match(line):
        return True
    if re.search(r"[{;]\s*$|^\s*[})\]]|=>\s*\{|\)\s*:\s*$", stripped):
        return True
    prose = re.sub(r"`[^`]*`", "code", stripped)  # inline code counts as one word of prose
    words = re.findall(r"[A-Za-z]{2,}", prose)
    return len(_SYMBOLS.findall(prose)) > max(3, len(prose) // 12) or len(words) < 2


# How people type to an agent: "pls dont touch", "u should", "plz". Read as if spelled out (the fact keeps the
# person's own words).
_INFORMAL = [
    (re.compile(r"\b(do|does|did|is|are|was|were|should|would|could|must|have|has|ca|wo)nt\b", re.I), r"\1n't"),
    (re.compile(r"\b(?:pls|plz|pleeease|pleas)\b", re.I), "please"),
    (re.compile(r"\bu\b(?=\s+(?:should|must|need|can|have|always|never))", re.I), "you"),
    (re.compile(r"\b(?:thx|ty)\b", re.I), "thanks"),
]


def spelled_out(sentence: str) -> str:
    for pattern, replacement in _INFORMAL:
        sentence = pattern.sub(replacement, sentence)
    return sentence.replace("can't", "cannot").replace("won't", "will not")


def clauses(sentence: str) -> list[str]:
    """A sentence's parts that can each state something: after a preamble ("before you start: ..."), around a
    dash ("... — no % formatting"), after "but" ("small thing, but f-strings only")."""
    parts = [sentence]
    for splitter in (_PREAMBLE, _DASH, _BUT):
        parts = [piece.strip() for part in parts for piece in splitter.split(part) if piece.strip()]
    return parts if len(parts) > 1 else [sentence]


_PREAMBLE = re.compile(r"(?<=\w):\s+(?=[a-z])")
_DASH = re.compile(r"\s+[—–-]{1,2}\s+")
_BUT = re.compile(r"^(?:[\w\s]{2,40}),\s+but\s+", re.IGNORECASE)


_QUOTED_PROSE = re.compile(r"^\s*>\s?(?=[A-Za-z@]\S*(?:\s+\S+){3,})")  # four words or more: prose, not a shell's "> "


def sentences(text: str) -> list[str]:
    """The prose sentences of a message, in order; fenced blocks and code or log lines left out."""
    found: list[str] = []
    for line in _FENCE.sub("\n", text[:MAX_SCAN_CHARS]).splitlines():
        line = _QUOTED_PROSE.sub("", line)  # a message quoted in markdown ("> Reminder: ...") is prose
        if looks_like_code(line):
            continue
        for part in _SPLIT.split(_RUN_ON.sub("\n", _BULLET.sub("", line))):
            part = _OPENERS.sub("", part.strip()).strip(" -:")
            if 6 <= len(part) <= 400:
                found.append(part)
    return found


# -- what a sentence states -------------------------------------------------------------------------

_REMEMBER = re.compile(
    r"^(?:please\s+)?(?:remember|keep\s+in\s+mind|don'?t\s+forget|note|bear\s+in\s+mind|make\s+a\s+note)"
    r"(?:\s+that)?\s*[:,-]?\s+(.+)$",
    re.IGNORECASE,
)
_UNIVERSAL = re.compile(
    r"\b(?:always|never|ever|every\s*time|whenever|each\s+time|at\s+all\s+times|going\s+forward|"
    r"(?<!looked\s)(?<!searched\s)(?<!checked\s)(?<!tried\s)everywhere|"
    r"from\s+(?:now|today|here|this\s+point|this\s+week|tomorrow|monday)\s+on(?:wards?)?|starting\s+(?:now|today|tomorrow)|"
    r"in\s+(?:the\s+)?future|from\s+here\s+on|by\s+default|as\s+a\s+rule|in\s+general|without\s+exception|"
    r"under\s+no\s+circumstances?|no\s+matter\s+what|no\s+exceptions?|anymore|any\s+longer|"
    r"(?:before|after|prior\s+to|ahead\s+of|on)\s+(?:any|every|each|all)\s+\w+|"
    r"(?:before|after)\s+(?:you\s+|we\s+)?(?:push|commit|merg|open|deploy|releas|ship|tag)\w*|"
    r"(?:for|on|in|with|to|across)\s+(?:all|every|each|any)\s+\w+|when(?:ever)?\s+possible|where(?:ver)?\s+possible|"
    r"unless\s+there'?s|without\s+(?:asking|discussion|approval|a\s+review|review|tests?|exception))\b",
    re.IGNORECASE,
)
_PROHIBITION = re.compile(
    r"^(?:please\s+)?(?:don'?t|do\s+not|never|avoid|no)\s+(?!problem|worries|need|rush|luck\b)", re.I
)
_GENERIC_SCOPE = re.compile(
    r"\b(?:any|anything|anywhere|all|ever|every|everything)\b|[\w.-]+/(?:\s|$|[.,;`])|`[^`]+`|"
    r"\bin\s+(?:library|production|prod|tests?|the\s+codebase|this\s+(?:repo|project|codebase)|src|the\s+repo)\b|"
    r"\bplease\b",
    re.IGNORECASE,
)
_NORM = re.compile(
    r"\b(?:must(?:\s+not|n'?t)?|shall|should(?:\s+(?:always|never|not|only))?\s+(?!be\b)[a-z]+|"
    r"shouldn'?t\s+[a-z]+|ought\s+to|"
    r"(?:is|are)\s+(?:required|mandatory|forbidden|not\s+allowed|prohibited|off[- ]limits)|"
    r"(?:need|needs|has|have)\s+to\s+(?:always|be\s+run|pass)|only\s+ever|should\s+only)\b",
    re.IGNORECASE,
)
_CONVENTION = re.compile(
    r"\b(?:conventions?|style\s+guide|guidelines?|naming\s+scheme|conventional\s+commits|policy|"
    r"our\s+(?:rule|standard|practice|workflow|process|format|style)|"
    r"(?:is|are)\s+what\s+(?:we|i)\s+(?:use|write|do|run|want|prefer|go\s+with)\b|(?:is|are)\s+(?:legacy|banned|discouraged)\b|"
    r"(?:follow|follows|adhere\s+to|adheres\s+to|stick\s+to|comply\s+with|conform\s+to)\s+(?:our|the|a)\b)",
    re.IGNORECASE,
)
_PREFERS = re.compile(
    r"\b(?:i|we)\s+(?:really\s+|strongly\s+|much\s+)?(?:prefer|like|love|hate|dislike|don'?t\s+like|"
    r"don'?t\s+want|do\s+not\s+want|never\s+want|won'?t\s+accept|"
    r"can'?t\s+stand|'d\s+rather|would\s+rather|'d\s+prefer|would\s+prefer|expect|insist)\b|\bprefer(?:red|ably)?\b|"
    r"\bmy\s+preference\b|\bplease\s+(?:always|never|don'?t|do\s+not|keep|stop|stick|avoid|only)\b",
    re.IGNORECASE,
)
_USE_NOT = re.compile(
    r"^(?:please\s+)?(?:use|prefer|stick\s+(?:with|to)|go\s+with|pick|write|call|name)\b.+"
    r"\b(?:not|instead\s+of|rather\s+than|over|never)\b",
    re.IGNORECASE,
)
_ONLY = re.compile(
    r"^(?:please\s+)?only\s+(?:use|run|touch|edit|change|commit|push|deploy|write|call|import)\b|"
    r"^[\w.`-]+(?:\s+[\w.`-]+)?\s+only\b(?!\s+(?:if|when|once|after|for\s+now))",
    re.IGNORECASE,
)
_TEMPORARY = re.compile(
    r"\b(?:for\s+now|this\s+time|right\s+now|for\s+the\s+moment|just\s+this\s+once|temporarily|for\s+today|"
    r"in\s+this\s+(?:pr|pull\s+request|change|task|ticket|branch|session|commit|file|function|test)|"
    r"for\s+this\s+(?:task|change|bug|ticket|pr|one|fix|test|function)|yet|"
    r"for\s+(?:this|that|these|those)\b(?!\s+(?:project|repo|repository|codebase|team))|keep\s+(?:going|trying|at\s+it|on))\b",
    re.IGNORECASE,
)
_SETUP = re.compile(
    r"\b(?:we|i)\s+(?:now\s+)?(?:use|are\s+using|'re\s+using|run|host|deploy\s+(?:to|on|with)|build\s+with|"
    r"test\s+with|switched|moved|migrated|are\s+on|'re\s+on|have\s+moved|'ve\s+moved|have\s+switched|"
    r"'ve\s+switched|standardi[sz]ed\s+on|rely\s+on|ship\s+with|pin|pinned|upgraded|downgraded|bumped|changed|"
    r"set|configured|renamed|replaced|dropped|removed|retired|deprecated|deleted|added|introduced|adopted)\b|"
    r"\b(?:is|are)\s+(?:now\s+)?(?:built|written|deployed|hosted|managed|packaged|tested|run|served|configured|"
    r"kept|stored|generated)\s+(?:with|in|on|by|using|via|through|from)\b|"
    r"\b(?:goes|go|lives|live|happens|happen|belongs|belong|runs|run)\s+(?:through|in|into|under|via|on)\b|"
    r"\b(?:this|the|our)\s+(?:project|repo|repository|codebase|app|service|team|stack|monorepo|backend|frontend)"
    r"\s+(?:now\s+)?(?:uses|is\s+using|runs\s+on|is\s+on|needs|requires|targets|depends\s+on|is\s+built\s+with)\b|"
    r"\bour\s+[\w-]+(?:\s+[\w-]+)?\s+(?:is|are|lives?|runs?|sits?)\b|"
    r"\b(?:is|are|lives?|runs?|sits?)\s+(?:now\s+)?(?:at|on|in|under)\b.*\b(?:now|these\s+days)\b|"
    r"\bwe'?re\s+(?:now\s+)?(?:on|using|running)\b|\bwe'?ve\s+(?:now\s+)?(?:moved|switched|migrated|standardi[sz]ed)\b|"
    r"\b(?:is|are|runs?|uses?|lives?|'s|'re)\s+now\b|\bnow\s+(?:uses?|runs?|lives?|is|are|points?|serves?|on)\b|"
    r"\b(?:these\s+days|nowadays)\b|"
    # "mlflow moved to the shared box: ...", "the registry has migrated to ...": a named thing that moved
    r"^(?:\w+\s+){0,2}?[\w.-]+\s+(?:has\s+|have\s+|'s\s+)?(?:moved|migrated|relocated)\b(?!\s+(?:up|down|left|right)\b)|"
    # "Tests colocated with source", "Fixtures are kept under tests/data": where a kind of thing goes
    r"^[\w-]+(?:\s+[\w-]+){0,2}\s+(?:(?:is|are)\s+)?(?:co-?located|located|kept|stored|placed|grouped|organi[sz]ed|"
    r"declared|defined|named|registered|generated)\s+(?:with|in|under|as|by|next\s+to|alongside|beside|inside|via)\b|"
    # "The UI uses Vite, React and Vitest": a part of the project and what it is built with
    r"^(?:the|our)\s+[\w-]+(?:\s+[\w-]+)?\s+(?:now\s+)?(?:uses|relies\s+on|is\s+built\s+(?:with|on)|runs\s+on|"
    r"targets|depends\s+on)\s+(?=[A-Z`]|v?\d)",
    re.IGNORECASE,
)
WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
_WHEN = re.compile(
    rf"\b(?:today|tonight|yesterday|tomorrow|this\s+(?:morning|afternoon|evening|week|weekend|sprint|month)|"
    rf"next\s+(?:week|month|sprint|{WEEKDAY})|last\s+(?:night|week|month|{WEEKDAY})|{WEEKDAY}s?|"
    rf"until\s+(?:further\s+notice|the\s+\w+|\w+)|since\s+\w+|by\s+(?:eod|eow|end\s+of\s+\w+)|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}|{MONTH}|q[1-4]|(?:in|for)\s+(?:a\s+few|two|three|\d+)\s+(?:days|weeks))\b",
    re.IGNORECASE,
)
_HAPPENING = re.compile(
    r"\b(?:down|outage|broken|offline|unavailable|unreachable|flaky|released|release|cut|shipped|deployed|"
    r"freeze|frozen|migrated|migrating|rotated|rotating|expire[sd]?|deprecated|deprecating|sunset|launch(?:ed|es)?|"
    r"demo|deadline|meeting|incident|maintenance|upgraded|upgrading|rolled\s+back|rollback|scheduled|"
    r"starts?|started|ends?|ended|begins?|closes?|closed|opens?|reopens?|blocked|on\s+call|on\s+leave|away|"
    r"out\s+of\s+office|ooo|vacation|holiday|audit|review|went\s+live|goes\s+live|is\s+live|moving|moved|"
    r"renamed|retired|retiring|decommission\w*|paused|pausing|resumed|cancel+ed|goes\s+out|go(?:es)?\s+live|"
    r"ships?|lands?|due|happening|planned|postponed|delayed|moved\s+to)\b",
    re.IGNORECASE,
)
_TASK = re.compile(
    r"^(?:please\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+|let'?s\s+|go\s+ahead\s+and\s+|now\s+)?"
    r"(?:fix|add|implement|refactor|write|update|create|remove|delete|investigate|check|look|debug|make|change|"
    r"rename|move|help|find|figure|try|show|explain|review|build|set\s+up|setup|bump|run|start|open|merge|"
    r"revert|rebase|finish|continue|clean|tidy|profile|optimi[sz]e|speed|migrate|port|convert|split|extract|"
    r"document|test|deploy|ship|release|draft|prepare|wire|hook|replace|drop|cut|generate|reproduce)\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"\?\s*$|^(?:why|what|how|where|when|which|who|is|are|does|do|did|can|could|should)\b.*\?", re.I)


_CONDITION = re.compile(r"^(?:when(?:ever)?|if|for|in)\s+[^,]{3,80},\s*", re.IGNORECASE)
# A rule for a kind of situation, not a step of this task ("when you're done, run the tests"): the condition is an
# activity ("when parsing", "whenever a migration...") and an imperative follows.
_CONDITION_RULE = re.compile(
    r"^(?:when(?:ever)?|if)\s+(?:[a-z]+ing\b|(?:a|an|any|some|new)\s|(?:you\s+are\s+|you'?re\s+)?(?:asked|told|"
    r"unsure|in\s+doubt)\b)[^,:]{0,80}[,:]\s*"
    r"(?:always\s+|never\s+|don'?t\s+|do\s+not\s+|please\s+)?[a-z]+\b",
    re.IGNORECASE,
)
_SETTING = re.compile(r"^[A-Z][\w/ -]{2,40}:\s+(?:`[^`]+`|(?:\d[\w.%]*|[A-Z][\w.-]*|true|false|on|off|yes|no)\b)")
# A command listed with what it does ("`pnpm dev`: start the dev servers", "`uv sync` - install dependencies"): a
# command is a program word and its arguments (or a ./script), not a file or folder name.
_COMMAND_LISTED = re.compile(
    r"^`(?:\./[\w./-]+|[a-z][\w.+-]*\s+[^`]+)`(?:\s+or\s+`[^`]+`)?\s*(?::|\s[-–—]+)\s*[A-Za-z]"
)
_NOUN_USE = re.compile(
    r"^\S+\s+(?:v?\d|is\b|are\b|was\b|were\b|goes\b|went\b|will\b|has\b|had\b|needs\b|fails\b|looks\b)", re.IGNORECASE
)
_OBSERVATION = re.compile(
    r"^(?:it|this|that|which|they|the\s+[\w-]+(?:\s+[\w-]+)?)\s+(?:always|never|sometimes|often|still|only)\s+"
    r"(?:fails?|crash\w*|errors?|breaks?|returns?|happens?|hangs?|shows?|times?\s+out|throws?|gives?|works?|passes?|"
    r"loads?|flakes?|panics?|exits?)\b|(?:^|[,;]\s*|\b(?:and|but|so)\s+)(?:it|this|that)\s+(?:should(?:n'?t)?|must)\b|"
    # a bug report: "The login page crashes when ...", "it hangs on every second run"
    r"^(?:it|this|that|they|the\s+[\w-]+(?:\s+[\w-]+)?)\s+(?:crash(?:es|ed)|fail(?:s|ed)|breaks|broke|hangs|hung|freezes|"
    r"froze|throws|threw|errors|errored|times\s+out|timed\s+out|panics|panicked|flakes)\b|"
    r"^(?:always|never)\s+(?:on|in|at|with|for|when|after|before|the|a|an|from|during)\b|"
    r"\bshould(?:n'?t)?\s+(?:still\s+)?(?:work|be\s+fine|be\s+ok(?:ay)?|pass|compile|build|load|run\s+fine|be\s+enough)\b|"
    r"\b(?:users?|people|customers?|visitors?|members?|admins?|someone|they|swimmers?|buyers?|clients?)\s+should\b",
    re.IGNORECASE,
)


def is_task(sentence: str) -> bool:
    """A request for one piece of work ("Fix the failing test"), not a statement ("Release 2.4 goes out ...")."""
    return bool(_TASK.match(sentence)) and not _NOUN_USE.match(_TASK_PREFIX.sub("", sentence))


_TASK_PREFIX = re.compile(
    r"^(?:please\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+|let'?s\s+|go\s+ahead\s+and\s+|now\s+)", re.IGNORECASE
)


@lru_cache(maxsize=8192)
def statement_category(sentence: str) -> str | None:
    """ "preference" (an instruction, preference, constraint or convention), "configuration" (how the project
    is set up), "event" (something dated that matters for a while), or None (a task, a question, chat). A
    sentence of several clauses is what its most telling clause states."""
    sentence = spelled_out(sentence)
    parts = clauses(sentence)
    if len(parts) > 1:
        found = [_category(part) for part in parts]
        for category in ("preference", "configuration", "event"):
            if category in found:
                return category
    return _category(sentence)


def _category(sentence: str) -> str | None:
    from nevo.memory.subjects import subject_of

    remembered = _REMEMBER.match(sentence)
    if remembered:
        return statement_category(remembered.group(1)) or "configuration"
    if _QUESTION.search(sentence):
        return None
    if _CONDITION_RULE.match(sentence) and not _TEMPORARY.search(sentence):
        return "preference"  # "When parsing dates, pass the timezone explicitly."
    conditional = _CONDITION.match(sentence)
    if conditional and not _TEMPORARY.search(sentence) and _is_instruction(sentence[conditional.end() :]):
        return "preference"
    if _SETTING.match(sentence) or _COMMAND_LISTED.match(sentence):
        return "configuration"  # "Maximum line length: 100 characters", "`pnpm dev`: start the dev servers"
    temporary = bool(_TEMPORARY.search(sentence))
    task = is_task(sentence)
    if not temporary and not _OBSERVATION.search(sentence) and _is_instruction(sentence):
        return "preference"
    subject = subject_of(sentence)
    if subject is not None and subject.replaces and not temporary:
        return "preference" if task else "configuration"  # an explicit switch: "run X now, not Y"
    if _WHEN.search(sentence) and _HAPPENING.search(sentence) and not task:
        return "event"
    if temporary:
        return None
    if not task and _SETUP.search(sentence) and _names_something(sentence):
        return "configuration"
    if not task and _states_a_value(sentence):
        return "configuration"
    return None


# "v9 beats v7 everywhere", "the same bug is everywhere": a thing observed all over, not a rule for all of it.
_OBSERVED_ALL_OVER = re.compile(
    r"^(?:\S+\s+){0,2}?(?:beats?|is|are|was|were|works?|worked|fails?|failed|breaks?|broke|crash(?:es|ed)|shows?|"
    r"showed|looks?|looked|happens?|happened|wins?|won|outperforms?|improves?|improved|appears?|appeared)\b",
    re.IGNORECASE,
)


def _is_instruction(sentence: str) -> bool:
    probe = _DESCRIBED.sub(" ", sentence)
    if _OBSERVED_ALL_OVER.match(sentence):
        probe = re.sub(r"\beverywhere\b", " ", probe, flags=re.IGNORECASE)
    if _UNIVERSAL.search(probe) or _NORM.search(sentence) or _CONVENTION.search(sentence):
        return True
    if _YOU_MUST_NOT.match(sentence) or _PROCEDURE.match(sentence) or _SHOULD_BE_DONE.match(sentence):
        return True
    if _PLACED.match(sentence) and not re.match(r"(?:the|this|that|it|my)\b", sentence, re.IGNORECASE):
        return True
    if _PREFERS.search(sentence) or _USE_NOT.match(sentence) or _ONLY.match(sentence) or _WE_DONT.search(sentence):
        return True
    if _UNIVERSAL_SUBJECT.match(sentence) or _SCOPED_RULE.search(sentence) or _PRACTICE_NOT.match(sentence):
        return True
    if _PROHIBITION.match(sentence):
        # The reason given after a comma ("..., that's what the pipeline is for") is not what is prohibited.
        # "your laptop" in a prohibition is whichever laptop the agent is on, not one thing of this task.
        main = re.sub(r"\byour\b", "a", sentence.split(",")[0], flags=re.IGNORECASE)
        return bool(_GENERIC_SCOPE.search(sentence)) or not _DEFINITE.search(main)
    return _generic_imperative(sentence)


# "the suite never renders the blade": a thing described with always/never and a third-person verb.
# A kind of thing ("Gameplay code never reads the camera directly") is a convention; "the suite", "it" is one thing.
_DESCRIBED = re.compile(
    r"\b(?:the|this|that|it)\b[^,;.]{0,60}?\b(?:always|never)\s+(?!(?:pass|press|access|process|discuss|address|focus)\b)"
    r"[a-z]+[^s\W]s\b",
    re.IGNORECASE,
)
# Second-person prohibitions: "You must not ...", "you're forbidden from ...", "You do not commit secrets".
# Where a kind of thing goes, said of all of them: "Tests are co-located", "Snapshots live next to their component".
_PLACED = re.compile(
    r"^[\w-]+(?:\s+[\w-]+){0,2}\s+(?:(?:is|are)\s+)?co-?located\b|"
    r"^[\w-]+(?:\s+[\w-]+){0,2}\s+(?:live|lives|go|goes|belong|belongs)\s+(?:as|alongside|next\s+to|beside)\b",
    re.IGNORECASE,
)
_YOU_MUST_NOT = re.compile(
    r"^you\s*(?:do\s+not|don'?t|will\s+not|cannot|can\s+not|may\s+not|must\s+not|mustn'?t|shall\s+not|"
    r"are\s+not\s+(?:to|allowed|permitted)|'?re\s+not\s+(?:to|allowed|permitted)|are\s+forbidden|'?re\s+forbidden|"
    r"are\s+never|'?re\s+never|never)\b(?!\s+(?:have|need)\s+to\b)",
    re.IGNORECASE,
)
# How to do a kind of thing: "To add a new auto-mount: write a helper, ..."
_PROCEDURE = re.compile(
    r"^to\s+[a-z]+\s+(?:a|an|new|any|another)\b[^:]{0,80}:\s*[a-z]+|"
    r"^[a-z]+ing\s+(?:a|an|new|any|another)\s+[^,]{1,40}?\s+(?:requires|needs|means)\b",  # "Adding a flag requires ..."
    re.IGNORECASE,
)
# "Fetching and validation should be done fail-fast", "Commits should be squashed": a norm for a kind of thing
# (not "The ticket should be closed": that is one thing).
_SHOULD_BE_DONE = re.compile(
    r"^(?!(?:the|this|that|it|my|our|your|its)\b)[^.;]{2,80}?\b(?:should|must)\s+(?:always\s+|never\s+|only\s+)?be\s+"
    r"(?:done|[a-z]+ed|written|kept|made|run|built|put|set|held|given|taken|used|read)\b",
    re.IGNORECASE,
)
# A guideline is said of a kind of thing, a task of one thing: "Use descriptive test names", "Add comments for
# complex logic" against "Add pagination to the customer list", "ok commit it".
_DEFINITE = re.compile(
    r"\b(?:[Tt]he|[Tt]his|[Tt]hat|[Tt]hese|[Tt]hose|[Mm]y|[Yy]our|[Ii]t|[Tt]hem|[Ii]ts|[Hh]ere|[Tt]here)\b|"
    r"\b[a-z]+_[a-z_]+\b|\b[a-z]{2,}[A-Z]\w*\b|\w\(\)"  # an identifier names one thing in the code
)
_STYLE_VERB = re.compile(
    r"^(?:please\s+)?(?:use|prefer|avoid|keep|stick\s+(?:to|with)|favou?r|adopt|follow|name|prefix|suffix|"
    r"end|start|wrap|indent|branch|rebase|squash|pin|import|type|annotate|return|raise|throw|catch|log|"
    r"validate|handle|mark|leave|group|document|co-?locate|organi[sz]e|sort|order|structure|limit|expose|derive|"
    r"separate|reuse|inject|mock|sanitize|escape|memoi[sz]e)\b",
    re.IGNORECASE,
)
_WORK_VERB = re.compile(
    r"^(?:please\s+)?(?:add|write|provide|include|put|place|update|run|pass|call|check|test|comment|"
    r"declare|define|specify|set|make|create|open|regenerate|rebuild|ensure|verify|detect|request|ask|focus|"
    r"consider|install|configure|split|extract|format|lint|build|commit|push|review|clean|refresh|bump|start|stop)\b",
    re.IGNORECASE,
)
_GENERIC_MODIFIER = re.compile(
    r"\b(?:for|to|on|in|with|per|via|using|across|from)\s+(?!the\b|this\b|that\b|my\b|it\b|a\b|an\b)[a-z`]"
    r"|\bexplicitly\b|\bby\s+default\b",
    re.IGNORECASE,
)
# Said of every case of a kind of situation: a purpose said of a kind of thing, new / future / every case, a
# condition of a kind ("when possible", "after UI source changes"), a step before a kind of activity.
_RULE_SIGNAL = re.compile(
    r"\bto\s+(?:prevent|avoid|ensure|guarantee|keep|catch|stop)\s+(?!the\b|this\b|that\b|it\b|them\b)\w|"
    r"\bfor\s+(?:new|future|all|any|each|every|other)\s+\w|"
    r"\b(?:when|where|if)\s+(?:possible|needed|necessary|appropriate|applicable|configured|relevant|available)\b|"
    r"\b(?:after|whenever|when)\s+(?!the\b|this\b|that\b|it\b)[\w/ -]{2,40}\s+(?:change|changes|changed)\b|"
    r"\bbefore\s+(?:starting|running|opening|committing|pushing|merging|deploying|releasing|creating|adding|"
    r"editing|changing|writing)\b|\bonly$|\bappropriate\b",
    re.IGNORECASE,
)
# What makes an imperative about this one thing whatever else it says.
_THIS_ONE = re.compile(r"\b(?:this|that|these|those|it|them|my|here|there|again|now|for\s+now)\b", re.IGNORECASE)
_WE_DONT = re.compile(
    r"\bwe\s+(?:don'?t|do\s+not|never|no\s+longer)\s+(?:use|allow|accept|write|commit|merge|push)\b", re.I
)
_UNIVERSAL_SUBJECT = re.compile(
    r"^(?:all|every|each|no)\s+(?!of\b)[\w/-]+(?:\s+[\w/-]+){0,3}?\s+(?:is|are|must|should|has|have|goes|go|uses?|"
    r"lives?|needs?|takes?|gets?|belongs?|targets?|requires?|imports?|follows?|returns?|runs?)\b(?!.*\b(?:pass(?:es|ed)?|fail(?:s|ed)?|work(?:s|ed)?|green|broken)\b)",
    re.IGNORECASE,
)
# How the team does a kind of thing, said with what it does not do: "we report WAPE at the 14-day horizon, not
# MAPE", "we squash-merge, never rebase". A present-tense verb of practice, not an opinion or a past event, nor
# how the project is set up ("we use pnpm, not npm" is configuration: _SETUP).
_PRACTICE_NOT = re.compile(
    r"^(?:we|i)\s+(?!(?:think|thought|guess|believe|suspect|mean|meant|see|saw|get|got|need|want|have|had|should|"
    r"could|can|will|would|were|are|was|did|do|tried|found|noticed|know|knew|feel|felt|hope|might|may|ran|made|"
    r"wrote|said|asked|just|only|still|also|already|use|run|host|deploy|build|test|pin|rely|target|depend)\b)"
    r"[a-z]+(?<!ed)\b[^,;.?]{1,80}?[,;]?\s+"
    r"(?:not|never|rather\s+than|instead\s+of)\s+[\w`]",
    re.IGNORECASE,
)
_SCOPED_RULE = re.compile(
    r"\bin\s+this\s+(?:project|repo|repository|codebase|package)\s+(?:are|is|must|should|use|go|live)\b", re.IGNORECASE
)


_ONE_MORE = re.compile(r"\b(?:too|as\s+well)\W*$", re.IGNORECASE)


def _generic_imperative(sentence: str) -> bool:
    """An imperative about a kind of thing, with nothing definite in it ("Use Prettier for formatting"), or one
    said of every case of something ("Regenerate `ui/dist` after UI source changes", "Use the forbid-unsafe lint
    to prevent unsafe code"): a task names this one thing, a guideline a kind of situation."""
    body = re.sub(r"`[^`]*`", "code", sentence)  # inline code is never "the" thing the task is about
    if _ONE_MORE.search(body):
        return False  # "add school breaks for Denmark too": one more step of this task
    if (_STYLE_VERB.match(body) or _WORK_VERB.match(body)) and _RULE_SIGNAL.search(body):
        return not _THIS_ONE.search(body)
    if _DEFINITE.search(body) or re.search(r"\b[\w-]+\.(?:py|ts|tsx|js|go|rs|rb|java|md)\b", body):
        return False
    if _STYLE_VERB.match(body):
        words = body.split()
        # "branch feat/weather": a verb and the name of one thing (a ref, a path) is a task, not a guideline
        return len(words) >= 2 and not (len(words) == 2 and re.search(r"\w[/.]\w", words[1]))
    return bool(
        _WORK_VERB.match(body) and _GENERIC_MODIFIER.search(body) and not re.search(r"\b(?:a|an)\b", body, re.I)
    )


_NAME = re.compile(
    r"`[^`]+`|\b[\w-]+\.(?:ya?ml|json|toml|py|ts|tsx|js|md|cfg|ini|lock|sh|env|txt|sql|conf)\b|[\w.-]*\w/[\w./-]*|"
    r"\b\d+\.\d+|\b[a-z]+[A-Z]\w*|\b[A-Z]{2,}\b|(?<=[a-z,;:] )[A-Z][a-zA-Z]+"
)


def _names_something(sentence: str) -> bool:
    """A setup statement names a tool, a version, a file, a value: "we use pnpm", not "we use it"."""
    from nevo.memory.subjects import subject_of

    return subject_of(sentence) is not None or bool(_NAME.search(sentence))


def _states_a_value(sentence: str) -> bool:
    """ "The dev server is on 5174", "staging lives at staging-2.acme.dev": a copula and a subject's value."""
    from nevo.memory.subjects import subject_of

    subject = subject_of(sentence)
    if subject is None or not subject.key.startswith(("port:", "host:", "version:", "path:", "command:")):
        return False
    verbs = r"\b(?:is|are|lives?|runs?|sits?|serves?|listens?|points?|moved|now|uses?)\b"
    return bool(re.search(verbs, sentence, re.IGNORECASE))


# -- the agent's decisions --------------------------------------------------------------------------

_DECIDED = re.compile(
    r"^(?:decision|decided|going\s+with|opting\s+for|opted\s+for|chose|choosing|settled\s+on|"
    r"let'?s\s+go\s+with|(?:i|we)\s+went\s+with|(?:i|we)'?(?:ve|\s+have)?\s+(?:decided|chosen|opted|settled))\b|"
    r"\b(?:i|we)\s+(?:decided|chose|opted|settled|went\s+with)\b",
    re.IGNORECASE,
)
_PLAN = re.compile(
    r"\b(?:i|we)(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to|'re\s+going\s+to|\s+are\s+going\s+to)\s+"
    r"(?:use|switch|go\s+with|keep|pin|stick\s+with|adopt|move|replace|standardi[sz]e|drop|migrate|"
    r"store|put|add\s+\w+\s+as|make\s+\w+\s+the)\b",
    re.IGNORECASE,
)
_CONTRAST = re.compile(r"\b(?:instead\s+of|rather\s+than|over|not)\b", re.IGNORECASE)
_ROUTINE = re.compile(r"^(?:let\s+me|i'?ll\s+(?:run|read|check|look|open|start|try|verify|now)|now\s+i)\b", re.I)


_LOCAL = re.compile(
    r"\b(?:here|in\s+place|existing|for\s+(?:this|that)|in\s+(?:this|that)\s+(?:file|function|test|module|method|class|case)|"
    r"this\s+(?:time|one|case)|a\s+new\s+one|for\s+now)\b",
    re.IGNORECASE,
)


def is_decision(sentence: str) -> bool:
    """The agent says what it chose for the project: "I'll use httpx instead of requests", "Decided to store
    amounts as integer cents"; not a choice made for one spot ("I'll use a regex here")."""
    if _QUESTION.search(sentence) or (_ROUTINE.match(sentence) and not _CONTRAST.search(sentence)):
        return False
    if _LOCAL.search(sentence):
        return False
    if _DECIDED.search(sentence):
        return True
    return bool(_PLAN.search(sentence) and (_CONTRAST.search(sentence) or _names_something(sentence)))


def strip_remember(sentence: str) -> str:
    remembered = _REMEMBER.match(sentence)
    return remembered.group(1) if remembered else sentence
