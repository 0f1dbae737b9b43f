"""The safety patterns for skills (``nevo.safety.scan(text, context="skill")``).

A skill is documentation: it may name the system prompt, show placeholder keys, teach how hooks are
written, or quote the shortcuts it warns against. These patterns look for what the skill makes the
agent *do*, in its prose, its code blocks and its scripts:
- download-and-execute: a download piped or handed to an interpreter, a downloaded file then run,
  a script that fetches code and evaluates it;
- credential-read: reading a credential store in the home folder (ssh keys, cloud and registry
  credentials, the keychain, browser cookie stores), dumping the whole environment, the cloud
  metadata endpoint;
- disable-hooks: core.hooksPath, --no-verify, HUSKY=0, deleting git hooks, removing Claude Code's
  hooks from its settings, removing or moving the rules (CLAUDE.md, .claude/rules) or nevo;
- exfiltration: secrets or the whole tree sent over the network, uploads to drop points (webhooks,
  paste sites, raw IP addresses), a pipe into netcat, data smuggled into DNS names;
- prompt-injection: disregarding earlier instructions or the person (ignore what the user says,
  keep going when told to stop, hide what was done from them);
- skip-tests (reported; the validator makes it a warning: a skill may run a test it expects to fail).
``flow_findings`` adds what takes more than one line: a script that downloads then executes, or
reads a secret then sends it.
"""

from __future__ import annotations

import re

from nevo.safety_words import _CHECKER, DOWNLOAD_AND_EXECUTE_COMMANDS

_I = re.IGNORECASE
_IM = re.IGNORECASE | re.MULTILINE

_HOME = r"(?:~|\$HOME|\$\{HOME\}|%USERPROFILE%|/root|/home/[\w.-]+|/Users/[\w.-]+)"
# Credential stores under the home folder (a public key is not a secret).
_CRED_PATH = (
    r"\.(?:ssh/(?![\w.{}$-]*\.pub\b)[\w.{}$-]+|ssh\b(?!/)|aws/(?:credentials|config)|gnupg|netrc|git-credentials"
    r"|docker/config\.json|kube/config|npmrc|pypirc|config/gh/hosts\.ya?ml|config/gcloud|azure"
    # the whole folder (`cp -r "$HOME/.aws" ...`)
    r"|(?:aws|kube|docker)\b(?![/.-]))"
)
# The home folder in code, then a credential store as the next path part:
# Path.home() / ".docker" / "config.json", os.path.join(os.path.expanduser("~"), ".ssh", name).
_CODE_HOME = (
    r"(?:Path\.home\(\)|expanduser\(\s*[fbr]?[\"']~[\"']\s*\)|homedir\(\)|os\.environ\[\s*[\"']HOME[\"']\s*\]"
    r"|getenv\(\s*[\"']HOME[\"']\s*\))"
)
_CODE_CRED = (
    rf"{_CODE_HOME}\s*(?:/|,)\s*[fbr]?[\"']\.(?:ssh|aws|docker|kube|gnupg|netrc|npmrc|pypirc|git-credentials"
    r"|config[\"'/]\s*(?:,\s*[\"'])?(?:gh|gcloud)|azure)\b"
)
_PRIVATE_KEY_FILE = r"\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)"
# Verbs that put a file's content in front of the agent, or somewhere else.
_READ_VERB = (
    r"\b(?:cat|less|more|head|tail|bat|type|strings|base64|xxd|od|grep|awk|sed|cp|copy|open|read|print"
    r"|show|dump|paste|include|upload|send|tar|zip|scp|rsync|load)\b"
)
# Where data is dropped for someone else to pick up.
# (named in an address: `$SLACK_WEBHOOK` is the person's own notification channel)
_SINK = (
    r"(?:https?://[^\s\"'`<>)]*?(?:webhook|\bhooks\.|pastebin|paste\.ee|hastebin|transfer\.sh|file\.io|0x0\.st"
    r"|requestbin|pipedream|ngrok|interact\.sh|\boast\.|burpcollaborator)|https?://\d{1,3}(?:\.\d{1,3}){3})"
)
_SECRET_SOURCE = (
    rf"(?:(?<![\w.])\.env\b(?![\w.-])|{_HOME}/{_CRED_PATH}|{_PRIVATE_KEY_FILE}|\$\(\s*(?:env|printenv)\s*\)"
    r"|\bcredentials\b|\bsecrets?\b|\bos\.environ\b(?!\s*[\[.(]|\.get)|\bprocess\.env\b(?!\s*\.|\s*\[))"
)
_NET_SEND = r"\b(?:curl|wget|http[ie]?|nc|ncat|netcat|socat|scp|rsync|sftp|ftp)\b"
# Uploading a file (a JSON message posted to a webhook is a notification, not a file sent out).
_UPLOAD_FLAG = (
    r"(?:\s-F\s*[\"']?\w*=@|--form\s+[\"']?\w*=@|--data(?:-binary)?[=\s]\s*@|\s-d\s*@|\s-T\s|--upload-file\b)"
)
_USER = r"(?:the\s+)?(?:user|person|human|operator|developer)(?:'s|s')?"
# Commands that put a file somewhere others can read it.
_UPLOADER = (
    r"\b(?:gh\s+gist\s+create|gist\s+create|aws\s+s3\s+(?:cp|sync|mv)|gsutil\s+(?:cp|rsync)|rclone\s+(?:copy|sync)"
    r"|az\s+storage\s+blob\s+upload|gcloud\s+storage\s+cp)\b"
)
# "user input", "user-supplied data": what an application's users send, not the person at the keyboard
_NOT_THE_PERSON = (
    r"\s*(?:-|/|interface|agent|id|ids|name|names|data|inputs?|supplied|provided|controlled|generated|content"
    r"|accounts?|records?|table|sessions?|roles?|permissions?|privileges?|groups?|phrasing|wording|terms|labels?)"
)
# What hiding from the person is about: what was done, changed or sent (not which internal detail to spare them).
_DONE = (
    r"(?:\s*(?:[.;!]|$)|\s+(?:that|what|which|about|how|where|when|if|whether)\b[^.\n]{0,60}?\b(?:(?:you|we|it|this\s+skill)"
    r"\s+(?:ran|run|did|do|change|send|upload|delete|push|install|remove|write|copy|collect|share|disable)\b"
    r"|(?:ran|changed|sent|uploaded|deleted|pushed|installed|modified|removed|wrote|written|copied|collected|shared"
    r"|disabled|skipped|dropped|overwritten|overwrote)\b)"
    r"|\s+about\s+(?:the\s+|this\s+|any\s+|these\s+)?(?:changes?|commits?"
    r"|uploads?|deletions?|data|scripts?|commands?|telemetry|analytics|requests?|network|endpoints?|hooks?|rules?)\b)"
)

SKILL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "download-and-execute",
        re.compile(
            DOWNLOAD_AND_EXECUTE_COMMANDS  # and, for the prose, "download ... and run" only with its address
            + r"|\biex\b[^\n]{0,100}\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b"
            r"|\bdownloadstring\b[^\n]{0,200}\|\s*iex\b"
            # prose with the address: "download the script from https://... and run it"
            r"|\b(?:download|fetch|grab|pull|get|retrieve)\b[^.\n]{0,80}https?://[^\s)]++[^.\n]{0,80}?"
            r"\b(?:run|execute|exec|launch|start|source)\b(?![=&])"
            r"|\b(?:run|execute|launch)\b[^.\n]{0,40}\b(?:script|binary|installer|helper|program)\b[^.\n]{0,20}"
            r"\b(?:from|at)\s+https?://",
            _I,
        ),
    ),
    (
        "credential-read",
        re.compile(
            rf"{_READ_VERB}[^\n]{{0,80}}?{_HOME}/{_CRED_PATH}"
            rf"|{_HOME}/{_CRED_PATH}[^\n]{{0,40}}?(?:\||>(?!\s*/dev/null))"
            rf"|{_READ_VERB}[^\n]{{0,60}}?{_PRIVATE_KEY_FILE}"
            # in code: the path built from the home folder (f-strings too)
            rf"|expanduser\(\s*[fbr]?[\"']~/{_CRED_PATH}|Path\.home\(\)\s*/\s*[fbr]?[\"']{_CRED_PATH}|{_CODE_CRED}"
            rf"|homedir\(\)\s*,\s*[\"']{_CRED_PATH}|getenv\(\s*[\"']HOME[\"']\s*\)[^\n]{{0,40}}[\"']/?{_CRED_PATH}"
            # the whole environment
            # (a filter for one service's settings, `printenv | grep -i vercel`, is not a dump)
            r"|(?-i:(?:\bprintenv|(?:^[ \t]*|(?<!``)`|\$\(|[;&|][ \t]*|\brun[ \t]+`?)env)[ \t]*(?:$|[>;&)`'\"]"
            r"|\|(?![ \t]*(?:grep|rg)[ \t]+(?:-\w+[ \t]+)*[\"']?\w*[\"']?[ \t]*(?:$|[|`)]))"
            r"|\|[ \t]*(?:grep|rg)[^\n|]{0,40}(?i:token|secret|key|pass|auth|cred)))"
            r"|\b(?:json\.dumps|print|str|repr|yaml\.dump|pprint)\(\s*os\.environ\s*[),]"
            r"|JSON\.stringify\(\s*process\.env\s*[),]|/proc/(?:[^/\s]+|\$\([^)\n]*\))/environ\b"
            # the cloud metadata service, the keychain, browser credential stores
            r"|169\.254\.169\.254(?!/\d)|metadata\.google\.internal"
            r"|\bsecurity\s+(?:find|dump)-(?:generic-|internet-)?(?:password|keychain)|\bsecret-tool\s+lookup"
            r"|(?:chrome|chromium|firefox|brave)[^\n]{0,80}(?:cookies|login\s+data|logins\.json|key4\.db)",
            _IM,
        ),
    ),
    (
        "disable-hooks",
        re.compile(
            r"\bgit\s+(?:-c\s+core\.hookspath\s*=|config\s+(?:--(?:global|local|system|worktree)\s+)?"
            r"core\.hookspath\s+(?!--)\S)|\bset\s+`?core\.hookspath\b"
            r"|\bgit\s+(?:commit|push|merge|am|rebase|cherry-pick|revert)\b[^\n|;&]{0,400}?--no-verify(?![\w-])"
            r"|\bgit\s+commit\b[^\n|;&]{0,400}?\s-[a-zA-Z]*n[a-zA-Z]*\b|--no-verify(?![\w-])"
            r"|\bdisableAllHooks\b[\"'`]?\s*[:=]\s*true|\bset\s+`?disableAllHooks\b"
            r"|(?-i:\bHUSKY=0\b|\bHUSKY_SKIP_HOOKS=|(?<![\w-])SKIP=[\w,-])"
            r"|\b(?:rm|mv|unlink|truncate|delete|remove|rename|move|chmod\s+(?:-\w+\s+)*(?:[ugoa]*-x|0?[0-7]?[0246][0246][0246]))\b"
            r"[^\n]{0,60}?\.git/hooks"
            r"|\bnevo\s+uninstall\b|\brm\s+(?:-\w+\s+)*[^\n]{0,100}?\.nevo\b"
            # removing (not editing: a skill may add a hook) Claude Code's settings, hooks, rules
            r"|\b(?:rm|mv|move|moving|delete|deleting|remove|removing|rename|renaming|wipe|wiping|empty\s+(?:out|the)|emptying"
            r"|truncate|comment\s+out)\b[^\n]{0,60}?"
            r"(?:\.claude/rules|\bCLAUDE\.md\b|\bAGENTS\.md\b|\.cursor/rules|\.claude/hooks|\.claude/settings[\w.-]*\.json"
            r"|(?<![\w/])\.nevo\b(?!/memory/inbox\.md))"
            # dropping the hooks from the settings: "remove the PreToolUse entries", "drop the hooks block"
            r"|\b(?:drop|remove|delete|strip|comment\s+out)\s+(?:(?:the|all|every|its|their|any)\s+)*"
            r"(?:PreToolUse|PostToolUse|PostToolUseFailure|SessionStart|SessionEnd|Stop|TaskCompleted|UserPromptSubmit"
            r"|hooks?)\s+(?:block|entry|entries|section|key|array|settings)"
            r"|>\s*\S*\.claude/settings[\w.-]*\.json"
            # an order: "disable the hooks", "1. Turn off the pre-commit hooks"
            r"|(?P<order>(?:^|[.:;!?,]\s+|^\s*(?:[-*]|\d+\.)\s+|\b(?:then|first|and|just|simply)\s+)"
            r"(?:disable|turn\s+off|bypass|skip|remove|delete|uninstall|kill)\s+(?:(?:all|the|any|your|its|their)\s+)*"
            r"(?:(?:(?:git|pre-commit|pre-push|husky|nevo(?:'s)?|claude(?:\s+code)?(?:'s)?|project(?:'s)?|commit)\s+)+"
            r"(?:hooks?|guards?)|hooks|guards)\b)"
            # every hook script replaced at once: `for f in .claude/hooks/*; do printf 'exit 0' > "$f"; done`
            r"|(?:\.claude|\.git)/hooks/\*[^\n]{0,120}?(?:>\s*[\"']?\$|\b(?:cp|tee|truncate|ln\s+-s\w*)\b)",
            _IM,
        ),
    ),
    (
        "exfiltration",
        re.compile(
            rf"{_NET_SEND}[^\n]{{0,300}}?{_UPLOAD_FLAG}[^\n]{{0,300}}?{_SINK}"
            rf"|{_NET_SEND}[^\n]{{0,300}}?{_SINK}[^\n]{{0,300}}?{_UPLOAD_FLAG}"
            rf"|{_NET_SEND}[^\n]{{0,300}}?(?:-d|--data[\w-]*|-F|--form|-T|--upload-file)[\s=]*[\"']?[\w-]*=?@?"
            rf"{_SECRET_SOURCE}"
            rf"|\b(?:tar|zip|7z)\b[^\n]{{0,200}}?(?:{_HOME}/\.(?:ssh|aws|gnupg)|(?<![\w.])\.env\b)[^\n]{{0,200}}?"
            rf"(?:\||&&|;)[^\n]{{0,100}}{_NET_SEND}"
            r"|\|\s*(?:nc|ncat|netcat|socat)\s+\S+\s+\d+|\b(?:nc|ncat|netcat)\s+\S+\s+\d+\s*<"
            rf"|\b(?:cat|base64|gzip|tar\s+\S+)\s+[^\n|]{{0,40}}?{_SECRET_SOURCE}[^\n|]{{0,40}}\|\s*(?:\S+\s+)?{_NET_SEND}"
            r"|\b(?:scp|rsync)\b[^\n]{0,40}?\s(?:\.|\./|~|~/|\$HOME|/)(?:\s|$)[^\n]{0,100}?\S+@\S+:"
            r"|\b(?:dig|nslookup|host|ping)\b[^\n]{0,40}?\$\([^)\n]*\b(?:base64|xxd|cat|env|whoami|hostname)\b"
            r"|\b(?:send|upload|post|paste|copy|share|transmit|forward|exfiltrate|stream)\b[^.\n]{0,80}?"
            r"(?:`?\.env`?|credentials?|secrets?|tokens?|ssh\s+keys?|private\s+keys?|environment\s+variables|passwords?)"
            r"[^.\n]{0,80}?\b(?:to|into|in|on)\b[^.\n]{0,40}?"
            r"(?:https?://|webhook|pastebin|paste\s+site|public\s+gist|gist|chat|slack|discord|email|remote|external)"
            r"|\b(?:send|upload|post|exfiltrate|transmit|copy|stream|paste)\b[^\n]{0,80}\b(?:to|into)\b[^\n]{0,30}"
            r"(?:pastebin|webhook|transfer\.sh|requestbin|public\s+gist)"
            # a secret handed to a command that publishes or uploads files
            rf"|{_UPLOADER}[^\n]{{0,200}}?{_SECRET_SOURCE}",
            _I,
        ),
    ),
    (
        "prompt-injection",
        re.compile(
            # (not "ignore instructions embedded in the data": that is the defence against injection)
            r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,30}\b(?:previous|prior|above|earlier|all|"
            r"existing|original|older?)\b[^.\n]{0,20}\b(?:instructions?|rules?|guidelines|guidance|directives?)\b"
            r"(?!\s+(?:embedded|found|contained|hidden|inside|within|in\s+(?:the\s+|any\s+)?(?:data|files?|code|content"
            r"|output|results?|slices?|input|documents?|web|pages?|tool|issues?|comments?|pull|repo)))"
            r"|\b(?:ignore|disregard|forget|override)\b[^.\n]{0,30}?"
            r"(?:\bCLAUDE\.md|\bAGENTS\.md|\.claude/rules|\bnevo(?:'s)?\s+rules)"
            # "treat earlier guidance as obsolete", "all previous instructions are now void"
            r"|\b(?:previous|prior|above|earlier|existing|original|older?)\s+(?:\w+\s+)?"
            r"(?:instructions?|rules?|guidelines|guidance|directives?)\s+(?:(?:as|is|are|now|to|be|being|considered"
            r"|should)\s+)*(?:obsolete|void|outdated|superseded|invalid|revoked|cancell?ed|irrelevant"
            r"|no\s+longer\s+(?:appl(?:y|ies)|valid|relevant))\b"
            r"|\bforget\s+(?:everything|all|anything|what)\b[^.\n]{0,40}\b(?:told|said|instructed|above|before"
            r"|earlier|so\s+far)\b"
            # the person
            # (not "override only when the user has confirmed": a condition, the person decides)
            rf"|\b(?:ignore|disregard|override|overrule|bypass)\s+(?:(?!(?:only|when|if|unless|until|after|once)\b)\w+\s+)"
            rf"{{0,3}}?{_USER}\b(?!{_NOT_THE_PERSON})"
            rf"|\bregardless\s+of\s+(?:what\s+|whether\s+|any\s+)?{_USER}\b(?!{_NOT_THE_PERSON})"
            rf"|\beven\s+(?:if|when|though)\s+{_USER}\s+(?:objects|disagrees|refuses|protests|insists|complains"
            r"|(?:says|asks|tells\s+you|tries|wants\s+you)\s+(?:you\s+)?(?:to\s+)?(?:stop|wait|cancel|abort|not|hold))"
            rf"|\b{_USER}\b[^.\n]{{0,80}}\b(?:proceed|continue|go\s+ahead|carry\s+on|do\s+it)\s+(?:anyway|regardless)\b"
            # (not "do not tell the user *"register the URI"*", nor "... which strategy was used")
            rf"|\b(?:do\s+not|don'?t|never)\s+(?:tell|inform|notify|alert|let)\s+{_USER}(?:\s+know)?\b{_DONE}"
            rf"|\b(?:hide|conceal)\b[^.\n]{{0,40}}\bfrom\s+{_USER}"
            rf"|\bwhatever\s+{_USER}\s+(?:says?|chooses?|wants?|asks?|prefers?|decides?|picks?)\b"
            rf"|\b{_USER}\s+(?:should|must|will)\s+(?:not|never)\s+(?:find\s+out|know|notice|learn|see|be\s+told)\b"
            rf"|\b(?:do\s+not|don'?t|never)\s+(?:stop|pause)\s+(?:for|when|if)\s+{_USER}"
            r"|\b(?:do\s+not|don'?t|never)\s+follow\s+(?:the\s+user'?s?|their)\s+(?:choice|request|instructions?|wishes)"
            rf"|\bwithout\s+(?:telling|informing|notifying|alerting)\s+{_USER}"
            # (not 'never mention "Deny→Allow flip" to the user': words to avoid, quoted)
            rf"|\bnever\s+mention\b[^.\n\"“*`]{{0,60}}\b{_USER}"
            rf"|\b{_USER}\s+(?:instructions?|requests?|wishes|preferences|objections)\s+(?:do\s+not|don'?t|no\s+longer"
            r"|never)\s+(?:apply|matter|count)"
            # the person's own instructions declared void: "their CLAUDE.md ... are outdated"
            r"|(?:\bCLAUDE\.md|\bAGENTS\.md|\.claude/rules|\bproject(?:'s)?\s+rules|\b(?:what|anything|whatever|everything)"
            r"\s+(?:the\s+)?(?:they|user|person|developer)\s+(?:says?|said|asks?|asked|tells?|told|writes?|wrote))\b"
            r"[^.\n]{0,100}?\b(?:is|are)\s+(?:now\s+|all\s+)?"
            r"(?:outdated|obsolete|void|superseded|invalid|irrelevant|wrong)\b"
            r"|\bfollow\s+(?:only\s+)?this\s+skill\s+(?:alone|only|exclusively|above\s+all)\b"
            r"|\bthis\s+skill\s+(?:as|is)\s+(?:your\s+)?(?:highest|top|first)[\s-]priority\b"
            rf"|\b(?:when|if)\s+(?:what\s+)?{_USER}\s+(?:asks?|says?|wants?|requests?|instructions?)\b[^.\n]{{0,30}}"
            r"\bconflicts?\s+with\s+(?:it|this\s+skill)\b[^.\n]{0,20}\b(?:do\s+what\s+(?:the|this)\s+skill|follow\s+"
            r"(?:the|this)\s+skill)"
            # a lie: "if the user asks whether anything is sent, say no"
            rf"|\b(?:if|when)\s+{_USER}\s+asks?\b[^.\n]{{0,100}}?[,;]\s*(?:say|answer|reply|tell\s+(?:them|him|her))"
            r"\s+(?:no\b|nothing\b|that\s+(?:nothing|no\b|it\s+(?:does|did|is|was)\s*n(?:o|')t))"
            r"|\bthis\s+skill\s+(?:overrides|supersedes|takes\s+precedence\s+over)\b[^.\n]{0,40}"
            r"\b(?:user|CLAUDE\.md|instructions|rules)"
            r"|\byou\s+are\s+now\s+(?:in\s+)?(?:developer|god|admin|root|unrestricted|jailbr\w+|DAN)\b"
            r"|\bnew\s+system\s+prompt\s*:|\b(?:reveal|print|output|repeat|leak)\s+(?:your|the)\s+system\s+prompt",
            _I,
        ),
    ),
    (
        "skip-tests",
        re.compile(
            r"pytest\.mark\.(?:skip|xfail)|pytest\.(?:skip|xfail)\(|@unittest\.(?:skip|expectedFailure)"
            rf"|\b{_CHECKER}\b[^\n;]{{0,400}}?\|\|\s*(?:true\b|:(?!\S)|exit\s+0\b)",
            _I,
        ),
    ),
)

# The official installers of widely used tools, at the address their own documentation gives: a skill that
# installs uv, rustup or Claude Code the way their vendors say is reported (a warning), not refused. Hosts where
# anyone can publish (raw.githubusercontent.com, github.com releases) are listed only for the projects named.
VENDOR_INSTALLER = re.compile(
    r"^https://(?:astral\.sh/(?:uv|ruff)/(?:[\d.]+/)?install\.(?:sh|ps1)|sh\.rustup\.rs/?|(?:www\.)?rustup\.rs/?"
    r"|bun\.sh/install(?:\.ps1)?|deno\.land/install\.(?:sh|ps1)|get\.docker\.com/?|claude\.ai/install\.(?:sh|ps1|cmd)"
    r"|install\.python-poetry\.org/?|get\.pnpm\.io/install\.(?:sh|ps1)|get\.sdkman\.io/?|pixi\.sh/install\.(?:sh|ps1)"
    r"|community\.chocolatey\.org/install\.ps1|get\.helm\.sh/?|fnm\.vercel\.app/install"
    r"|raw\.githubusercontent\.com/(?:Homebrew/install|nvm-sh/nvm)/[\w./-]+)$"
)
_URL = re.compile(r"https?://[^\s\"'`)|;]+")
# `curl | bash` named in prose (a heading, a list of risks): nothing to download, nothing to run.
_BARE_PIPE = re.compile(r"^\W*(?:curl|wget)\s*\|", _I)


_CONTAINER_FENCE = re.compile(r"^\s*(?:```|~~~)\s*(?:dockerfile|containerfile|docker)\b", _I | re.MULTILINE)
_ANY_FENCE = re.compile(r"^\s*(?:```|~~~)", re.MULTILINE)


def in_container_build(text: str, start: int) -> bool:
    """Is the command at ``start`` a step of a container build (a Dockerfile `RUN`, in a Dockerfile block)?
    It runs in the image being built, away from the person's home folder and credentials."""
    line_start = text.rfind("\n", 0, start) + 1
    if re.match(r"\s*RUN\s", text[line_start:]):
        return True
    fences = list(_ANY_FENCE.finditer(text, 0, line_start))
    return len(fences) % 2 == 1 and _CONTAINER_FENCE.match(text, fences[-1].start()) is not None


def installer_kind(command: str) -> str | None:
    """For a download-and-execute match: "vendor-installer" when every address in it is a vendor's own
    installer, "mention" when it names no address and fetches nothing (`curl | bash`), else None."""
    urls = [url.rstrip(".,'\")") for url in _URL.findall(command)]
    if urls and all(VENDOR_INSTALLER.match(url) for url in urls):
        return "vendor-installer"
    if not urls and _BARE_PIPE.match(command):
        return "mention"
    return None


# A supporting document whose subject is attacks (its title or file name says so): what it shows are
# examples to recognise. Scripts and SKILL.md itself are never read this way.
SECURITY_SUBJECT = re.compile(
    r"\b(?:attacks?|malicious|malware|exploit\w*|vulnerab\w*|dangerous|insecure|exfiltrat\w*|threats?"
    r"|injection|security|ssrf|xss|csrf|forgery|sharp[\s_-]edges|supply[\s_-]chain|red[\s_-]team\w*|pentest\w*)\b",
    _I,
)


# What governs a match when it precedes it on the line: the skill names the thing to find or refuse,
# it does not order it ("flag any `curl | sh`", "the hook blocks `--no-verify`", "# Bad: ...").
SKILL_SENSES = re.compile(
    r"\b(?:flag(?:s|ged)?|detect(?:s|ed)?|reports?|catch(?:es)?|spot|finds?|look(?:ing)?\s+for|search(?:ing)?\s+for"
    r"|grep(?:ping)?\s+for|scan(?:ning)?\s+for|check(?:ing)?\s+for|watch(?:ing)?\s+for|warn(?:s|ing)?\s+(?:about|on|against)"
    r"|blocks?|blocked|prevents?|refuses?|refused|den(?:y|ies|ied)|forbid(?:s|den)?|prohibit(?:s|ed)?"
    r"|bad:|wrong:|insecure|dangerous|malicious|attackers?|red\s+flags?|anti-?patterns?|instead\s+of|rather\s+than"
    r"|attempts?\s+to|allow(?:s|ing))\b"
    r"|❌|🚫"
    # a purpose clause: "To remove a hook, edit ..." explains; "you need to remove ..." orders
    r"|(?:^|[.!?:]\s+|^\s*(?:[-*]|\d+\.)\s+)to\s+$|\b(?:how|in\s+order)\s+to\s+$",
    _I,
)

# A skill about attacks shows them: an unsafe command next to these words (on its line, in its paragraph, or
# in its code block and the lines that introduce it) is an example of what to find, not an order.
ATTACK_CONTEXT = re.compile(
    r"\b(?:attackers?|attack(?:s|ed)?|malicious|malware|exploit(?:s|ed|ation)?|vulnerab\w*|VULN\w*"
    r"|dangerous|insecure|steal(?:s|ing)?|stolen|theft|exfiltrat\w*|backdoor\w*|compromis\w*|evil|threats?"
    r"|injection|injected|adversar\w*|poison\w*|phishing|misaligned|red\s+flags?|ioc|yara)\b",
    _I,
)
_FENCE_LINE = re.compile(r"^\s*(?:```|~~~)", re.MULTILINE)


def context_of(text: str, start: int) -> str:
    """The text around a match that says what it is: inside a fenced block, the block and the two lines
    before its fence; elsewhere, the paragraph up to the match's line (at most five lines back)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end == -1 else line_end
    fences = [m.start() for m in _FENCE_LINE.finditer(text, 0, line_start)]
    if len(fences) % 2 == 1:  # inside a fenced block
        opening = fences[-1]
        closing = _FENCE_LINE.search(text, line_end)
        before = text.rfind("\n", 0, max(0, opening - 1))
        before = text.rfind("\n", 0, max(0, before)) + 1 if before > 0 else 0
        return text[before : closing.start() if closing else len(text)]
    lines = text[:line_end].split("\n")
    paragraph = [lines.pop()]
    while lines and lines[-1].strip() and len(paragraph) < 6:
        paragraph.insert(0, lines.pop())
    return "\n".join(paragraph)
