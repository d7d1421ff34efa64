"""The portal's own log lines on standard error, each with its time, level
and logger: without this, Python prints a bare message for a warning or an
error and an operator cannot tell one from the other (nor a load test
count them). Streamlit keeps its own loggers."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _StandardError(logging.StreamHandler):
    """Writes to standard error as it is when a record comes: a background
    thread may log after a test has swapped the stream it started with."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        """The stream is always the current standard error."""


def logger(name: str, level: int | None = None, propagate: bool = True) -> logging.Logger:
    """`name`'s logger writing to standard error, set up once; without a
    `level` it keeps the root's (warnings, unless a test asks for more).
    Its records still reach the root logger's handlers, if any (a test's)."""
    found = logging.getLogger(name)
    if level is not None:
        found.setLevel(level)
    found.propagate = propagate
    if not any(isinstance(h, _StandardError) for h in found.handlers):
        handler = _StandardError()
        handler.setFormatter(logging.Formatter(FORMAT))
        found.addHandler(handler)
    return found


def configure() -> None:
    """Daylight's modules warn and err through these."""
    for name in ("daylight", "queries", "auth", "settings"):
        logger(name)
