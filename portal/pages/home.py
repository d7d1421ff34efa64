"""Home: who you are, and how much of the warehouse is about you."""

import streamlit as st

from portal import session
from portal.navigation import visible_pages
from queries.erasure import service as deletions
from queries.erasure.wording import counted
from queries.mydata.inventory import exempt_from_collection, inventory_for

who = session.principal()
st.title(f"Welcome, {who.name}")
st.caption(who.department)

if exempt_from_collection(session.backend(), who):
    st.info("You are exempt from monitoring: the company's systems are set not to collect telemetry about you "
            "(an exemption the works agreement or your role grants). Daylight still searches the whole warehouse "
            "for you: anything listed below was recorded despite the exemption, and you can ask for it to be "
            "deleted.", icon=":material/shield_person:")

if any(spec.path == "pages/my_data.py" for spec in visible_pages(who)):
    with st.spinner("Looking through the warehouse…"):
        inventory = session.remembered(who, "inventory", lambda: inventory_for(session.backend(), who))
    if not inventory.entries:
        st.success(f"None of the {inventory.tables_in_warehouse} tables in the warehouse holds rows about you.")
    else:
        left, middle, right = st.columns(3)
        left.metric("Tables holding rows about you", len(inventory.entries),
                    help=f"Out of {inventory.tables_in_warehouse} tables in the warehouse.")
        middle.metric("Rows about you", f"{inventory.rows:,}")
        right.metric("Databases", inventory.databases)
        st.write(f"**{len(inventory.entries)}** of the warehouse's {inventory.tables_in_warehouse} tables hold "
                 f"rows about you. This count comes from searching the warehouse itself, not from the "
                 f"company's data register.")
        if inventory.unregistered:
            st.warning(f"{len(inventory.unregistered)} of these tables are missing from the data register: "
                       f"nobody has declared what they are for.", icon=":material/report:")
    if inventory.unreadable_tables or inventory.unread_files:
        st.warning(f"{len(inventory.unreadable_tables)} table(s) and {len(inventory.unread_files)} other file(s) "
                   f"could not be read, so they may hold rows about you that are not counted here. The operators "
                   f"have been told.")

if any(spec.path == "pages/deletion.py" for spec in visible_pages(who)):
    news = deletions.my_notifications(session.backend(), who)
    if news:
        unread = [n for n in news if not n.read]
        st.subheader("Your deletion requests")
        if unread:
            st.badge(f"{counted(len(unread), 'change')} since you last looked", icon=":material/notifications:",
                     color="orange")
        zone = deletions.time_zone(st.context.timezone)
        for note in news[:5]:
            st.text(f"{note.at.astimezone(zone):%d %b %Y}  {deletions.notification_text(note.request_id, note.state)}"
                    + ("" if note.read else "  (new)"))
        st.caption("Open **Deletion requests** in the menu to read what happened and why.")

st.subheader("What you can do here")
st.markdown("\n".join(f"- **{spec.title}**: {spec.action.description}"
                      for spec in visible_pages(who) if spec.action is not None))
