"""What every page does first: open the backend, establish who is signed
in, and check the policy, stopping the page with a plain message when any
of these fails. The details go to the server log, never to the screen."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import streamlit as st

from auth.policy import NO_SUBJECT, Action, Resource, decide
from auth.principal import Principal, SignIn, SignInStatus, sign_in
from auth.streamlit_user import current_claims
from queries.access import history
from queries.backend import Backend, BackendError
from queries.console.process import WORKERS
from queries.erasure import run as erasure
from settings import CONFIG_ENV, DEFAULT_CONFIG

log = logging.getLogger("daylight.portal")

T = TypeVar("T")
UNAVAILABLE = ("Daylight cannot open its data right now, so nothing can be shown. "
               "This is a problem on our side; the operators have the details in the server log.")


ERASURES_TAKEN_UP_EVERY = 2.0  # seconds


@st.cache_resource(show_spinner=False)
def _open_backend(config_path: str) -> Backend:
    """The process's backend. The process that writes the subject index
    also runs the erasures officers start in the processes that read it.
    Every portal process keeps a zygote that forks the console's workers
    (`process.Workers`)."""
    opened = Backend.open(config_path)
    WORKERS.keep()
    if opened.settings.state.index_role == "writer":
        erasure.keep_taking_up(opened, ERASURES_TAKEN_UP_EVERY)
    return opened


def backend() -> Backend:
    try:
        return _open_backend(os.environ.get(CONFIG_ENV) or str(DEFAULT_CONFIG))
    except BackendError as problem:
        log.error("backend unavailable: %s", problem)
        st.error(UNAVAILABLE)
        st.stop()


def _sign_in_page(message: str) -> None:
    st.title("☀️ Daylight")
    st.subheader("See what your employer records about you")
    st.write("Daylight shows every table of workplace telemetry that holds data about you, why it is kept, "
             "and who has read it. You can query your own data, export a copy and ask for it to be deleted.")
    st.info(message)
    if st.button("Sign in with your company account", type="primary"):
        st.login()


def _signing_in() -> SignIn:
    data = backend()
    return sign_in(current_claims(), data.directory, data.settings.identity, datetime.now(UTC))


def signed_in() -> Principal | None:
    """The signed-in principal, or None (drawing nothing)."""
    result = _signing_in()
    return result.principal if result.status is SignInStatus.SIGNED_IN else None


def principal() -> Principal:
    """The signed-in principal, or the page stops with the reason."""
    data = backend()
    result = _signing_in()
    if result.status is SignInStatus.SIGNED_IN:
        return result.principal
    if result.status is SignInStatus.SIGNED_OUT:
        _sign_in_page(result.message)
    elif result.status is SignInStatus.EXPIRED:
        log.info("ID token expired; signing the user out")
        st.warning(result.message)
        st.logout()
    else:
        log.warning("sign-in refused (%s) for claim %s", result.status, current_claims().get(
            data.settings.identity.directory_claim))
        st.title("☀️ Daylight")
        st.error(result.message)
        st.text(f"The account you signed in with: {current_claims().get(data.settings.identity.directory_claim)}")
        st.text(f"Whom to contact: {data.settings.erasure.contact}")
        if st.button("Sign out"):
            st.logout()
    st.stop()


def require(who: Principal, action: Action, resource: Resource = NO_SUBJECT) -> None:
    """Stops the page unless the policy allows `action`; hidden navigation
    is not authorization, so every page asks."""
    decision = decide(who, action, resource)
    if not decision.allowed:
        log.warning("denied %s to %s: %s", action.name, who.employee_id, decision.reason)
        st.error(f"You do not have access to this page ({decision.reason}).")
        st.stop()


def remembered(who: Principal, name: str, read: Callable[[], T], *key) -> T:
    """A read kept for this session until the warehouse changes (the
    backend's data generation), so that a rerun of the page — every click
    reruns it — neither reads again nor records the read again. Kept per
    principal: a session that signs in as someone else starts empty."""
    reads = st.session_state.setdefault("daylight_reads", {})
    backend().catalog()  # the first refresh moves the generation on: read it after that
    version = (who.employee_id, backend().generation)
    if reads.get("version") != version:
        reads.clear()
        reads["version"] = version
    if (name, *key) not in reads:
        reads[(name, *key)] = read()
    return reads[(name, *key)]


def access_history(who: Principal) -> history.AccessHistory:
    """The person's access history for this session, on every page that
    shows it: read once per data generation, then brought up to date with
    the reads of their data recorded since (`history.up_to_date`). Every
    visit to another page records one, so reading it whole each time was
    most of what the access page cost at L."""
    data = backend()
    kept = remembered(who, "access history", dict)
    kept["history"] = (history.up_to_date(data, who, kept["history"]) if "history" in kept
                       else history.access_history(data, who))
    return kept["history"]
