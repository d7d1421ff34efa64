"""Who accessed my data: every read through Daylight and in the warehouse
itself, with flags for missing justifications and undeclared purposes, and
the windows in which my data was exposed."""

import logging

import streamlit as st

from auth.policy import VIEW_OWN_ACCESS_LOG, Resource
from portal import figures, session
from portal.plain import literal
from queries.access.history import history_csv, page_of, page_rows, pages_for
from queries.access.ledger import LedgerError

log = logging.getLogger("daylight.portal")

who = session.principal()
session.require(who, VIEW_OWN_ACCESS_LOG, Resource.about(who.employee_id))
backend = session.backend()
st.title("Who accessed my data")
st.write("Every read of your data through Daylight (from its tamper-evident access ledger) and in the company "
         "warehouse (from the warehouse's own audit log), with when, who, why, and how many of your rows.")

try:  # every filter below reruns the page: the history is kept, and only the reads recorded since are added
    with st.spinner("Collecting the accesses…"):
        history = session.access_history(who)
except LedgerError as problem:
    log.error("access history not shown: %s", problem)
    st.error("Your access history cannot be shown right now: Daylight's access ledger cannot be read. "
             "The operators have been told.")
    st.stop()
for problem in history.problems:
    st.warning(f"Part of the history cannot be shown: {problem}. The operators have been told.")
st.download_button("Download this history (CSV)", lambda: history_csv(history), file_name="who-read-my-data.csv",
                   mime="text/csv", on_click="ignore",
                   help="Every access below, yours included. It is kept when your data is deleted.")

records = history.accesses.fillna({"purpose": "none given", "justification": ""})

by_others = records[~records["by me"]] if not records.empty else records
columns = st.columns(4)
columns[0].metric("Reads by others", f"{len(by_others):,}")
columns[1].metric("Readers", by_others["who"].nunique() if not by_others.empty else 0,
                  help="People and service accounts that read your data.")
columns[2].metric("Without justification", int(by_others["no justification"].sum()) if not by_others.empty else 0)
columns[3].metric("Purpose not declared", int(by_others["purpose not in the register"].sum())
                  if not by_others.empty else 0,
                  help="Reads for a purpose the data register does not list for that table.")

accesses_tab, exposure_tab = st.tabs(["Accesses", "Exposure"])

with accesses_tab:
    if records.empty:
        st.success("Nobody has read your data yet, as far as Daylight and the warehouse's audit log know.")
    else:
        left, middle, right = st.columns(3)
        sources = left.multiselect("Source", ["warehouse", "portal"], default=["warehouse", "portal"])
        flagged = middle.segmented_control("Show", ["all", "flagged only"], default="all")
        mine = right.toggle("Include my own views", value=False,
                            help="Your own visits to My data, the console and exports are recorded too.")
        tables = st.multiselect("Tables", sorted({t for text in records["tables"].unique() for t in text.split(", ")}))
        shown = records[records["source"].isin(sources)]
        if not mine:
            shown = shown[~shown["by me"]]
        if flagged == "flagged only":
            shown = shown[shown["no justification"] | shown["purpose not in the register"]]
        if tables:
            shown = shown[shown["tables"].apply(lambda text: any(t in text.split(", ") for t in tables))]
        if shown.empty:
            st.info("No access matches these filters.")
        else:
            daily = shown.assign(day=shown["when"].dt.date).groupby(["day", "source"], as_index=False).size()
            st.plotly_chart(figures.bars(daily, "day", "size", color="source", height=300,
                                         title="Reads of your data per day",
                                         labels={"day": "", "size": "reads", "source": "where"}), width="stretch")
            pages = pages_for(len(shown))
            page = st.number_input(f"Page (of {pages:,}), newest first", 1, pages) if pages > 1 else 1
            st.dataframe(page_of(shown, page), hide_index=True, width="stretch",
                         column_config={"when": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})
            rows = page_rows(len(shown), page)
            st.caption((f"Accesses {rows.start + 1:,} to {rows.stop:,} of " if pages > 1 else "")
                       + f"{len(shown):,} that match, of {len(records):,} in all; the CSV holds every one. A full "
                       "read of a table touched everyone with rows in it at that time; a filtered read touched the "
                       "people its filter named.")

with exposure_tab:
    st.write("Windows in which your rows were readable by people whose work does not cover the table's purpose, "
             "for example when a table was opened to every employee.")
    if not history.exposures:
        st.success("Your rows were never readable beyond the people whose purpose covers them, as far as the "
                   "warehouse's grants history shows.")
    for window in history.exposures:
        until = f"{window.end:%d %b %Y %H:%M}" if window.end else "now — still open"
        with st.container(border=True):
            st.subheader(f"{window.start:%d %b %Y %H:%M} – {until}")
            st.write(f"**{literal(window.grant.grantee)}** could read {literal(window.grant.resource)} "
                     f"(grant {literal(window.grant.grant_id)}: {literal(window.grant.reason)}).")
            cells = st.columns(3)
            cells[0].metric("Your rows exposed", f"{window.my_rows:,}")
            cells[1].metric("People who could read them", f"{window.could_read:,}",
                            help="Beyond those whose access covers the table's purpose; you are not counted.")
            cells[2].metric("People who did", len(window.readers), help=f"{window.reads} reads in the window.")
            st.write("Tables: " + ", ".join(literal(t) for t in window.tables))
            if window.readers:
                st.write("Read by: " + ", ".join(literal(r) for r in window.readers))
