"""Text from telemetry, the audit log or another person, made inert before
Streamlit or plotly draws it.

Streamlit renders Markdown in `st.write`, `st.markdown`, captions, alerts
and widget labels: a link or a tracking image typed by one person would
render for another. Plotly renders a subset of HTML in legends, hover
labels, axis ticks and titles: an `<a href>` in a service-account name
became a link. Where such text can be shown with `st.text` or in a data
frame, it is; where it has to sit inside Markdown or a chart, it goes
through here first.
"""

from __future__ import annotations

import html
import re
import string

_MARKDOWN_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def literal(text: object) -> str:
    """`text` for a Markdown string, shown exactly as written: CommonMark lets
    every ASCII punctuation character be escaped, so none of it can open a
    link, an image, emphasis, code or an HTML tag."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def chart_label(text: object) -> str:
    """`text` for a plotly title or label: HTML-escaped, so that plotly shows
    the characters instead of interpreting its tags."""
    return html.escape(str(text), quote=False)
