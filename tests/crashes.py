"""A process dying in the middle of an erasure, as the crash tests stage it."""


class Crash(BaseException):
    """Stands for the process dying: nothing catches it."""


def crash_at(start: str, nth: int = 1):
    """An `on_step` that crashes at the nth step of its run whose name starts
    with `start` (`write`: a file handed to a writer; `journal written`: its
    journalling after the write; `verify`, `receipt`)."""
    seen = []

    def crash(step: str) -> None:
        if step.startswith(start):
            seen.append(step)
            if len(seen) == nth:
                raise Crash(step)
    return crash
