"""The words novelty folds: number words, abbreviations and synonyms of the things rules talk about.

Why a table here and not a thesaurus package: no package on PyPI ships synonym sets that need no network at
run time (``wn`` and NLTK download WordNet when first used; Debian's WordNet 3.0 is not a pip dependency), and
general-English synonym sets are the wrong tool for rules anyway: WordNet gives "run" 41 senses and puts
"check" with bank cheques, so expanding with it makes unrelated rules look alike. Rules talk about software
work; the equivalences that matter are the profession's (folder = directory, repo = repository, delete =
remove, verify = check, timeout = time limit, allowlist = whitelist), and they are listed here, each group
folded to its first word. A hyphenated English word is read as one word (e-mail, hard-coded, built-in).
Stemming comes from a maintained library (snowballstemmer, the Snowball project's English stemmer, as used by Sphinx).
"""

from __future__ import annotations

NUMBER_WORDS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80})
NUMBER_WORDS.update({"ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12, "twice": 2})
NUMBER_WORDS.update({"single": 1, "double": 2, "triple": 3, "half": 0})

# Each line: a group of words or phrases (multi-word ones joined by "_") folded to the first.
SYNONYM_GROUPS = """
directory dir dirs folder folders
repository repo repos
environment env envs
configuration config configs cfg conf settings
database db dbs
dependency dependencies deps dep library libraries lib libs module modules
pull_request pr prs merge_request mr
continuous_integration ci pipeline pipelines
message msg msgs
command cmd cmds
argument arguments args arg parameter parameters params param
documentation docs doc
authentication auth authn login
permission permissions perms
end_to_end e2e
javascript js
typescript ts
python py
kubernetes k8s
identifier id ids
function functions func funcs fn
variable variables var vars
directly straight
remove delete rm erase drop drops removes deletes deleted removed deleting removing unlink
check verify ensure confirm validate make_sure inspect
run execute invoke launch call start trigger
create make generate
use utilize employ leverage
avoid never dont don_t no not without
before prior ahead
after once afterwards
error errors failure failures exception exceptions
small short brief concise
big large huge
fast quick
write author
pin lock
install add
test tests spec specs
update upgrade bump
image images picture pictures
container containers
log logs logging
secret secrets credential credentials password passwords token tokens key keys
comment comments
name names naming
branch branches
commit commits
file files
newer later above
email e-mail emails mail
asynchronous async nonblocking
timeout timeouts time_limit deadline
healthcheck healthchecks health_check
plaintext plain_text cleartext unencrypted
hardcode hardcoded hardcoding hard_code
allowlist allowlists whitelist whitelists allow_list
denylist denylists blocklist blocklists blacklist blacklists deny_list block_list
mock mocks mocked stub stubs stubbed fake fakes
flaky intermittent nondeterministic non_deterministic
paginate paginated pagination paging
prefer favor favour
forbid forbidden prohibit prohibited disallow disallowed ban banned
annotate annotated annotation annotations hint hints
unbounded unlimited
hash hashes sha checksum checksums
builtin builtins built_in stdlib standard_library
lint linter linters linting
format formatter formatting formatted
lockfile lockfiles lock_file lock_files
personal_data pii sensitive_data
""".strip().splitlines()

PHRASES: dict[str, str] = {
    "pull request": "pull_request",
    "merge request": "merge_request",
    "make sure": "make_sure",
    "end to end": "end_to_end",
    "end-to-end": "end_to_end",
    "don't": "dont",
    "do not": "dont",
    "must not": "dont",
    "should not": "dont",
    "or more": "at_least",
    "at least": "at_least",
    "or newer": "newer",
    "and later": "newer",
    "or later": "newer",
    "and above": "newer",
    "time limit": "time_limit",
    "health check": "health_check",
    "plain text": "plain_text",
    "hard code": "hard_code",
    "lock file": "lock_file",
    "lock files": "lock_files",
    "allow list": "allow_list",
    "deny list": "deny_list",
    "block list": "block_list",
    "built in": "built_in",
    "standard library": "standard_library",
    "personal data": "personal_data",
    "sensitive data": "sensitive_data",
    "non deterministic": "non_deterministic",
}

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "when",
        "whenever",
        "must",
        "should",
        "do",
        "does",
        "you",
        "your",
        "we",
        "our",
        "they",
        "their",
        "use",
        "using",
        "instead",
        "than",
        "then",
        "there",
        "here",
        "by",
        "as",
        "at",
        "from",
        "into",
        "so",
        "if",
        "only",
        "sure",
        "per",
        "via",
        "e.g",
        "i.e",
        "etc",
        "also",
        "just",
        "can",
        "will",
        "may",
        "need",
        "needs",
        "needed",
        "one",
        "any",
        "some",
        "that's",
        "which",
        "what",
        "who",
        "how",
        "itself",
        "themselves",
        "own",
        "has",
        "have",
        "had",
        "been",
        "being",
        "was",
        "were",
        "would",
        "could",
        "might",
        "shall",
        "new",
        "rather",
        "always",
        "every",
        "each",
        "all",
    ]
)
