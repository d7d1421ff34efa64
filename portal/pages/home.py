"""Home: in one screen, what was recorded about you in plain words, what
should worry you, and where your requests stand."""

import streamlit as st

from portal import session
from portal.navigation import visible_pages
from portal.plain import literal
from queries.erasure import service as deletions
from queries.erasure.wording import counted
from queries.mydata.inventory import exempt_from_collection, inventory_for
from queries.mydata.overview import overview

# Where each flag's details are, and the words of the link.
FLAG_DETAILS = {"unregistered": ("pages/my_data.py", "See these tables", ":material/report:"),
                "kept too long": ("pages/my_data.py", "See what is overdue", ":material/history:"),
                "exposed": ("pages/access_log.py", "See when and to whom", ":material/lock_open:"),
                "unjustified": ("pages/access_log.py", "See who read it", ":material/visibility:")}

who = session.principal()
pages = {spec.path for spec in visible_pages(who)}
st.title(f"Welcome, {who.name}")
st.caption(who.department)

if exempt_from_collection(session.backend(), who):
    st.info("You are exempt from monitoring: the company's systems are set not to collect telemetry about you "
            "(an exemption the works agreement or your role grants). Daylight still searches the whole warehouse "
            "for you: anything listed below was recorded despite the exemption, and you can ask for it to be "
            "deleted.", icon=":material/shield_person:")

if "pages/my_data.py" in pages:
    with st.spinner("Looking through the warehouse…"):
        inventory = session.remembered(who, "inventory", lambda: inventory_for(session.backend(), who))
        seen = session.remembered(who, "overview", lambda: overview(
            session.backend(), who, inventory, lambda: session.access_history(who)))
    st.header("What was recorded about you")
    if not inventory.entries:
        st.success(f"None of the {inventory.tables_in_warehouse} tables in the warehouse holds rows about you.")
    else:
        st.write(f"{counted(inventory.rows, 'row')} about you in {counted(len(inventory.entries), 'table')}"
                 + (f", captured from {inventory.first_seen:%d %b %Y} to {inventory.last_seen:%d %b %Y}"
                    if inventory.first_seen else "")
                 + f". Found by searching all {inventory.tables_in_warehouse:,} tables of the warehouse, not by "
                   "trusting the company's data register.")
        if seen.flags:
            for column, flag in zip(st.columns(len(seen.flags)), seen.flags):
                page, link, icon = FLAG_DETAILS[flag.key]
                with column.container(border=True):
                    st.markdown(f"{icon} **{flag.headline}**")
                    st.caption(flag.detail)
                    if page in pages:
                        st.page_link(page, label=link, icon=":material/arrow_forward:")
        else:
            st.success("Nothing to flag: every table is registered, nothing is kept longer than promised, your rows "
                       "were never open to all staff, and every read of them recorded why.")
        for row in range(0, len(seen.kinds), 3):
            for column, kind in zip(st.columns(3), seen.kinds[row:row + 3]):
                with column.container(border=True):
                    st.markdown(f"**{literal(kind.term.name)}**")
                    st.write(kind.amount())
                    st.caption(("For " + literal(", ".join(p.name for p in kind.purposes)) + "; kept "
                                + kind.kept_for()) if kind.registered else "Nobody declared why this is kept.")
        st.page_link("pages/my_data.py", label="Everything, table by table, with why it is kept",
                     icon=":material/database:")
    if inventory.unreadable_tables or inventory.unread_files:
        st.warning(f"{len(inventory.unreadable_tables)} table(s) and {len(inventory.unread_files)} other file(s) "
                   f"could not be read, so they may hold rows about you that are not counted here. The operators "
                   f"have been told.")

if "pages/deletion.py" in pages:
    under_way = deletions.my_requests_under_way(session.backend(), who)
    news = [n for n in deletions.my_notifications(session.backend(), who) if not n.read]
    if under_way or news:
        st.header("Your deletion requests")
        zone = deletions.time_zone(st.context.timezone)
        if news:
            st.badge(f"{counted(len(news), 'change')} since you last looked", icon=":material/notifications:",
                     color="orange")
            for note in news[:5]:
                st.text(f"{note.at.astimezone(zone):%d %b %Y}  {deletions.notification_text(note.request_id, note.state)}")
        for request in under_way:
            st.text(f"{request.request_id} ({request.scope.describe()}): {deletions.where_it_stands(request, zone)}")
        st.page_link("pages/deletion.py", label="Open your deletion requests", icon=":material/delete:")

st.header("What you can do here")
st.markdown("\n".join(f"- **{spec.title}**: {spec.action.description}"
                      for spec in visible_pages(who) if spec.action is not None))
