"""Entry point: `streamlit run portal/app.py`. A router, nothing more:
sign the person in, then offer the pages their roles allow."""

import streamlit as st

from portal import server_log, session, timing
from portal.navigation import visible_pages

st.set_page_config(page_title="Daylight", page_icon="☀️", layout="wide")
server_log.configure()

with timing.script_run() as run:
    principal = session.signed_in()
    run.backend = session.backend()
    if principal is None:
        # One hidden page that explains and offers sign-in: with no navigation at all,
        # Streamlit would list the files of portal/pages/ to a visitor who has not signed in.
        run.page = "signed out"
        st.navigation([st.Page(session.principal, title="Daylight")], position="hidden").run()
        st.stop()

    pages = [st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.path == "pages/home.py")
             for spec in visible_pages(principal)]

    with st.sidebar:
        st.caption(f"Signed in as **{principal.name}**")
        st.caption("Roles: " + ", ".join(sorted(role.replace("_", " ") for role in principal.roles)))
        if st.button("Sign out", icon=":material/logout:"):
            st.logout()

    page = st.navigation(pages)
    run.page = page.title
    page.run()
