"""Deletion requests: ask for my data to be deleted, follow each request
against its deadline, withdraw it before execution, download the receipt."""

import json

import streamlit as st

from auth.policy import REQUEST_DELETION, Resource
from portal import session
from queries.access.history import access_history, history_csv
from queries.erasure.requests import Move, RequestError, Scope, State
from queries.erasure import service as deletions
from queries.erasure.wording import counted
from queries.mydata.inventory import inventory_for

who = session.principal()
session.require(who, REQUEST_DELETION, Resource.about(who.employee_id))
backend = session.backend()
st.title("Deletion requests")
st.write("Ask for your telemetry to be deleted — all of it, or chosen kinds of data or tables. An HR privacy "
         "officer decides within one month (at most three with a reason you are told); data under a legal hold "
         "is kept, and the receipt says why.")

st.subheader("Ask for a deletion")
inventory = session.remembered(who, "inventory", lambda: inventory_for(backend, who))
what = st.radio("What should be deleted?", ["all my data", "chosen kinds of data or tables"], index=None)
categories, tables = [], []
if what == "chosen kinds of data or tables":
    categories = st.multiselect("Kinds of data", sorted(inventory.categories))
    tables = st.multiselect("Single tables", [e.name for e in inventory.entries])
if what and (what == "all my data" or categories or tables):
    scope = Scope(what == "all my data", tuple(categories), tuple(tables))
    st.warning(deletions.request_summary(backend, who, scope) + " An HR privacy officer reviews the "
               "request first; once it is executed, the data cannot be restored.")
    st.caption("Who read your data is not your telemetry: that record is kept after the deletion. Keep a copy "
               "of it now if you like:")
    st.download_button("Download who has read my data (CSV)", lambda: history_csv(access_history(backend, who)),
                       file_name="who-read-my-data.csv", mime="text/csv", on_click="ignore")
    reason = st.text_area("Reason (optional)", max_chars=2000)
    sure = st.checkbox("I understand, and I want this data deleted")
    if st.button("Request deletion", type="primary", disabled=not sure):
        try:
            made = deletions.ask_for_deletion(backend, who, scope, reason)
            st.success(f"Request {made.request_id} received. It must be decided by {made.deadline:%d %b %Y}.")
        except RequestError as problem:
            st.error(str(problem))

mine = deletions.my_requests(backend, who)
if not mine:
    st.info("You have not asked for any deletion yet.")
zone = deletions.time_zone(st.context.timezone)
holds = deletions.my_holds(backend, who)
if holds:
    st.info("Some of your data is kept under a legal hold, whatever you ask: "
            + "; ".join(f"{h.keeps or 'all your data'} until {h.expires_at:%d %b %Y}" for h in holds) + ".")
    for hold in holds:
        st.caption(f"Why {hold.keeps or 'all your data'} is kept:")
        st.text(hold.reason)
settings = deletions.contest_details(backend)
deletions.notifications_seen(backend, who)
for request in mine:
    with st.container(border=True):
        st.subheader(f"{request.request_id}: {request.scope.describe()}")
        for when, happened in deletions.request_timeline(request, zone, who.employee_id):
            left, right = st.columns([1, 3])
            left.text(when)
            right.text(happened)
        if Move.WITHDRAW in request.moves() and st.button("Withdraw this request", key=f"withdraw {request.request_id}"):
            try:
                deletions.withdraw(backend, who, request.request_id)
                st.rerun()
            except RequestError as problem:
                st.error(str(problem))
        if request.state is State.COMPLETED and request.receipt:
            kept = request.receipt["kept"]
            if kept:
                st.caption(f"Kept: {counted(len(kept), 'table')}. Why:")
                st.text("\n".join(f"{k['table']}: {k['why']}" for k in kept))
            st.download_button("Download the signed receipt", json.dumps(request.receipt, indent=2),
                               file_name=f"receipt-{request.request_id}.json", mime="application/json",
                               key=f"receipt {request.request_id}")
        if request.state in (State.DENIED, State.PARTIALLY_APPROVED, State.COMPLETED):
            st.caption(f"To contest this decision, contact {settings.contact}. You may also complain to "
                       f"{settings.supervisory_authority}.")
