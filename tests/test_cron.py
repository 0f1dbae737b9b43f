"""Scheduling: the crontab line (fake and real `crontab`), croniter catch-up, the systemd alternative."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nevo import cron
from nevo.errors import NevoError
from nevo.workspace import Workspace

FOREIGN = "# my jobs\nMAILTO=me@example.com\n*/5 * * * * /usr/local/bin/backup --quiet\n@reboot echo hi\n"


def fake_crontab(tmp_path: Path, initial: str | None = FOREIGN) -> tuple[tuple[str, ...], Path]:
    """A `crontab` stand-in with the real one's interface (-l, -), keeping its table in a file."""
    store = tmp_path / "crontab.txt"
    if initial is not None:
        store.write_text(initial)
    script = tmp_path / "fake-crontab"
    script.write_text(
        "#!/bin/sh\n"
        f'store="{store}"\n'
        'case "$1" in\n'
        '  -l) if [ -f "$store" ]; then cat "$store"; else echo "no crontab for $(id -un)" >&2; exit 1;'
        " fi ;;\n"
        '  -) cat >"$store" ;;\n'
        '  *) echo "usage" >&2; exit 2 ;;\n'
        "esac\n"
    )
    script.chmod(0o755)
    return (str(script),), store


def test_install_adds_one_marked_line_keeps_the_rest_and_is_idempotent(
    workspace: Workspace, tmp_path: Path
) -> None:
    crontab, store = fake_crontab(tmp_path)
    assert cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="/opt/nevo")
    text = store.read_text()
    assert text.startswith(FOREIGN)
    line = text[len(FOREIGN) :].strip()
    assert line.startswith("0 3 * * * cd ") and f"# nevo nightly {workspace.root}" in line
    assert "/opt/nevo nightly --if-due -w" in line
    assert not cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="/opt/nevo")
    assert store.read_text() == text

    assert cron.install(workspace, "30 2 * * *", crontab=crontab, nevo_command="/opt/nevo")  # a new schedule
    assert store.read_text().count("# nevo nightly") == 1 and "30 2 * * *" in store.read_text()


def test_remove_takes_out_exactly_our_line(workspace: Workspace, tmp_path: Path) -> None:
    crontab, store = fake_crontab(tmp_path)
    other = Workspace(tmp_path / "other")
    cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="nevo")
    cron.install(other, "0 4 * * *", crontab=crontab, nevo_command="nevo")
    assert cron.remove(workspace, crontab=crontab)
    text = store.read_text()
    assert (
        text.startswith(FOREIGN)
        and f"nightly {other.root}" in text
        and f"nightly {workspace.root}\n" not in text
    )
    assert not cron.remove(workspace, crontab=crontab)


def test_status_and_an_empty_crontab(workspace: Workspace, tmp_path: Path) -> None:
    crontab, store = fake_crontab(tmp_path, initial=None)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert not cron.status(workspace, now, crontab=crontab).installed
    cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="nevo")
    info = cron.status(workspace, now, crontab=crontab)
    assert info.installed and info.schedule == "0 3 * * *" and info.next_run == "2026-11-22T03:00:00+00:00"
    assert cron.remove(workspace, crontab=crontab) and store.read_text() == ""


def test_a_percent_sign_in_the_path_is_escaped_for_cron(tmp_path: Path) -> None:
    line = cron.cron_line(Workspace(tmp_path / "100%"), "0 3 * * *", "nevo")
    assert "100\\%" in line and "100%" not in line.replace("100\\%", "")


def test_missing_crontab_names_the_alternatives(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(NevoError) as raised:
        cron.install(workspace, "0 3 * * *", crontab=(str(tmp_path / "no-such-crontab"),))
    assert "no `" in raised.value.message and "crontab" in raised.value.message
    assert (
        raised.value.hint is not None
        and "nevo cron systemd" in raised.value.hint
        and "nevo daemon" in raised.value.hint
    )


def test_invalid_schedules_are_refused(workspace: Workspace, tmp_path: Path) -> None:
    crontab, store = fake_crontab(tmp_path)
    with pytest.raises(NevoError):
        cron.install(workspace, "every night", crontab=crontab)
    assert store.read_text() == FOREIGN


def test_is_due_catches_up_a_missed_run() -> None:
    utc = UTC
    last = datetime(2026, 11, 18, 3, 0, 5, tzinfo=utc)
    assert cron.is_due("0 3 * * *", None, datetime(2026, 11, 18, 12, 0, tzinfo=utc))
    assert not cron.is_due("0 3 * * *", last, datetime(2026, 11, 19, 2, 59, tzinfo=utc))
    assert cron.is_due("0 3 * * *", last, datetime(2026, 11, 19, 3, 0, tzinfo=utc))
    assert cron.is_due(
        "0 3 * * *", last, datetime(2026, 11, 21, 9, 0, tzinfo=utc)
    )  # machine was off three nights


def test_systemd_units_translate_the_schedule(workspace: Workspace) -> None:
    text = cron.systemd_units(workspace, "0 3 * * *", "/usr/bin/nevo")
    assert "OnCalendar=*-*-* 03:00:00" in text and "Persistent=true" in text
    assert f"ExecStart=/usr/bin/nevo nightly --if-due -w {workspace.root}" in text
    assert cron.on_calendar("*/15 9-17 * * 1-5") == "Mon..Fri *-*-* 9..17:0/15:00"


# -- the real `crontab` ---------------------------------------------------------------------------------
# Never the invoking user's table: as root, the real binary edits the table of `nobody` (-u), and only
# when `nobody` has none, which is removed again afterwards. The invoking user's table is compared
# before and after.


def _real_crontab_user() -> str | None:
    if shutil.which("crontab") is None or os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return None
    listed = subprocess.run(["crontab", "-u", "nobody", "-l"], capture_output=True, text=True)
    return "nobody" if listed.returncode != 0 and "no crontab" in listed.stderr.lower() else None


@pytest.mark.skipif(
    _real_crontab_user() is None,
    reason="needs the real `crontab` (apt-get install cron), root, and a user `nobody` without a crontab",
)
def test_with_the_real_crontab_binary(workspace: Workspace) -> None:
    own_before = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    crontab = ("crontab", "-u", "nobody")
    try:
        subprocess.run([*crontab, "-"], input=FOREIGN, text=True, check=True)
        assert cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="/usr/bin/nevo")
        assert not cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="/usr/bin/nevo")
        listed = subprocess.run([*crontab, "-l"], capture_output=True, text=True, check=True).stdout
        assert FOREIGN in listed and listed.count("# nevo nightly") == 1
        assert cron.status(workspace, datetime(2026, 11, 21, tzinfo=UTC), crontab=crontab).installed
        assert cron.remove(workspace, crontab=crontab)
        listed = subprocess.run([*crontab, "-l"], capture_output=True, text=True, check=True).stdout
        assert FOREIGN in listed and "nevo" not in listed
    finally:
        subprocess.run([*crontab, "-r"], capture_output=True)
    own_after = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    assert (own_after.returncode, own_after.stdout) == (own_before.returncode, own_before.stdout)


def test_a_users_line_ending_with_the_mark_is_kept(workspace: Workspace, tmp_path: Path) -> None:
    """Only the whole shape nevo writes is nevo's: a copied and modified line that kept the mark is the user's."""
    root, mark = workspace.root, f"# nevo nightly {workspace.root}"
    log = workspace.nevo_dir / "nightly.log"
    users = [
        f"0 5 * * * /home/me/bin/report {mark}",
        f"0 5 * * * cd {root} && nevo nightly --if-due -w {root} >>{log} 2>&1; mail me {mark}",
        f"0 5 * * * cd {root} && /opt/mytool nightly --if-due -w {root} >>{log} 2>&1 {mark}",
        f"0 5 * * * cd {root} && nevo nightly -w {root} >>{log} 2>&1 {mark}",
    ]
    crontab, store = fake_crontab(tmp_path, FOREIGN + "\n".join(users) + "\n")
    assert cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command="/opt/nevo")
    text = store.read_text()
    assert text.startswith(FOREIGN + "\n".join(users) + "\n")
    assert text.count("/opt/nevo nightly --if-due") == 1
    assert cron.status(workspace, datetime(2026, 11, 21, tzinfo=UTC), crontab=crontab).line == (
        cron.cron_line(workspace, "0 3 * * *", "/opt/nevo")
    )
    assert cron.remove(workspace, crontab=crontab)
    assert store.read_text() == FOREIGN + "\n".join(users) + "\n"


@pytest.mark.parametrize("command", [None, "/opt/nevo", "'/my tools/nevo'", "nevo"])
@pytest.mark.parametrize("folder", ["project", "with space", "50%done", "it's"])
def test_every_line_nevo_writes_is_recognised_and_replaced(tmp_path: Path, command: str | None, folder: str) -> None:
    workspace = Workspace(tmp_path / folder)
    crontab, store = fake_crontab(tmp_path)
    assert cron.install(workspace, "0 3 * * *", crontab=crontab, nevo_command=command)
    assert cron.install(workspace, "15 4 * * 1", crontab=crontab, nevo_command="/usr/bin/nevo")
    text = store.read_text()
    assert text.startswith(FOREIGN) and text.count(" nightly --if-due ") == 1 and "15 4 * * 1" in text
    assert cron.remove(workspace, crontab=crontab) and store.read_text() == FOREIGN
