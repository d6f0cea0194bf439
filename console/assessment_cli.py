"""CLI of the assessment: `flask --app app kpis` prints the monthly ranking; `demo-data` fills a database."""
from __future__ import annotations

import csv
import io
import json
import time
import unicodedata
from datetime import datetime, timezone

import click
from flask import Flask

from hotline.assessment import demo_data, kpis, whistle_figures
from hotline.store.db import utcnow
from webapp import services_of

COLUMNS = ("rank", "unit_code", "unit_name", "score", "response_rate", "resolution_rate", "satisfaction_rate",
           "due", "responded", "open_overdue", "evaluated", "solved", "rated", "satisfied", "basically")


def _as_of(value: str | None) -> datetime:
    if not value:
        return utcnow()  # the entrypoint reads the clock
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}" if value > 1.0001 else f"{100 * value:.1f}%"
    return str(value)


def render_table(rows: list[dict]) -> str:
    """A fixed-width table; CJK characters count double so columns line up in a terminal."""
    headers = ["#", "code", "unit", "score", "response", "resolution", "satisfaction", "due", "responded",
               "open-overdue", "evaluated", "solved", "rated", "satisfied", "basically"]
    cells = [[_cell(r[c]) if c != "score" else ("—" if r[c] is None else f"{r[c]:.2f}") for c in COLUMNS]
             for r in rows]
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h + " " * (w - _width(h)) for h, w in zip(headers, widths))]
    for row in cells:
        lines.append("  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths)))
    return "\n".join(lines)


def _plain_table(rows: list[dict]) -> str:
    if not rows:
        return "(none)"
    headers = list(rows[0])
    cells = [[_cell(r[h]) if isinstance(r[h], float) or r[h] is None else str(r[h]) for h in headers] for r in rows]
    widths = [max([_width(h)] + [_width(c[i]) for c in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h + " " * (w - _width(h)) for h, w in zip(headers, widths))]
    lines += ["  ".join(v + " " * (w - _width(v)) for v, w in zip(c, widths)) for c in cells]
    return "\n".join(lines)


def _print_whistles(svc, *, month: str, fmt: str, now: datetime) -> None:
    """吹哨报到 of the month, as a table, CSV (departments then townships) or JSON."""
    cfg = svc.config.assessment
    with svc.session() as s:
        depts = [d.as_dict() for d in whistle_figures.department_whistles(s, month=month, config=cfg, as_of=now)]
        towns = [t.as_dict() for t in whistle_figures.township_whistles(s, month=month, config=cfg, as_of=now)]
    if fmt == "json":
        click.echo(json.dumps({"month": month, "as_of": now.isoformat(), "departments": depts, "townships": towns},
                              ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        for rows in (depts, towns):
            if rows:
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
                click.echo(out.getvalue(), nl=False)
        return
    click.echo(f"吹哨报到 for {month} (as of {now:%Y-%m-%d %H:%M} UTC): summoned departments")
    click.echo(_plain_table(depts))
    click.echo("whistles blown by townships")
    click.echo(_plain_table(towns))


def register(app: Flask) -> None:
    """Add the assessment commands to the app's CLI."""

    @app.cli.command("kpis")
    @click.option("--month", help="Local month YYYY-MM (default: last month in the assessment time zone).")
    @click.option("--unit-type", type=click.Choice(kpis.UNIT_TYPES), default="township", show_default=True)
    @click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table", show_default=True)
    @click.option("--as-of", help="Count as if it were this UTC moment (ISO 8601); default now.")
    @click.option("--whistles", is_flag=True, help="吹哨报到 instead: per department 报到率, per township outcomes.")
    def kpis_command(month, unit_type, fmt, as_of, whistles):
        """Print the month's three rates, score and rank for every unit of a type."""
        svc = services_of(app)
        cfg = svc.config.assessment
        now = _as_of(as_of)
        month = month or kpis.add_months(kpis.month_of(now, cfg.timezone), -1)
        try:
            kpis.parse_month(month)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from None
        if whistles:
            _print_whistles(svc, month=month, fmt=fmt, now=now)
            return
        with svc.session() as s:
            rows = [r.as_dict() for r in kpis.ranking(s, month=month, unit_type=unit_type, config=cfg, as_of=now)]
        if fmt == "json":
            click.echo(json.dumps({"month": month, "unit_type": unit_type, "as_of": now.isoformat(),
                                   "weights": dict(cfg.weights), "units": rows}, ensure_ascii=False, indent=1))
        elif fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()) if rows else list(COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
            click.echo(out.getvalue(), nl=False)
        else:
            click.echo(f"{unit_type} ranking for {month} (as of {now:%Y-%m-%d %H:%M} UTC; "
                       f"weights {', '.join(f'{k} {v:g}' for k, v in cfg.weights.items())})")
            click.echo(render_table(rows))

    @app.cli.command("demo-data")
    @click.option("--tickets", type=click.IntRange(0), default=10_000, show_default=True)
    @click.option("--months", type=click.IntRange(1, 60), default=12, show_default=True)
    @click.option("--seed", type=int, default=12345, show_default=True)
    @click.option("--end", help="Last moment of the data (UTC ISO 8601); default now.")
    def demo_data_command(tickets, months, seed, end):
        """Fill the database with realistic demo tickets, clocks, events and follow-up answers."""
        svc = services_of(app)
        t0 = time.perf_counter()

        def progress(done: int) -> None:
            if done % 100_000 == 0 or done == tickets:
                click.echo(f"  {done:,} tickets written ({time.perf_counter() - t0:.0f} s)")

        report = demo_data.generate(svc.session, svc.core, tickets=tickets, months=months, end=_as_of(end),
                                    seed=seed, progress=progress)
        click.echo(f"wrote {report.tickets:,} tickets, {report.deadlines:,} clocks, {report.events:,} events and "
                   f"{report.citizens:,} citizens from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} "
                   f"in {time.perf_counter() - t0:.1f} s")
