"""The portal's own log lines: time, level and logger on each, written to
standard error as it is when the line comes."""

from __future__ import annotations

import io
import sys

from portal import server_log


def test_a_line_names_its_level_and_logger_and_follows_standard_error(monkeypatch):
    log = server_log.logger("daylight.test_server_log")
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    log.error("one")
    monkeypatch.setattr(sys, "stderr", second)
    log.error("two")
    assert " ERROR daylight.test_server_log one" in first.getvalue() and "two" not in first.getvalue()
    assert " ERROR daylight.test_server_log two" in second.getvalue()
    assert len(server_log.logger("daylight.test_server_log").handlers) == 1, "set up once"
