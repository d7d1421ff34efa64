"""Home: who you are, and how much of the warehouse is about you."""

import streamlit as st

from portal import session
from portal.navigation import visible_pages
from queries.overview import overview_for

who = session.principal()
st.title(f"Welcome, {who.name}")
st.caption(who.department)

if any(spec.path == "pages/my_data.py" for spec in visible_pages(who)):
    with st.spinner("Looking through the warehouse…"):
        overview = overview_for(session.backend(), who)
    if overview.tables_with_rows == 0:
        st.success(f"None of the {overview.tables_in_warehouse} tables in the warehouse holds rows about you.")
    else:
        left, middle, right = st.columns(3)
        left.metric("Tables holding rows about you", overview.tables_with_rows,
                    help=f"Out of {overview.tables_in_warehouse} tables in the warehouse.")
        middle.metric("Rows about you", f"{overview.rows:,}")
        right.metric("Databases", overview.databases_with_rows)
        st.write(f"**{overview.tables_with_rows}** of the warehouse's {overview.tables_in_warehouse} tables hold "
                 f"rows about you. This count comes from searching the warehouse itself, not from the "
                 f"company's data register.")
        if overview.unregistered_tables_with_rows:
            st.warning(f"{overview.unregistered_tables_with_rows} of these tables are missing from the data "
                       f"register: nobody has declared what they are for.", icon=":material/report:")
    if overview.unreadable_tables:
        st.warning(f"{overview.unreadable_tables} table(s) could not be read, so they may hold rows about you "
                   f"that are not counted here. The operators have been told.")

st.subheader("What you can do here")
st.markdown("\n".join(f"- **{spec.title}**: {spec.action.description}"
                       for spec in visible_pages(who) if spec.action is not None))
