"""Charts drawn on the server as SVG (no JavaScript, no CDN): bars, stacked columns, lines.

Colours are SVG presentation attributes, not inline CSS, so the console's Content-Security-Policy
(style-src 'self') lets them through. Every chart carries a <title> and a text table fallback is
the page's job. All text is escaped.
"""
from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#ad494a")
FONT = 'font-family="Noto Sans CJK SC, sans-serif"'


def _fmt(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f}%" if percent else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
                  f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
                  f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def hbar(items: Sequence[tuple[str, float | None]], *, title: str, percent: bool = False,
         max_value: float | None = None, width: int = 640, bar_h: int = 18) -> Markup:
    """Horizontal bars, one per (label, value), biggest scale = max_value or the largest value."""
    label_w, pad = 180, 6
    height = pad * 2 + len(items) * (bar_h + 4) + 4
    top = max_value or max([v or 0 for _l, v in items] + [1e-9])
    body = []
    for i, (label, value) in enumerate(items):
        y = pad + i * (bar_h + 4)
        w = 0 if value is None else (width - label_w - 70) * max(0.0, value) / top
        body.append(f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end" font-size="12">'
                    f'{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[0]}"/>')
        body.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 5}" font-size="12">'
                    f'{escape(_fmt(value, percent))}</text>')
    return _svg(width, height, title, body)


def stacked_columns(labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str,
                    names: dict[str, str] | None = None, width: int = 720, height: int = 300) -> Markup:
    """One column per label, stacked by series key, with a legend."""
    names = names or {}
    left, bottom, top_pad, legend_w = 50, 40, 10, 150
    plot_w, plot_h = width - left - legend_w - 10, height - bottom - top_pad
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    peak = max(totals + [1])
    col_w = plot_w / max(1, len(labels))
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
            f'stroke="#888"/>',
            f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end" font-size="11">{peak:,}</text>',
            f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i, label in enumerate(labels):
        x = left + i * col_w + col_w * 0.1
        y = top_pad + plot_h
        for k, (key, values) in enumerate(series.items()):
            h = plot_h * values[i] / peak
            y -= h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w * 0.8:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(names.get(key, key))} '
                        f'{escape(label)}: {values[i]:,}</title></rect>')
        body.append(f'<text x="{x + col_w * 0.4:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" '
                    f'font-size="10">{escape(label[-5:])}</text>')
    _legend(body, [names.get(key, key) for key in series], x=width - legend_w, top=top_pad)
    return _svg(width, height, title, body)


def _legend(body: list[str], names: Sequence[str], *, x: float, top: float) -> None:
    """A colour key, one row per series, in palette order."""
    for k, name in enumerate(names):
        y = top + 4 + k * 16
        body.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>')
        body.append(f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name)}</text>')


def lines(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, title: str, percent: bool = True,
          width: int = 640, height: int = 220) -> Markup:
    """One polyline per series over the labels (gaps where a value is None); 0..100% when percent."""
    left, bottom, top_pad, legend_w = 44, 28, 10, 120
    plot_w, plot_h = width - left - legend_w, height - bottom - top_pad
    peak = 1.0 if percent else max([v or 0 for s in series.values() for v in s] + [1])
    step = plot_w / max(1, len(labels) - 1)
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#888"/>',
            f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" font-size="11">{_fmt(peak, percent)}</text>',
            f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i, label in enumerate(labels):
        body.append(f'<text x="{left + i * step:.1f}" y="{height - 10}" text-anchor="middle" font-size="10">'
                    f'{escape(label[-5:])}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        run: list[str] = []
        for i, v in enumerate(list(values) + [None]):
            if v is None:
                if len(run) > 1:
                    body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(run)}"/>')
                run = []
                continue
            x, y = left + i * step, top_pad + plot_h * (1 - v / peak)
            run.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(name)} '
                        f'{escape(labels[i])}: {_fmt(v, percent)}</title></circle>')
        y = top_pad + 4 + k * 16
        body.append(f'<rect x="{width - legend_w + 6}" y="{y}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{width - legend_w + 20}" y="{y + 9}" font-size="11">{escape(name)}</text>')
    return _svg(width, height, title, body)


def grouped_bars(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, title: str,
                 width: int = 720, height: int = 260) -> Markup:
    """Rates side by side per label (e.g. the three rates per district), 0..100%."""
    left, bottom, top_pad, legend_w = 40, 46, 10, 120
    plot_w, plot_h = width - left - legend_w, height - bottom - top_pad
    group_w = plot_w / max(1, len(labels))
    bar_w = group_w * 0.8 / max(1, len(series))
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#888"/>',
            f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" font-size="11">100%</text>']
    for i, label in enumerate(labels):
        for k, (name, values) in enumerate(series.items()):
            v = values[i]
            if v is None:
                continue
            h = plot_h * v
            x = left + i * group_w + group_w * 0.1 + k * bar_w
            body.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)} {escape(name)}: '
                        f'{_fmt(v, True)}</title></rect>')
        body.append(f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{top_pad + plot_h + 14}" '
                    f'text-anchor="middle" font-size="10">{escape(label)}</text>')
    _legend(body, list(series), x=width - legend_w + 6, top=top_pad)
    return _svg(width, height, title, body)


def heat_class(value: int, peak: int) -> str:
    """A CSS class heat-0 … heat-9 for a heat-table cell (classes, because inline styles are not allowed)."""
    if value <= 0 or peak <= 0:
        return "heat-0"
    return f"heat-{min(9, 1 + int(8.999 * value / peak))}"
