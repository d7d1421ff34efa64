"""A text progress bar on standard error: redrawn in place on a terminal,
a line per tenth elsewhere (CI logs)."""

from __future__ import annotations

import sys

WIDTH = 30


def progress_bar(step: str, done: int, total: int) -> None:
    filled = WIDTH * done // max(total, 1)
    line = f"  {step:<28} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + ("\n" if done == total else ""))
    elif done == total or done % max(1, total // 10) == 0:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()
