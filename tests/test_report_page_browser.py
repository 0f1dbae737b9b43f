"""The report page in a real browser: Debian's headless Chromium opens it from disk, takes a screenshot and
logs every console message (a script error, a resource the page's Content-Security-Policy refused). The
page must draw its charts (their colours are in the screenshot's pixels) and log nothing.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from nevo.clock import fixed_clock
from nevo.report_html import COLORS, render
from nevo.report_page import gather
from nevo.workspace import Workspace
from tests.test_report_page import NOW, seeded

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium; .ci/run does)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def open_page(page: Path, tmp_path: Path, size: tuple[int, int] = (1200, 3400)) -> tuple[Path, list[str]]:
    """Screenshot and console messages of ``page`` in a fresh profile."""
    shot = tmp_path / (page.stem + ".png")
    done = subprocess.run(
        [
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            f"--window-size={size[0]},{size[1]}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert shot.is_file(), f"no screenshot ({done.returncode}): {done.stderr[-3000:]}"
    return shot, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def dom_of(page: Path, tmp_path: Path) -> str:
    done = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout


def pixels(png: Path) -> tuple[int, int, set[tuple[int, int, int]]]:
    """(width, height, the distinct RGB colours) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw, rows, previous = zlib.decompress(idat), [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 2:  # "up", most of Chromium's rows: one pass without the index arithmetic
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
            kind = 0
        for i in range(stride if kind else 0):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(line)
        previous = line
    colours = {tuple(row[i : i + 3]) for row in rows[::4] for i in range(0, stride, channels * 2)}
    return width, height, colours  # type: ignore[return-value]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_the_console_check_sees_script_errors_and_refused_requests(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!doctype html><html><head>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        '</head><body><img src="https://example.invalid/pixel.png">'
        "<script>console.error('nevo control'); notDefined();</script></body></html>"
    )
    _, console = open_page(bad, tmp_path, (400, 300))
    text = "\n".join(console)
    assert "nevo control" in text and "notDefined" in text and "Content Security Policy" in text, text


def test_the_report_opens_in_a_real_browser_draws_its_charts_and_logs_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(gather(seeded(workspace), days=14, clock=fixed_clock(NOW))))
    shot, console = open_page(page, tmp_path)
    assert console == []
    width, height, colours = pixels(shot)
    assert (width, height) == (1200, 3400)
    for name in ("new", "repeated", "prevented", "cost"):
        assert rgb(COLORS[name]) in colours, f"no {name} bar in the screenshot"
    dom = dom_of(page, tmp_path)
    assert dom.count("<svg") == 4 and "<script" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, never run
