"""My data: what was recorded about me, kind by kind in plain words — why
it is kept, for how long, who used it — then every table and my rows in
it, charts of what was captured, and a copy to take away."""

import pandas as pd
import streamlit as st

from auth.policy import EXPORT_OWN_DATA, REQUEST_DELETION, VIEW_OWN_TELEMETRY, Resource, allowed
from portal import figures, session
from portal.plain import literal
from portal.readable_rows import column_words, readable_rows
from queries.erasure import service as deletions
from queries.erasure.wording import counted
from queries.mydata.activity import daily_activity, insights, weekday_hour_activity
from queries.mydata.export import build_export
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows, where_named
from queries.mydata.overview import overview

PREVIEW_ROWS = 50
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GLOSSARY = """- **Table**: one collection of records in the company's data warehouse, like one sheet of a spreadsheet.
- **Row**: one record in a table — one key press, one message, one screenshot.
- **Data register**: the company's list of what each table is for, on what legal basis and for how long it is kept.
- **Legal basis**: the rule of data protection law the company relies on to keep the data.
- **Retention period**: how long the register says rows are kept before they are deleted.
- **Pseudonym** (colleague-…): a stand-in for a colleague named in your rows, so you see that someone is there but \
not who."""

who = session.principal()
session.require(who, VIEW_OWN_TELEMETRY, Resource.about(who.employee_id))
backend = session.backend()
st.title("My data")

with st.spinner("Looking through the warehouse…"):
    inventory = session.remembered(who, "inventory", lambda: inventory_for(backend, who))

if inventory.unreadable_tables:
    st.warning("Some tables could not be read, so rows about you in them are not shown: "
               + ", ".join(literal(t) for t in inventory.unreadable_tables) + ". The operators have been told.")
if inventory.unread_files:
    st.warning(f"{len(inventory.unread_files)} file(s) could not be read, so rows about you in them are not counted "
               "here; the other files of their tables were searched. The operators have been told.")
    st.dataframe([{"table": table, "file": file.rsplit("/", 1)[-1], "why": why}
                  for table, file, why in inventory.unread_files], hide_index=True)
if not inventory.entries:
    st.success(f"Good news: none of the {inventory.tables_in_warehouse} tables in the warehouse holds rows about "
               "you. If that changes, this page will show it.")
    st.stop()

columns = st.columns(5)
columns[0].metric("Tables", len(inventory.entries), help="Tables holding at least one row about you.")
columns[1].metric("Rows", f"{inventory.rows:,}")
columns[2].metric("Kinds of data", len(inventory.categories), help="As the register groups its tables; the "
                  "unregistered tables count as one kind.")
columns[3].metric("Unregistered", len(inventory.unregistered), help="Tables missing from the data register.")
columns[4].metric("Kept too long", len(inventory.with_overdue_rows),
                  help="Tables keeping rows about you longer than the register's retention period.")
span = (f"Captured from {inventory.first_seen:%d %b %Y} to {inventory.last_seen:%d %b %Y}. "
        if inventory.first_seen else "")
st.caption(span + "Found by searching every table in the warehouse for your identifiers, not by trusting the data "
           "register. Colleagues named in your rows appear as pseudonyms (colleague-…).")

# Only the open tab runs (and records its reads): a person who looks at the kinds of data pays for no chart.
kinds_tab, tables_tab, charts_tab, export_tab = st.tabs(["By kind of data", "Tables", "Charts", "Export a copy"],
                                                        key="my_data_tab", on_change="rerun")

if kinds_tab.open:
    with kinds_tab:
        seen = session.remembered(who, "overview", lambda: overview(
            backend, who, inventory, lambda: session.access_history(who)))
        st.header("Your data, kind by kind")
        left, right = st.columns([3, 2])
        wanted = left.text_input("Search", placeholder="keystrokes, chat, training, a table's name…")
        which = right.segmented_control("Which kinds", ["all", "not declared", "kept too long", "read by others"],
                                        default="all")
        kinds = [k for k in seen.kinds if k.matches(wanted or "") and (
            which in (None, "all") or (which == "not declared" and not k.registered)
            or (which == "kept too long" and k.overdue_rows) or (which == "read by others" and k.reads_by_others))]
        if not kinds:
            st.info("No kind of data matches; clear the search or choose \"all\".")
        for kind in kinds:
            with st.container(border=True):
                st.subheader(literal(kind.term.name))
                if kind.term.meaning:
                    st.text(kind.term.meaning)
                st.write(kind.amount() + (f", from {kind.first_seen:%d %b %Y} to {kind.last_seen:%d %b %Y}."
                                          if kind.first_seen else "."))
                if kind.registered:
                    st.markdown(f"**Why it is kept:** {literal(', '.join(p.name for p in kind.purposes))}  \n"
                                f"**On what legal basis:** {literal(', '.join(b.name for b in kind.legal_bases))}  \n"
                                f"**For how long:** {kind.kept_for()}")
                else:
                    st.warning("Nobody declared why these tables exist, on what legal basis, or for how long they are "
                             "kept. Daylight found them by searching the warehouse.", icon=":material/report:")
                if kind.overdue_rows:
                    st.warning(f"{counted(kind.overdue_rows, 'row')} older than the retention period the register "
                               "promises.", icon=":material/history:")
                st.markdown("**Who used it:** " + (
                    f"read {counted(kind.reads_by_others, 'time')} by others — "
                    + literal(", ".join(f"{reader} ({reads:,})" for reader, reads in kind.readers))
                    if kind.reads_by_others else "nobody else read it, as far as the audit log and Daylight's own "
                                                 "ledger know."))
                with st.expander(f"The {counted(len(kind.entries), 'table')} inside"):
                    st.text("\n".join(f"{e.name}: {counted(e.postings.rows, 'row')}" for e in kind.entries))
        with st.expander("Glossary: the words on this page"):
            terms = {t.term: t for k in seen.kinds for t in (k.term, *k.purposes, *k.legal_bases)}
            st.markdown("\n".join(f"- **{literal(t.name)}**: {literal(t.meaning)}" for t in terms.values() if t.meaning)
                        + "\n" + GLOSSARY)

if tables_tab.open:
    with tables_tab:
        held = deletions.held_tables(backend, who) if allowed(who, REQUEST_DELETION, Resource.about(who.employee_id)) \
            else {}
        if held:
            st.info(f"{counted(len(held), 'table is', 'tables are')} kept under a legal hold: they are not deleted "
                    "whatever you ask until the hold ends. See Deletion requests for why.")
        records = [{**r, "legal hold": f"kept until {held[r['table']].expires_at:%d %b %Y}"
                    if r["table"] in held else ""} for r in inventory.rows_for_display()]
        only = st.segmented_control("Show", ["all tables", "unregistered", "kept too long"], default="all tables")
        if only == "unregistered":
            records = [r for r in records if r["registered"] != "yes"]
        elif only == "kept too long":
            records = [r for r in records if r["kept too long"]]
        st.dataframe(pd.DataFrame(records), hide_index=True, width="stretch")
        chosen = st.selectbox("Look inside a table", [e.name for e in inventory.entries])
        entry = next(e for e in inventory.entries if e.name == chosen)
        if entry.register:
            st.markdown(f"**{literal(entry.register.description)}**")
        else:
            st.error("This table is not in the data register: nobody has declared its purpose, legal basis or "
                     "retention.", icon=":material/report:")
        if entry.postings.overdue_rows:
            st.warning(f"{entry.postings.overdue_rows:,} of your rows here are older than the register's retention of "
                       f"{entry.register.retention_days} days (the oldest from {entry.postings.overdue_since}).")
        st.write("Columns: " + ", ".join(literal(column_words(name)) for name, _ in entry.finding.columns))
        st.write("Where you were found: " + "; ".join(literal(m.describe()) for m in entry.found))
        st.caption(f"Stored as: {literal(entry.finding.storage)}. " + " ".join(literal(n) for n in entry.finding.notes))
        if entry.finding.skipped:
            st.caption("Not searched, because values of their type cannot hold an identifier: " + ", ".join(
                f"{literal(name)} ({literal(kind.lower())})" for name, kind in entry.finding.skipped))
        [preview] = session.remembered(
            who, "preview", lambda: my_rows(backend, who, VIEW_OWN_TELEMETRY, [entry], limit=PREVIEW_ROWS), entry.name)
        if preview.error:
            st.error(f"Your rows in this table cannot be shown: {preview.error}.")
        else:
            st.caption(f"Your {min(PREVIEW_ROWS, entry.postings.rows)} most recent of {entry.postings.rows:,} rows")
            st.dataframe(readable_rows(preview.rows, deletions.time_zone(st.context.timezone)), hide_index=True,
                         width="stretch")
            places = where_named(backend, who, preview)
            if places:
                st.caption("In these rows you appear at: " + ", ".join(literal(place) for place in places))

if charts_tab.open:
    with charts_tab:
        daily = pd.DataFrame(session.remembered(who, "daily", lambda: daily_activity(backend, who, inventory)),
                             columns=["category", "day", "rows"])
        if not daily.empty:
            first, last = daily["day"].min(), daily["day"].max()
            if first < last:
                first, last = st.slider("Dates", min_value=first, max_value=last, value=(first, last),
                                        format="D MMM YYYY")
            shown = daily[(daily["day"] >= first) & (daily["day"] <= last)]
            st.plotly_chart(figures.bars(shown, "day", "rows", color="category", height=380,
                                         title="Rows captured about you per day, by kind of data",
                                         labels={"day": "", "rows": "rows captured", "category": "kind of data"}),
                            width="stretch")
        rhythm = session.remembered(who, "rhythm", lambda: weekday_hour_activity(backend, who, inventory))
        if rhythm:
            grid = [[rhythm.get((day, hour), 0) for hour in range(24)] for day in range(1, 8)]
            st.plotly_chart(figures.heatmap(grid, range(24), WEEKDAYS, height=320, title="When you were captured: "
                                            "weekday and hour", labels={"x": "hour of day", "y": "", "color": "rows"}),
                            width="stretch")
        for insight in session.remembered(who, "insights", lambda: insights(backend, who, inventory)):
            st.subheader(insight.title)
            st.write(literal(insight.finding))
            values = pd.DataFrame({"": list(insight.values), "value": list(insight.values.values())})
            st.plotly_chart(figures.bars(values, "value", "", horizontal=True, height=260), width="stretch")

if export_tab.open:
    with export_tab:
        st.write("A zip with your rows from every table (Parquet and CSV), a manifest with the register's metadata and "
                 "a checksum for every file, and a readable summary. It is built in memory for you and not kept.")
        if allowed(who, EXPORT_OWN_DATA, Resource.about(who.employee_id)) and st.button("Prepare my export",
                                                                                        type="primary"):
            bar = st.progress(0.0, text="Collecting your rows…")
            export = build_export(backend, who, inventory,
                                  lambda done, total: bar.progress(done / total, text=f"Table {done} of {total}"))
            bar.empty()
            st.download_button(f"Download {export.filename} ({len(export.data) / 1e6:.1f} MB)", export.data,
                               file_name=export.filename, mime="application/zip", type="primary")
