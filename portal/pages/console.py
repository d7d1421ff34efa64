"""SQL console: DuckDB SQL over my own rows, run in a sandboxed process."""

import logging

import pandas as pd
import streamlit as st

from auth.policy import QUERY_OWN_TELEMETRY, Resource
from portal import figures, session
from queries.access.ledger import LedgerError
from queries.console.examples import examples, placeholder
from queries.console.run import console_limits, run_statement
from queries.mydata.csv_safe import csv_bytes
from queries.mydata.inventory import inventory_for

log = logging.getLogger("daylight.portal")

who = session.principal()
session.require(who, QUERY_OWN_TELEMETRY, Resource.about(who.employee_id))
backend = session.backend()
limits = console_limits(backend)
st.title("SQL console")
st.write("Query your own telemetry with DuckDB SQL. Every table below holds only your rows, under the same "
         "`database.table` name as in the warehouse; colleagues appear as pseudonyms. Queries run in an isolated "
         f"sandbox, for at most {limits.timeout_s:g} seconds, {limits.max_rows:,} result rows and "
         f"{limits.max_result_mb} MB. Every query you run is recorded in the access ledger (a fingerprint of its "
         "text, never the result).")

inventory = session.remembered(who, "inventory", lambda: inventory_for(backend, who))
if not inventory.entries:
    st.info("No table in the warehouse holds rows about you, so there is nothing to query.")
    st.stop()

editor, schema = st.columns([3, 2])
with schema:
    st.subheader("Your tables")
    shown = st.selectbox(f"Columns of one of your {len(inventory.entries):,} tables", inventory.entries,
                         format_func=lambda entry: f"{entry.name} · {entry.postings.rows:,} rows")
    st.dataframe(pd.DataFrame(shown.finding.columns, columns=["column", "type"]), hide_index=True,
                 width="stretch", height=250)
with editor:
    samples = session.remembered(who, "console examples", lambda: examples(inventory.entries))
    if samples:
        question = st.selectbox("Start from a question", ["—"] + [s.question for s in samples])
        chosen = next((s for s in samples if s.question == question), None)
        if chosen and st.session_state.get("console_example") != question:
            st.session_state["console_example"] = question
            st.session_state["console_sql"] = chosen.statement
    with st.form("console", border=False):  # the statement and the press of Run reach the portal as one event
        statement = st.text_area("SQL", key="console_sql", height=180, placeholder=placeholder(inventory.entries))
        run = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")

if run:
    try:
        with st.spinner("Running in the sandbox…"):
            result = run_statement(backend, who, statement)
    except LedgerError as problem:
        log.error("console statement not run: %s", problem)
        st.error("The query cannot run right now: the access ledger cannot record it, and nothing is shown "
                 "unrecorded. Try again later; the operators have been told.")
        st.stop()
    if not result.ok:
        st.error(result.error)
    else:
        frame = result.rows.to_pandas()
        note = f"{len(frame):,} rows in {result.seconds:.2f} s"
        if result.cut == "rows":
            st.warning(f"Result cut at {limits.max_rows:,} rows. Add a LIMIT or aggregate to see the rest.")
        elif result.cut == "bytes":
            st.warning(f"Result cut at {limits.max_result_mb} MB ({len(frame):,} rows kept). Select fewer or "
                       "smaller columns, or aggregate, to see the rest.")
        st.caption(note)
        st.dataframe(frame, hide_index=True, width="stretch")
        as_csv, _ = csv_bytes(result.rows)
        st.download_button("Download as CSV", as_csv, file_name="daylight-query.csv", mime="text/csv",
                           help="Cells that a spreadsheet would run as formulas start with an apostrophe.")
        charted = frame.head(200)
        numeric = [c for c in charted.columns if pd.api.types.is_numeric_dtype(charted[c])]
        if len(charted.columns) >= 2 and numeric and len(charted) > 1 and charted.columns.is_unique:
            x = charted.columns[0]
            y = next(c for c in numeric if c != x) if any(c != x for c in numeric) else numeric[0]
            st.plotly_chart(figures.bars(charted, x, y, height=320, title=f"{y} by {x}"), width="stretch")
