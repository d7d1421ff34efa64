"""Stacked bar charts as inline SVG, for pages that must work offline and
print: the works council's report.

A council report is read in a meeting, printed, forwarded as a file. An
inline SVG needs no script (plotly's added 4.9 MB to each report), prints
as drawn, and carries its own text alternative. Colours are the Okabe–Ito
palette, told apart by people with the common colour-vision deficiencies;
each series is named in a legend and on every segment's tooltip. Every
label is escaped: group names come from the grants history and the log.
"""

from __future__ import annotations

import html

import pandas as pd

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
LABEL_WIDTH, BAR_WIDTH, ROW, TOP = 280, 560, 30, 56


def stacked_bars(frame: pd.DataFrame, category: str, stack: str, value: str, title: str) -> str:
    """One horizontal bar per `category`, cut into `stack` series, from the
    rows whose `value` is released (withheld rows are not drawn)."""
    drawn = frame.dropna(subset=[value])
    drawn = drawn[drawn[value] > 0]
    if drawn.empty:
        return ""
    series = list(dict.fromkeys(drawn[stack].astype(str)))
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    totals = drawn.groupby(category, sort=False)[value].sum().sort_values(ascending=False)
    scale = BAR_WIDTH / float(totals.max())
    e = html.escape
    width, height = LABEL_WIDTH + BAR_WIDTH + 90, TOP + ROW * len(totals) + 10
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' aria-label='{e(title, quote=True)}' font-family='system-ui, sans-serif' "
             "font-size='13'>", f"<title>{e(title)}</title>",
             f"<desc>{e(title)}. The same figures are in the table that follows.</desc>",
             f"<text x='0' y='16' font-weight='600' font-size='15'>{e(title)}</text>"]
    x = 0
    for name in series:
        parts.append(f"<rect x='{x}' y='28' width='12' height='12' fill='{colour[name]}'/>"
                     f"<text x='{x + 16}' y='39'>{e(name)}</text>")
        x += 28 + 8 * len(name)
    for row, (group, total) in enumerate(totals.items()):
        y = TOP + row * ROW
        parts.append(f"<text x='{LABEL_WIDTH - 8}' y='{y + 19}' text-anchor='end'>{e(_short(str(group)))}</text>")
        left = LABEL_WIDTH
        for _, cell in drawn[drawn[category] == group].iterrows():
            span = float(cell[value]) * scale
            name = str(cell[stack])
            parts.append(f"<rect x='{left:.1f}' y='{y + 4}' width='{max(span, 1):.1f}' height='{ROW - 8}' "
                         f"fill='{colour[name]}'><title>{e(str(group))}, {e(name)}: {int(cell[value]):,}</title></rect>")
            left += span
        parts.append(f"<text x='{left + 6:.1f}' y='{y + 19}'>{int(total):,}</text>")
    return "".join(parts) + "</svg>"


def _short(label: str, most: int = 40) -> str:
    return label if len(label) <= most else label[:most - 1] + "…"
