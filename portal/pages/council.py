"""Works council oversight: aggregate figures only, above the minimum group
size, with the ledger's public key and a check that it was not altered."""

import logging

import pandas as pd
import streamlit as st

from auth.policy import AUDIT_AGGREGATES
from portal import council_views as views
from portal import session
from queries.access.ledger import LedgerError
from queries.council.figures import oversight, periods
from queries.council.ledger_check import AnchorError, ledger_evidence, verify_ledger

log = logging.getLogger(__name__)

who = session.principal()
session.require(who, AUDIT_AGGREGATES)
backend = session.backend()
st.title("Works council oversight")
available = periods(backend)
if not available:
    st.info("No month has ended yet since the first recorded access. Figures are published for each month once it "
            "is over, and never change afterwards.")
    st.stop()
period = st.selectbox("Month", available, help="A month's figures are published once it has ended.")
try:
    with st.spinner("Publishing this month's figures: once, and they never change afterwards…"):
        figures = session.remembered(who, "council figures", lambda: oversight(backend, who, period), period)
except LedgerError as problem:
    log.error("council figures not shown: %s", problem)
    st.error("The figures cannot be shown right now: the access ledger cannot record this view. "
             "Try again later; the operators have been told.")
    st.stop()
st.caption(f"{views.PERIOD_NOTE.format(period=figures.period, published=figures.published_at)} Aggregates only. "
           f"{views.WITHHELD_NOTE.format(k=figures.min_group_size)} Viewing this page is recorded in the access "
           "ledger.")
for problem in figures.problems:
    st.warning(problem.capitalize())

collected, usage, exposure, deletions, exemptions, ledger, report = st.tabs(
    ["What is collected", "Who uses the data", "Exposure", "Deletion requests", "Exemptions", "Verify the ledger",
     "Report"])

with collected:
    frame = views.collected_frame(figures)
    unregistered = frame[~frame["registered"]]
    if not unregistered.empty:
        st.warning(f"{len(unregistered)} table(s) hold employee identifiers but are missing from the register.")
    st.dataframe(views.readable(frame), hide_index=True, width="stretch")
    st.subheader("Employees covered per category")
    st.dataframe(views.readable(pd.DataFrame([{"category": c, "employees covered": n}
                                              for c, n in sorted(figures.category_employees.items())])),
                 hide_index=True)

with usage:
    by_group = views.cells(figures.accesses["by_group"], ["source", "accessor group"])
    if figures.accesses["by_group"].total == 0:
        st.info("No accesses were recorded in this month.")
    else:
        sources = st.multiselect("Source", ["portal", "warehouse"], default=["portal", "warehouse"])
        by_group = by_group[by_group["source"].isin(sources)]
        st.plotly_chart(views.accesses_chart(by_group), width="stretch")
        st.subheader("Accesses per accessor group")
        st.dataframe(views.readable(by_group), hide_index=True, width="stretch")
        st.subheader("Accesses per purpose")
        st.caption("'not in the register for the table': the purpose given is not one the register names for the "
                   "table read (purpose drift). Reads through Daylight are shown by what they are for.")
        st.dataframe(views.readable(views.cells(figures.accesses["by_purpose"], ["purpose", "register"])),
                     hide_index=True, width="stretch")
        st.subheader("Accesses without a justification")
        unjustified = views.cells(figures.accesses["unjustified"], ["source", "accessor group"])
        st.dataframe(views.readable(unjustified[unjustified["source"].isin(sources)]), hide_index=True,
                     width="stretch")
        st.subheader("Warehouse reads per table")
        st.caption("Every table holding employees' rows is listed, read or not. Reads through Daylight are never "
                   "counted per table: the tables an officer read for one request would describe that employee.")
        st.dataframe(views.readable(views.cells(figures.accesses["by_table"], ["table"])), hide_index=True,
                     width="stretch")

with exposure:
    st.write("Windows open during this month in which tables holding employees' rows were readable by a group no "
             "purpose covers; reads are those of this month.")
    if figures.exposures:
        st.dataframe(views.readable(views.exposure_frame(figures)), hide_index=True, width="stretch")
    else:
        st.info("No exposure window was open in this month, as far as the grants history shows.")

with deletions:
    st.write("Deletion requests received in this month, by the state they were in when the month's figures were "
             "published.")
    columns = st.columns(3)
    columns[0].metric("Requests", views.shown(figures.requests_by_state.total))
    columns[1].metric("Median days to completion", views.shown(figures.median_days_to_complete))
    columns[2].metric("People whose request missed its deadline", views.shown(figures.deadline_breaches))
    st.dataframe(views.readable(views.table_frame(figures.requests_by_state, ["state"], "requests")),
                 hide_index=True)
    st.subheader("Denials by reason")
    st.caption("Reasons are shown as categories of the configured taxonomy, never as typed.")
    st.dataframe(views.readable(views.table_frame(figures.denials, ["reason"], "requests")), hide_index=True)

with exemptions:
    st.text(views.exemptions_text(figures))

with ledger:
    st.write("Every read of personal data through Daylight is in a hash-chained ledger, signed at checkpoints. "
             "With the public key below anyone can check it has not been altered, also outside the portal: "
             "`daylight ledger verify --ledger LEDGER --public-key KEY.pub`.")
    evidence = ledger_evidence(backend, who)
    st.code(evidence.public_key_pem.decode(), language=None)
    st.download_button("Download the public key", evidence.public_key_pem, "daylight-ledger.pub")
    checkpoint = evidence.latest_checkpoint
    if checkpoint:
        st.download_button("Download the latest checkpoint (keep it: a later check against it catches a ledger "
                           "cut back)", checkpoint.to_json(), f"daylight-checkpoint-{checkpoint.seq}.json")
    anchor = st.file_uploader("A checkpoint you kept earlier (optional)", type=["json"])
    if st.button("Verify the ledger", type="primary"):
        try:
            result = verify_ledger(backend, who, anchor.getvalue().decode("utf-8", "replace") if anchor else None)
        except (AnchorError, LedgerError) as problem:
            st.error(str(problem))
        else:
            (st.success if result.intact else st.error)(result.summary())

with report:
    st.write("One HTML file with every view above and its charts, for a council meeting.")
    st.download_button("Download the report (HTML)", lambda: views.report_html(figures),  # built when asked for
                       f"daylight-council-report-{figures.period}.html", mime="text/html", on_click="ignore")
