"""Scheduling `nevo nightly`: the user's crontab (through the `crontab` command), a systemd timer, croniter.

The one module that imports croniter and runs `crontab`. `install` adds one line marked with
``# nevo nightly <workspace>`` (the mark is a shell comment at the end of the command, so cron runs
the line as it is), keeps every other line byte for byte, and changes nothing when the line is
already there; `remove` takes out exactly that line. A line is nevo's only when it has the whole shape
nevo writes (any schedule, any nevo command), not merely the mark: a user's line that ends with the
mark (a copied and modified nevo line) is the user's and is kept. The line runs ``nevo nightly --if-due``, so a
run missed while the machine was off is caught up by the next one. The crontab command is a
parameter: tests point it at a throwaway crontab, never at the user's.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from croniter import croniter

from nevo.errors import NevoError
from nevo.workspace import Workspace

CRONTAB: tuple[str, ...] = ("crontab",)
MARK = "# nevo nightly"
ALTERNATIVES = (
    "print a systemd timer with `nevo cron systemd` (then `systemctl --user enable --now` it), "
    "or keep `nevo daemon` running: it runs the monitor and the schedule in one process"
)


@dataclass(frozen=True)
class CronStatus:
    installed: bool
    line: str | None
    schedule: str | None
    next_run: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "installed": self.installed,
            "line": self.line,
            "schedule": self.schedule,
            "next_run": self.next_run,
        }


# -- croniter ---------------------------------------------------------------------------------------


def validate_schedule(expression: str) -> str:
    expression = " ".join(expression.split())
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise NevoError(
            f"not a cron schedule: {expression!r}", 'five fields, for example "0 3 * * *" (03:00 daily)'
        )
    return expression


def next_time(expression: str, after: datetime) -> datetime:
    moment: datetime = croniter(validate_schedule(expression), after).get_next(datetime)
    return moment


def is_due(expression: str, last_run: datetime | None, now: datetime) -> bool:
    """True when a scheduled moment has passed since ``last_run`` (or there was never a run)."""
    return last_run is None or next_time(expression, last_run) <= now


# -- crontab ----------------------------------------------------------------------------------------


def default_nevo_command() -> str:
    found = shutil.which("nevo")
    return (
        shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -c 'from nevo.cli import run; run()'"
    )


def mark_for(workspace: Workspace) -> str:
    return f"{MARK} {workspace.root}".replace("%", "\\%")  # the mark is part of the line: same escaping


def cron_line(workspace: Workspace, schedule: str, nevo_command: str | None = None) -> str:
    root = shlex.quote(str(workspace.root))
    log = shlex.quote(str(workspace.nevo_dir / "nightly.log"))
    command = f"cd {root} && {nevo_command or default_nevo_command()} nightly --if-due -w {root} >>{log} 2>&1"
    command = command.replace("%", "\\%")  # an unescaped % ends the command in a crontab line
    return f"{validate_schedule(schedule)} {command} {mark_for(workspace)}"


def _run(
    crontab: Sequence[str], args: list[str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([*crontab, *args], input=stdin, capture_output=True, text=True, timeout=30)
    except FileNotFoundError as exc:
        raise NevoError(f"there is no `{crontab[0]}` command on this machine", ALTERNATIVES) from exc


def read_crontab(crontab: Sequence[str] = CRONTAB) -> str:
    """The current crontab text ('' when there is none)."""
    done = _run(crontab, ["-l"])
    if done.returncode == 0:
        return done.stdout
    if "no crontab" in (done.stderr + done.stdout).lower():
        return ""
    raise NevoError(
        f"`{' '.join(crontab)} -l` failed ({done.returncode}): {done.stderr.strip()}", ALTERNATIVES
    )


def write_crontab(text: str, crontab: Sequence[str] = CRONTAB) -> None:
    done = _run(crontab, ["-"], stdin=text)
    if done.returncode != 0:
        raise NevoError(
            f"`{' '.join(crontab)} -` refused the new crontab ({done.returncode}): {done.stderr.strip()}",
            "nothing was changed; check the schedule in .nevo/config.yaml",
        )


# One shell word as shlex.quote writes it (bare, or quoted with '...' pieces), with crontab's \% escaping.
_WORD = r"""(?:[^\s'"]|'[^']*'|"[^"]*")+"""
# The nevo command (default_nevo_command): one word, or an interpreter running nevo's CLI. It must say
# nevo (checked in _is_ours): a user's own program in a copied line is not nevo's.
_NEVO_COMMAND = rf"(?P<command>{_WORD}(?: -c 'from nevo\.cli import run; run\(\)')?)"


def _ours_pattern(workspace: Workspace) -> re.Pattern[str]:
    """The whole line nevo writes for ``workspace`` (see cron_line), with any schedule and nevo command."""

    def quoted(text: str) -> str:
        return re.escape(shlex.quote(text).replace("%", "\\%"))

    root, log = quoted(str(workspace.root)), quoted(str(workspace.nevo_dir / "nightly.log"))
    return re.compile(
        rf"^\s*(?:\S+\s+){{5}}cd {root} && {_NEVO_COMMAND} nightly --if-due -w {root} >>{log} 2>&1 "
        rf"{re.escape(mark_for(workspace))}\s*$"
    )


def _is_ours(line: str, workspace: Workspace) -> bool:
    match = _ours_pattern(workspace).match(line)
    return match is not None and "nevo" in match["command"]


def install(
    workspace: Workspace, schedule: str, *, crontab: Sequence[str] = CRONTAB, nevo_command: str | None = None
) -> bool:
    """Add (or update) this workspace's line; True when the crontab changed."""
    wanted = cron_line(workspace, schedule, nevo_command)
    current = read_crontab(crontab)
    lines = current.splitlines()
    ours = [line for line in lines if _is_ours(line, workspace)]
    if ours == [wanted]:
        return False
    kept = [line for line in lines if not _is_ours(line, workspace)]
    write_crontab("\n".join([*kept, wanted]) + "\n", crontab)
    return True


def remove(workspace: Workspace, *, crontab: Sequence[str] = CRONTAB) -> bool:
    """Take out exactly this workspace's line; True when there was one."""
    current = read_crontab(crontab)
    lines = current.splitlines()
    kept = [line for line in lines if not _is_ours(line, workspace)]
    if len(kept) == len(lines):
        return False
    write_crontab("\n".join(kept) + "\n" if kept else "", crontab)
    return True


def status(workspace: Workspace, now: datetime, *, crontab: Sequence[str] = CRONTAB) -> CronStatus:
    ours = [line for line in read_crontab(crontab).splitlines() if _is_ours(line, workspace)]
    if not ours:
        return CronStatus(False, None, None, None)
    schedule = " ".join(ours[0].split()[:5])
    return CronStatus(True, ours[0], schedule, next_time(schedule, now).isoformat())


# -- systemd ----------------------------------------------------------------------------------------

_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _calendar_field(value: str) -> str:
    if value == "*":
        return "*"
    parts = []
    for part in value.split(","):
        if part.startswith("*/"):
            parts.append(f"0/{part[2:]}")
        else:
            parts.append(part.zfill(2) if part.isdigit() else part.replace("-", ".."))
    return ",".join(parts)


def on_calendar(schedule: str) -> str:
    """A cron expression as systemd's OnCalendar (numbers, lists, ranges and steps; not names or L/W/#)."""
    minute, hour, dom, month, dow = validate_schedule(schedule).split()
    if any(c.isalpha() for c in minute + hour + dom + month + dow):
        raise NevoError(
            f"cannot translate {schedule!r} to a systemd timer", "use numbers in schedule.nightly"
        )
    days = ""
    if dow != "*":
        names = []
        for part in dow.split(","):
            if "-" in part:
                first, last = part.split("-")
                names.append(f"{_DAYS[int(first)]}..{_DAYS[int(last)]}")
            else:
                names.append(_DAYS[int(part)])
        days = ",".join(names) + " "
    return (
        f"{days}*-{_calendar_field(month)}-{_calendar_field(dom)} "
        f"{_calendar_field(hour)}:{_calendar_field(minute)}:00"
    )


def systemd_units(workspace: Workspace, schedule: str, nevo_command: str | None = None) -> str:
    """A systemd user service + timer (as one text with both files) that runs `nevo nightly --if-due`."""
    root = str(workspace.root)
    command = f"{nevo_command or default_nevo_command()} nightly --if-due -w {shlex.quote(root)}"
    return (
        "# ~/.config/systemd/user/nevo-nightly.service\n"
        "[Unit]\nDescription=nevo nightly consolidation for " + root + "\n\n"
        "[Service]\nType=oneshot\nWorkingDirectory=" + root + "\nExecStart=" + command + "\n\n"
        "# ~/.config/systemd/user/nevo-nightly.timer\n"
        "[Unit]\nDescription=Run nevo nightly for " + root + "\n\n"
        "[Timer]\nOnCalendar=" + on_calendar(schedule) + "\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target\n\n"
        "# then: systemctl --user daemon-reload && systemctl --user enable --now nevo-nightly.timer\n"
    )
