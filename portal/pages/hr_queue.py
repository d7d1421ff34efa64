"""The HR privacy officer's queue: deadlines, review with an erasure
preview, decisions, legal holds, and execution in the background."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from auth.policy import PLACE_LEGAL_HOLD, PROCESS_DELETION, VIEW_DELETION_QUEUE, AccessDenied, Resource, allowed
from portal import session
from portal.plain import literal
from queries.erasure.plan import NOT_ASKED, ErasureError
from queries.erasure.requests import Move, RequestError, State
from queries.erasure import service as deletions
from queries.erasure.wording import counted

WARN_DAYS = 7

who = session.principal()
session.require(who, VIEW_DELETION_QUEUE)
backend = session.backend()
now = datetime.now(UTC)
st.title("Deletion queue")

queue = deletions.queue(backend, who)
holds = deletions.legal_holds(backend, who, now)
late = [r for r in queue if r.open and r.days_left(now) < 0]
near = [r for r in queue if r.open and 0 <= r.days_left(now) < WARN_DAYS]
named = deletions.names(backend, who, sorted({r.subject_id for r in queue}))
if late:
    st.error(f"{counted(len(late), 'request is', 'requests are')} past the deadline: "
             + ", ".join(f"{r.request_id} ({literal(named[r.subject_id])})" for r in late))
if near:
    st.warning(f"{counted(len(near), 'request is', 'requests are')} due within {WARN_DAYS} days: "
               + ", ".join(f"{r.request_id} ({literal(named[r.subject_id])})" for r in near))


states = st.multiselect("States", [s.value for s in State], default=[s.value for s in State
                                                                     if s not in (State.WITHDRAWN,)])
shown = [r for r in queue if r.state.value in states]
st.dataframe(pd.DataFrame([{"request": r.request_id, "employee": named[r.subject_id], "state": r.state.value,
                            "received": r.received_at, "deadline": r.deadline,
                            "days left": f"{r.days_left(now):.1f}" if r.open else "—",
                            "asked for": r.scope.describe()} for r in shown]), hide_index=True, width="stretch")

requests_by_id = {r.request_id: r for r in shown}
chosen = None
if requests_by_id:
    chosen = st.selectbox("Review a request", list(requests_by_id), index=None, key="reviewed request",
                          format_func=lambda rid: f"{rid} · {named[requests_by_id[rid].subject_id]}")
else:
    st.info("No deletion request is in these states.")


def drawn_progress(request_id: str) -> deletions.ErasureProgress:
    progress = deletions.erasure_progress(backend, who, request_id)
    st.progress(progress.swapped / progress.files if progress.files else 1.0,
                text=f"{progress.swapped} of {progress.files} files rewritten")
    return progress


@st.fragment(run_every=2)
def live_progress(request_id: str) -> None:
    """Redraws itself every two seconds while the erasure runs; the whole page once it has ended."""
    if not drawn_progress(request_id).running:
        st.rerun()


if chosen:
    request = deletions.request_in_queue(backend, who, chosen)
    if not allowed(who, PROCESS_DELETION, Resource.about(request.subject_id)):
        st.error("This request is about you: another officer must decide it (four-eyes rule).")
    else:
        st.subheader(f"{request.request_id}: {named[request.subject_id]}")
        st.text(f"Asked for: {request.scope.describe()}")
        if request.reason:
            st.caption("The employee's reason, as they wrote it:")
            st.text(request.reason)
        plan, asked = [], []
        if request.state in (State.SUBMITTED, State.EXTENDED, State.APPROVED, State.PARTIALLY_APPROVED):
            # Kept until the request moves on or a hold changes: every click reruns this page, and the
            # preview reads each file that holds the employee.
            version = (request.request_id, len(request.history), tuple(h.hold_id for h in holds))
            try:
                plan = session.remembered(who, "erasure preview",
                                          lambda: deletions.erasure_preview(backend, who, request), *version)
            except (ErasureError, AccessDenied) as problem:
                st.error(f"The preview cannot be built: {problem}")
            asked = [row for row in plan if row["kept because"] != NOT_ASKED]
            if asked:
                st.dataframe(pd.DataFrame(asked + [deletions.plan_totals(asked)]), hide_index=True, width="stretch")
        if request.open:
            note = st.text_input("Reason (told to the employee; needed to deny, approve in part or extend)")
            erasable = [row["table"] for row in plan if not row["kept because"]]
            part = st.multiselect("Tables to delete (approve in part)", erasable)
            columns = st.columns(4)
            actions = {columns[0]: (Move.APPROVE, "Approve"), columns[1]: (Move.APPROVE_IN_PART, "Approve in part"),
                       columns[2]: (Move.DENY, "Deny"), columns[3]: (Move.EXTEND, "Extend the deadline")}
            for column, (move, label) in actions.items():
                if move in request.moves() and column.button(label, key=f"{move} {chosen}"):
                    try:
                        deletions.decide(backend, who, chosen, move, note, approved_tables=part or None)
                        st.rerun()
                    except (RequestError, AccessDenied) as problem:
                        st.error(str(problem))
        if Move.EXECUTE in request.moves():
            if request.approved_by == who.employee_id:
                st.info("You approved this request, so another HR privacy officer executes it (four-eyes rule).")
            else:
                approved_plan = [row for row in asked if request.approved_tables is None
                                 or row["table"] in request.approved_tables or row["kept because"]]
                st.warning(deletions.erasure_summary(approved_plan) + " This cannot be undone.")
                sure = st.checkbox("I have checked the summary and want to delete this data now")
                if st.button("Execute the deletion", type="primary", disabled=not sure):
                    try:
                        deletions.begin_erasure(backend, who, chosen)
                        st.rerun()
                    except (RequestError, AccessDenied) as problem:
                        st.error(str(problem))
        if request.state in (State.EXECUTING, State.COMPLETED, State.FAILED):
            running = request.state is State.EXECUTING and deletions.erasure_progress(backend, who, chosen).running
            if running:
                live_progress(chosen)
            else:
                drawn_progress(chosen)
            if request.state is State.FAILED:
                st.error(f"The deletion did not finish ({literal(request.history[-1].note)}). Execute it again: "
                         "it resumes where it stopped.")
            elif request.state is State.EXECUTING and not running:
                st.warning("This deletion was interrupted (the portal restarted while it ran).")
                if st.button("Resume the deletion", type="primary"):
                    deletions.resume_erasure(backend, who, chosen)
                    st.rerun()
        if request.receipt:
            for sentence in deletions.verification_in_words(request.receipt["verification"]):
                st.text(sentence)
            if st.toggle("Show the verification's details"):
                st.json(request.receipt["verification"])

st.header("Legal holds")
held_names = deletions.names(backend, who, sorted({h.subject_id for h in holds} | {h.placed_by for h in holds}))
st.dataframe(pd.DataFrame([{"hold": h.hold_id, "employee": held_names[h.subject_id],
                            "keeps": h.keeps or "all of their data", "reason": h.reason,
                            "placed by": held_names[h.placed_by], "expires": h.expires_at} for h in holds]),
             hide_index=True, width="stretch")

st.subheader("Place a legal hold")
everyone = deletions.people(backend, who)
subject = st.selectbox("Employee", list(everyone), index=None, format_func=everyone.get,
                       placeholder="Type a name or an id")
if subject and not allowed(who, PLACE_LEGAL_HOLD, Resource.about(subject)):
    st.error("You cannot place a hold on your own data: another officer must (four-eyes rule).")
elif subject:
    choices = session.remembered(who, "holdable", lambda: deletions.holdable(backend, who, subject, now), subject)
    keep = st.radio("Keep", ["all of their data", "one kind of data", "chosen tables"], index=None, horizontal=True)
    kind = tables = None
    if keep == "one kind of data":
        kind = st.selectbox("Kind of data", list(choices.kinds), index=None,
                            help="Only the kinds of data Daylight holds about this person; a kind covers its "
                                 "registered tables and their unregistered copies.")
    elif keep == "chosen tables":
        tables = tuple(st.multiselect("Tables", list(choices.tables),
                                      help="Only the tables holding this person; a table's unregistered copies are "
                                           "kept with it."))
    if keep == "all of their data" or kind or tables:
        covered = choices.covered(kind, tables or ())
        st.text(f"This hold keeps {counted(sum(rows for _, rows in covered), 'row')} in "
                f"{counted(len(covered), 'table')} out of every erasure:")
        st.dataframe(pd.DataFrame(covered, columns=["table", "rows about them"]), hide_index=True, width="stretch")
        reason = st.text_input("Reason (the case or the retention duty; the employee is told it)")
        until = st.date_input("Expires", value=(now + timedelta(days=180)).date(), min_value=now.date())
        sure = st.checkbox("I have checked what this hold keeps")
        if st.button("Place legal hold", disabled=not (sure and reason.strip())):
            try:
                placed = deletions.place_hold(backend, who, subject, kind, reason,
                                              datetime.combine(until, datetime.min.time(), UTC), tables or ())
                st.success(f"Legal hold {placed.hold_id} placed on {literal(everyone[subject])} "
                           f"until {until:%d %b %Y}.")
            except RequestError as problem:
                st.error(str(problem))

lift = st.selectbox("Lift a hold", [h.hold_id for h in holds], index=None) if holds else None
if lift and st.button("Lift this hold"):
    try:
        deletions.lift_hold(backend, who, lift, now)
        st.rerun()
    except RequestError as problem:
        st.error(str(problem))
