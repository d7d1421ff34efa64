"""The portal's plotly charts, built from plotly's graph objects.

`plotly.express` took 50–70 ms to build one bar chart, mostly validating
its arguments; the same figure from graph objects takes about 10 ms. Every
page run builds its charts again, and under the load case express was 8%
of the portal's CPU. Every label drawn — values, series names, axis and
legend titles — is escaped here (`chart_label`), so no caller can forget.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from portal.plain import chart_label


def bars(frame: pd.DataFrame, x: str, y: str, *, color: str | None = None, title: str | None = None,
         labels: dict[str, str] | None = None, height: int | None = None, horizontal: bool = False) -> go.Figure:
    """Bars of `y` over `x`, stacked by `color` (one series per value, in the
    order they first appear); with `horizontal`, `x` holds the lengths."""
    named = {column: chart_label((labels or {}).get(column, column))
             for column in (x, y, color) if column is not None}
    series = [(None, frame)] if color is None else list(frame.groupby(color, sort=False, dropna=False))
    traces = []
    for value, part in series:
        name = None if value is None else chart_label(value)
        hover = "<br>".join(([_said(named[color], name)] if name is not None else [])
                            + [_said(named[x], "%{x}"), _said(named[y], "%{y}")])
        traces.append(go.Bar(x=_labels(part[x]), y=_labels(part[y]), name=name, legendgroup=name,
                             showlegend=name is not None, orientation="h" if horizontal else "v",
                             hovertemplate=hover + "<extra></extra>"))
    figure = go.Figure(traces)
    figure.update_layout(barmode="relative", height=height, title_text=chart_label(title) if title else None,
                         legend_title_text=named.get(color), legend_tracegroupgap=0, margin_t=None if title else 60,
                         xaxis_title_text=named[x], yaxis_title_text=named[y])
    return figure


def heatmap(grid: Sequence[Sequence[float]], columns: Sequence, rows: Sequence, *, title: str, labels: dict[str, str],
            height: int | None = None, colours: str = "Oranges") -> go.Figure:
    """A grid of values, its first row on top; `labels` names "x", "y" and "color"."""
    x, y, z = (chart_label(labels.get(axis, axis)) for axis in ("x", "y", "color"))
    hover = "<br>".join((_said(x, "%{x}"), _said(y, "%{y}"), _said(z, "%{z}")))
    figure = go.Figure(go.Heatmap(z=grid, x=_labels(columns), y=_labels(rows), colorscale=colours,
                                  colorbar_title_text=z, hovertemplate=hover + "<extra></extra>"))
    figure.update_layout(height=height, title_text=chart_label(title), xaxis_title_text=x, yaxis_title_text=y,
                         yaxis_autorange="reversed")
    return figure


def _labels(values) -> list:
    """Text values escaped; numbers, dates and times as they are."""
    return [chart_label(value) if isinstance(value, str) else value for value in values]


def _said(name: str, value: str) -> str:
    """One line of a tooltip: "name: value", or the value alone when unnamed."""
    return f"{name}: {value}" if name else value
