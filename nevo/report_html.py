"""The report page: one self-contained HTML file drawn from :func:`nevo.report_page.gather`'s numbers.

Inline SVG and CSS only: no script, no font, no image, no request of any kind (a Content-Security-Policy
says so to the browser too), so the page opens anywhere, offline, and is safe to pass around. Everything
that came from a session (commands, errors, rule titles, memory) is HTML-escaped: tool output is data.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

COLORS = {
    "new": "#d1495b",
    "repeated": "#edae49",
    "prevented": "#00798c",
    "made": "#1d2433",
    "aside": "#8d99ae",
    "cost": "#30638e",
    "tokens": "#66a182",
    "cap": "#d1495b",
    "grid": "#eef0f3",
    "track": "#c9d1dc",
}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;margin:0;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 8px}h3{font-size:14px;margin:14px 0 4px}
.sub{color:#5c667a;margin:0 0 12px}
section{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:16px 18px;margin:14px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:10px 0}
.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:22px}.card span{color:#5c667a;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{color:#5c667a;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;background:#f1f3f6;padding:1px 4px;border-radius:4px;
word-break:break-all}
.bar{background:#e9edf2;border-radius:3px;height:10px;min-width:60px}
.bar i{display:block;height:10px;border-radius:3px;background:#d1495b}
.legend{font-size:12px;color:#5c667a;margin:4px 0}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;border-radius:2px}
.ok{color:#2b7a3d}.bad{color:#b3261e}.muted{color:#8d99ae}
pre{white-space:pre-wrap;background:#f6f7f9;border-radius:6px;padding:8px 10px;font-size:12px;margin:6px 0}
svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#5c667a}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def render(data: dict[str, Any]) -> str:
    totals, period = data["totals"], data["period"]
    heading = (
        f'<p class="sub">{escape(data["workspace"])} &middot; {escape(period["from"])} to {escape(period["to"])} '
        f"({data['days']} days) &middot; written {escape(data['generated_at'])} by <code>nevo report</code></p>"
    )
    cards = _cards(
        [
            (totals["failures"], "failed tool calls"),
            (totals["new"], "opened a new incident"),
            (totals["prevented"], "prevented by a guard"),
            (totals["rules_active"], f"active rules ({totals['rules_with_guard']} with a guard)"),
            (totals["recurrences"], "recurrences after a rule"),
            (f"${totals['cost_usd']:.2f}", f"LLM cost ({totals['llm_calls']} calls)"),
        ]
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>nevo report: {escape(data['workspace'])}</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>What your agent learned</h1>",
        heading,
        cards,
        _failures_section(data),
        _incidents_section(data),
        _rules_section(data),
        _memory_section(data["memory"]),
        _llm_section(data["llm"]),
        _nightly_section(data["nightly"]),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


# -- small pieces --------------------------------------------------------------------------------------------


def _cards(items: list[tuple[Any, str]]) -> str:
    cells = "".join(
        f'<div class="card"><b>{escape(str(v))}</b><span>{escape(label)}</span></div>' for v, label in items
    )
    return f'<div class="cards">{cells}</div>'


def _legend(items: list[tuple[str, str]]) -> str:
    return '<div class="legend">' + "".join(f'<i style="background:{c}"></i>{escape(t)}' for t, c in items) + "</div>"


def _section(title: str, body: str, note: str = "") -> str:
    """``note`` is plain text (escaped here)."""
    note_html = f'<p class="sub">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(title)}</h2>{note_html}{body}</section>"


def _table(head: list[str], rows: list[list[str]], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    """Cells are HTML already (escape what is data before); columns in ``numeric`` are right-aligned."""

    def cls(index: int) -> str:
        return ' class="num"' if index in numeric else ""

    header = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{header}</tr>{body}</table>"


def _bar(share: float, color: str | None = None) -> str:
    style = f"width:{min(max(share, 0.0), 100.0):.0f}%" + (f";background:{color}" if color else "")
    return f'<div class="bar"><i style="{style}"></i></div>'


def _el(tag: str, tip: str | None = None, text: str | None = None, **attrs: Any) -> str:
    """One SVG element; attribute names with ``_`` become ``-``; ``tip`` is the hover title."""
    rendered = " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    inner = (f"<title>{escape(tip)}</title>" if tip else "") + (escape(text) if text is not None else "")
    return f"<{tag} {rendered}>{inner}</{tag}>" if inner else f"<{tag} {rendered}/>"


def _svg(width: int, height: int, elements: list[str]) -> str:
    head = f'<svg viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    return head + "".join(elements) + "</svg>"


# -- charts --------------------------------------------------------------------------------------------------


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (1 when it is 0)."""
    if value <= 0:
        return 1.0
    step = 1e-3
    while True:
        for factor in (1, 2, 2.5, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def _number(value: float, money: bool = False) -> str:
    if money:
        return f"${value:.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"
    return f"{value:,.0f}" if value >= 10 or float(value).is_integer() else f"{value:.1f}"


def _tick(value: float, money: bool) -> str:
    """An axis label, short enough for the margin: 2.5k, 2M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if not money and value >= size:
            return f"{value / size:g}{suffix}"
    return _number(value, money)


def bar_chart(
    rows: list[dict[str, Any]],
    keys: list[tuple[str, str, str]],
    *,
    cap: float | None = None,
    cap_label: str = "",
    money: bool = False,
    height: int = 180,
) -> str:
    """Stacked bars, one per row (a day): ``keys`` are (field, label, colour). A dashed line marks ``cap``."""
    width, left, bottom, top = 1040, 50, 24, 12
    right = width - 8
    plot_w, plot_h = right - left, height - bottom - top
    highest = max([sum(float(r[k]) for k, _, _ in keys) for r in rows] + [cap or 0.0, 0.0])
    y_max = _nice_max(highest)
    slot = plot_w / max(len(rows), 1)

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    out = []
    for tick in (0.0, y_max / 2, y_max):
        out.append(
            _el("line", x1=left, x2=right, y1=f"{y_of(tick):.1f}", y2=f"{y_of(tick):.1f}", stroke=COLORS["grid"])
        )
        out.append(_el("text", text=_tick(tick, money), x=left - 6, y=f"{y_of(tick) + 4:.1f}", text_anchor="end"))
    every = max(1, len(rows) // 8)
    for index, row in enumerate(rows):
        x, bar_w = left + index * slot + slot * 0.15, slot * 0.7
        level = 0.0
        for key, _label, color in keys:
            value = float(row[key])
            if value > 0:
                y = y_of(level + value)
                out.append(
                    _el(
                        "rect",
                        x=f"{x:.1f}",
                        y=f"{y:.1f}",
                        width=f"{bar_w:.1f}",
                        height=f"{y_of(level) - y:.1f}",
                        fill=color,
                    )
                )
                level += value
        tip = f"{row['day']}: " + ", ".join(f"{label} {_number(float(row[k]), money)}" for k, label, _ in keys)
        out.append(_el("rect", tip, x=f"{x:.1f}", y=top, width=f"{bar_w:.1f}", height=plot_h, fill="transparent"))
        if index % every == 0:
            out.append(
                _el("text", text=str(row["day"])[5:], x=f"{x + bar_w / 2:.1f}", y=height - 6, text_anchor="middle")
            )
    if cap:
        cap_y = f"{y_of(cap):.1f}"
        out.append(_el("line", x1=left, x2=right, y1=cap_y, y2=cap_y, stroke=COLORS["cap"], stroke_dasharray="6 4"))
        label_y = f"{y_of(cap) - 4:.1f}"
        out.append(
            _el("text", text=cap_label, x=right - 2, y=label_y, text_anchor="end", style=f"fill:{COLORS['cap']}")
        )
    return _svg(width, height, out)


def timeline(rules: list[dict[str, Any]], first_day: str, last_day: str) -> str:
    """One row per rule over the period: a track from when it was made, a red dot for each recurrence of its
    incidents, a teal diamond for each time its guard acted, a grey ring where it stood aside."""
    start, end = date.fromisoformat(first_day), date.fromisoformat(last_day)
    span = max((end - start).days + 1, 1)
    width, left, row_h, top = 1040, 210, 26, 8
    height, plot_w = top + row_h * len(rules) + 24, width - left - 12

    def x_of(instant: str) -> float:
        try:
            day = date.fromisoformat(instant[:10])
        except ValueError:
            return left
        fraction = ((day - start).days + _day_fraction(instant)) / span
        return left + plot_w * min(max(fraction, 0.0), 1.0)

    out = []
    for index, rule in enumerate(rules):
        y: float = top + row_h * index + row_h / 2
        title = f"{rule['id']} {rule['title']}"
        short = title if len(title) <= 32 else title[:31] + "\u2026"
        faded = "" if rule["status"] == "active" else "fill:#b0b8c6"
        out.append(_el("text", title, short, x=4, y=f"{y + 4:.1f}", style=faded))
        begin = x_of(rule["created"]) if rule["created"] else left
        out.append(_el("line", x1=f"{begin:.1f}", x2=left + plot_w, y1=y, y2=y, stroke=COLORS["track"], stroke_width=3))
        out.append(
            _el("circle", f"{rule['id']} made {rule['created']}", cx=f"{begin:.1f}", cy=y, r=3, fill=COLORS["made"])
        )
        for at in rule["stood_aside"]:
            ring = COLORS["aside"]
            out.append(
                _el(
                    "circle",
                    f"stood aside {at}",
                    cx=f"{x_of(at):.1f}",
                    cy=y,
                    r=5,
                    fill="none",
                    stroke=ring,
                    stroke_width=2,
                )
            )
        for at in rule["guard_hits"]:
            cx = x_of(at)
            points = f"{cx:.1f},{y - 6} {cx + 6:.1f},{y} {cx:.1f},{y + 6} {cx - 6:.1f},{y}"
            out.append(_el("polygon", f"guard acted {at}", points=points, fill=COLORS["prevented"]))
        for at in rule["recurrences"]:
            out.append(_el("circle", f"recurred {at}", cx=f"{x_of(at):.1f}", cy=y, r=5, fill=COLORS["new"]))
    out.append(_el("text", text=first_day, x=left, y=height - 6, text_anchor="start"))
    out.append(_el("text", text=last_day, x=left + plot_w, y=height - 6, text_anchor="end"))
    return _svg(width, height, out)


def _day_fraction(instant: str) -> float:
    try:
        return (int(instant[11:13]) * 60 + int(instant[14:16])) / 1440
    except ValueError:
        return 0.5


# -- sections ------------------------------------------------------------------------------------------------


def _failures_section(data: dict[str, Any]) -> str:
    keys = [
        ("new", "new", COLORS["new"]),
        ("repeated", "repeated", COLORS["repeated"]),
        ("prevented", "prevented by a guard", COLORS["prevented"]),
    ]
    note = "Each failed tool call nevo captured, by day: the first of its kind opens an incident, the rest repeat one."
    body = _legend([(label, color) for _, label, color in keys]) + bar_chart(data["failures_per_day"], keys)
    return _section("Failures per day", body, note)


def _incidents_section(data: dict[str, Any]) -> str:
    incidents = data["top_incidents"]
    if not incidents:
        return _section("Top incidents", '<p class="muted">No incidents yet.</p>')
    most = max(i["count"] for i in incidents) or 1
    rows = []
    for i in incidents:
        what = f"{i['tool']}: {i['command']}" if i["command"] else i["tool"]
        failure = f'<code>{escape(what[:160])}</code><br><span class="muted">{escape(i["error_class"][:160])}</span>'
        status = escape(i["status"]) + (" &middot; recovered" if i["recovered"] else "")
        rule = f"<code>{escape(i['rule'])}</code>" if i["rule"] else '<span class="muted">none yet</span>'
        count = str(i["count"])
        rows.append([f"<code>{escape(i['id'])}</code>", failure, count, _bar(100 * i["count"] / most), status, rule])
    table = _table(["incident", "failure", "count", "", "status", "rule"], rows, {2})
    return _section("Top incidents", table, "Most frequent first (nevo incidents lists them all).")


def _rules_section(data: dict[str, Any]) -> str:
    rules = data["rules"]
    if not rules:
        return _section(
            "Rules over time", '<p class="muted">No rules yet: nevo analyze turns ready incidents into rules.</p>'
        )
    legend = _legend(
        [
            ("made", COLORS["made"]),
            ("its incident came back", COLORS["new"]),
            ("its guard acted", COLORS["prevented"]),
            ("its guard stood aside", COLORS["aside"]),
        ]
    )
    rows = [
        [
            f"<code>{escape(r['id'])}</code>",
            escape(r["title"]),
            escape(r["status"]),
            escape(r["enforcement"]),
            str(len(r["recurrences"])),
            str(len(r["guard_hits"])),
            str(len(r["stood_aside"])),
        ]
        for r in rules
    ]
    head = ["rule", "title", "status", "enforcement", "recurrences", "guard acted", "stood aside"]
    body = legend + timeline(rules, data["period"]["from"], data["period"]["to"]) + _table(head, rows, {4, 5, 6})
    note = "Each rule is one commit: git show reviews it, git revert undoes it (its guard goes with it)."
    return _section("Rules over time", body, note)


def _memory_section(memory: dict[str, Any]) -> str:
    cards = _cards(
        [
            (memory["sessions"], "sessions in memory"),
            (memory["facts"], "facts"),
            (memory["narratives"], "session narratives"),
            (memory["weekly"] + memory["monthly"], "weekly and monthly digests"),
            (memory["inbox"], "notes waiting in the inbox"),
        ]
    )
    categories = [[escape(name), str(n)] for name, n in sorted(memory["facts_by_category"].items())]
    facts = _table(["fact category", "facts"], categories, {1}) if categories else ""
    warm = []
    for name, info in memory["warm"].items():
        share = 100 * info["chars"] / info["budget"] if info["budget"] else 0
        lines = "\n".join(info["lines"]) or "(empty)"
        title = f"{name}: {info['chars']:,} of {info['budget']:,} characters"
        warm.append(f"<h3>{escape(title)}</h3>{_bar(share, COLORS['tokens'])}<pre>{escape(lines)}</pre>")
    note = "Warm memory is in every session's context, within its budget; the rest is searched (nevo memory search)."
    return _section("Memory", cards + facts + "".join(warm), note)


def _llm_section(llm: dict[str, Any]) -> str:
    per_day = llm["per_day"]
    cost_cap, token_cap = llm["cost_cap_usd"], llm["token_cap"]
    cost = _legend([("cost per day", COLORS["cost"]), ("daily cap", COLORS["cap"])]) + bar_chart(
        per_day,
        [("cost_usd", "cost", COLORS["cost"])],
        cap=cost_cap or None,
        cap_label=f"cap ${cost_cap:.2f}",
        money=True,
    )
    tokens = _legend([("tokens per day", COLORS["tokens"]), ("daily cap", COLORS["cap"])]) + bar_chart(
        per_day,
        [("tokens", "tokens", COLORS["tokens"])],
        cap=token_cap or None,
        cap_label=f"cap {token_cap:,} tokens",
        height=150,
    )
    agents = [
        [escape(name), str(v["calls"]), f"{v['tokens']:,}", f"${v['cost_usd']:.4f}"]
        for name, v in llm["by_agent"].items()
    ]
    table = (
        _table(["agent", "calls", "tokens", "cost"], agents, {1, 2, 3})
        if agents
        else '<p class="muted">No LLM calls in this period (the offline provider needs none).</p>'
    )
    calls, failed = sum(d["calls"] for d in per_day), sum(d["failed"] for d in per_day)
    note = f"{calls} calls ({failed} failed) in the period; calls stop for the day at either cap."
    return _section("LLM calls, tokens and cost per day", cost + tokens + table, note)


def _nightly_section(nightly: dict[str, Any]) -> str:
    runs, last = nightly["runs"], nightly["last"]
    parts = []
    if last:
        verdict = '<b class="ok">ok</b>' if last["ok"] else '<b class="bad">a step failed</b>'
        steps = [
            [
                escape(str(s["name"])),
                '<span class="ok">ok</span>' if s["ok"] else '<span class="bad">failed</span>',
                f"{escape(str(s['seconds']))} s",
                escape(str(s["error"] or "")[:300]),
            ]
            for s in last["steps"]
        ]
        parts.append(f"<p>Last run {escape(str(last['at']))}: {verdict}</p>")
        parts.append(_table(["step", "outcome", "time", "error"], steps, {2}))
    else:
        parts.append(
            '<p class="muted">No nightly run yet (nevo cron install schedules it; nevo nightly runs it now).</p>'
        )
    if runs:
        rows = [
            [
                escape(str(r["at"])),
                *(str(r[k]) for k in ("rules", "incidents_open", "recurrences", "facts", "sessions")),
                f"${float(r['cost_usd']):.2f}",
            ]
            for r in runs
        ]
        head = ["run", "rules", "open incidents", "recurrences (7 d)", "facts", "sessions", "LLM cost so far"]
        parts.append("<h3>Runs in the period</h3>" + _table(head, rows, {1, 2, 3, 4, 5, 6}))
    note = f"Schedule: {nightly['schedule']}. Each run consolidates memory and takes a fitness snapshot."
    return _section("Nightly runs", "".join(parts), note)
