"""How long each script run takes on the server, per page and session, as
one log line: what a load test reads to tell the portal's own time from the
browser's, and what an operator reads to see which page is slow."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from portal import server_log
from queries.backend import Backend

log = server_log.logger("daylight.portal.timing", logging.INFO, propagate=False)

SESSION_KEY = "daylight_timing_session"


def session_tag() -> str:
    """A random tag per browser session: it tells sessions apart in the log
    without naming the person."""
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = uuid.uuid4().hex[:12]
    return st.session_state[SESSION_KEY]


@dataclass
class ScriptRun:
    page: str = "(before a page was chosen)"
    backend: Backend | None = None  # its data generation at the run's end is logged: a load test sees a refresh land


@contextmanager
def script_run() -> Iterator[ScriptRun]:
    """Logs the run's seconds, from sign-in to the page's end, however it
    ends: a page that stops or reruns itself ends by an exception Streamlit
    catches. The caller names the page and the backend once known."""
    run, tag, started = ScriptRun(), session_tag(), time.perf_counter()
    try:
        yield run
    finally:
        log.info("script run page=%r session=%s generation=%s seconds=%.3f", run.page, tag,
                 run.backend.generation if run.backend else None, time.perf_counter() - started)
