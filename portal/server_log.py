"""The portal's own log lines on standard error, each with its time, level
and logger: without this, Python prints a bare message for a warning or an
error and an operator cannot tell one from the other (nor a load test
count them). Streamlit keeps its own loggers."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def logger(name: str, level: int | None = None, propagate: bool = True) -> logging.Logger:
    """`name`'s logger writing to standard error, set up once; without a
    `level` it keeps the root's (warnings, unless a test asks for more).
    Its records still reach the root logger's handlers, if any (a test's)."""
    found = logging.getLogger(name)
    if level is not None:
        found.setLevel(level)
    found.propagate = propagate
    if not any(getattr(h, "stream", None) is sys.stderr for h in found.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        found.addHandler(handler)
    return found


def configure() -> None:
    """Daylight's modules warn and err through these."""
    for name in ("daylight", "queries", "auth", "settings"):
        logger(name)
