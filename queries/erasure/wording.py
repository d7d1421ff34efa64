"""What a deletion will do and did, in words people read before they act:
the summary an irreversible step asks them to confirm, and a receipt's
verification without its JSON."""

from __future__ import annotations

from datetime import datetime, tzinfo

from queries.erasure.requests import Request, State


def counted(number: int, thing: str, things: str | None = None) -> str:
    """`1 row`, `2 rows`, `1,204 rows`."""
    return f"{number:,} {thing if number == 1 else (things or thing + 's')}"


def erasure_summary(plan_rows: list[dict]) -> str:
    """From an erasure preview (one row per table): how many rows in how
    many tables go, how many stay without the identifier, and what is kept
    and why."""
    erased = [r for r in plan_rows if not r["kept because"]]
    kept = [r for r in plan_rows if r["kept because"]]
    deleted = sum(r["rows deleted"] for r in erased)
    parts = [f"{counted(deleted, 'row')} in {counted(len(erased), 'table')} will be deleted"]
    redacted = sum(r["rows kept, identifier removed"] for r in erased)
    if redacted:
        parts.append(f"{counted(redacted, 'row')} about other people will be kept with the identifier removed")
    reasons: dict[str, list[str]] = {}
    for row in kept:
        reasons.setdefault(row["kept because"], []).append(row["table"])
    parts += [f"{', '.join(sorted(tables))} {'is' if len(tables) == 1 else 'are'} kept: {why}"
              for why, tables in sorted(reasons.items())]
    return "; ".join(parts) + "."


def verification_in_words(verification: dict) -> list[str]:
    """Each finding of an erasure's verification as a sentence; the first says whether it passed."""
    said = ["Verified: nothing about the employee was found afterwards." if verification.get("passed")
            else "Verification FAILED: traces of the employee were found afterwards."]
    said.append(f"{counted(verification.get('files_scanned', 0), 'file')} searched byte by byte for their "
                "identifiers.")
    findings = {
        "rows_left_outside_kept_tables": ("Rows about them still found in", "table", "that was to be erased",
                                          "that were to be erased"),
        "files_with_rows_still_naming_them": ("Rows naming them still found in", "rewritten file", "", ""),
        "files_with_traces_in_raw_bytes": ("Their identifiers still found in the bytes of", "file", "", ""),
        "files_with_traces_in_decoded_values": ("Their identifiers still found in the values of", "file", "", ""),
        "files_that_cannot_be_searched": ("Could not be searched:", "file", "", ""),
    }
    for key, (lead, thing, one, many) in findings.items():
        found = verification.get(key) or []
        if found:
            tail = one if len(found) == 1 else many
            said.append(f"{lead} {counted(len(found), thing)}{' ' + tail if tail else ''}.")
    return said


def _day(moment: datetime, zone: tzinfo) -> str:
    return f"{moment.astimezone(zone):%d %b %Y, %H:%M %Z}"


def request_timeline(request: Request, zone: tzinfo, me: str) -> list[tuple[str, str]]:
    """(when, what happened) for each step of the employee's request, in
    words, in their time zone; while it waits for a decision, a last line
    says so and by when."""
    said = []
    for step in request.history:
        who = "You" if step.actor_id == me else "An HR privacy officer"
        why = f" The reason given: {step.note}" if step.note else ""
        words = {
            State.SUBMITTED: "We received your request.",
            State.EXTENDED: f"{who} extended the deadline to {_day(request.deadline, zone)}.{why}",
            State.APPROVED: f"{who} approved it: everything you asked for will be deleted.",
            State.PARTIALLY_APPROVED: f"{who} approved it in part: only some tables will be deleted.{why}",
            State.DENIED: f"{who} denied it.{why}",
            State.WITHDRAWN: "You withdrew it.",
            State.EXECUTING: "The deletion started.",
            State.FAILED: "The deletion stopped before it finished; it will be resumed where it stopped.",
            State.COMPLETED: _completed(request),
        }[State(step.to_state)]
        said.append((_day(step.at, zone), words))
    if request.open:
        said.append(("now", f"An HR privacy officer is reviewing it; they must decide by "
                            f"{_day(request.deadline, zone)}."))
    return said


def _completed(request: Request) -> str:
    if not request.receipt:
        return "The deletion finished."
    verification = request.receipt["verification"]
    deleted = sum(t["rows_deleted"] for t in request.receipt["deleted"])
    done = f"Deleted {counted(deleted, 'row')} in {counted(len(request.receipt['deleted']), 'table')}"
    return done + (", and verified: nothing about you was found afterwards." if verification["passed"]
                   else ". The check afterwards still found traces of you; HR has been told and must act.")


_NEWS = {State.SUBMITTED: "was received", State.EXTENDED: "needs more time: its deadline was extended",
         State.APPROVED: "was approved", State.PARTIALLY_APPROVED: "was approved in part",
         State.DENIED: "was denied", State.WITHDRAWN: "was withdrawn", State.EXECUTING: "is being carried out",
         State.FAILED: "stopped before it finished and will be resumed", State.COMPLETED: "was carried out"}


def notification_text(request_id: str, state: State) -> str:
    """One line about a change of state, with nothing of the data in it: it may leave the portal by mail."""
    return f"Your deletion request {request_id} {_NEWS[state]}."


def where_it_stands(request: Request, zone: tzinfo) -> str:
    """One line for a request still under way, as the home page lists it."""
    if request.open:
        return f"waiting for a decision, due by {_day(request.deadline, zone)}"
    return {State.APPROVED: "approved, waiting to be carried out",
            State.PARTIALLY_APPROVED: "approved in part, waiting to be carried out",
            State.EXECUTING: "being carried out now",
            State.FAILED: "interrupted; it will be resumed where it stopped"}.get(request.state, str(request.state))
