"""The thin adapter from Streamlit's `st.user` to plain claims.

Streamlit fills `st.user` from its signed identity cookie, which holds the
claims of the ID token the identity provider issued at sign-in.
"""

from __future__ import annotations

import streamlit as st


def current_claims() -> dict:
    user = st.user
    if not user.get("is_logged_in"):
        return {}
    return dict(user.to_dict())
