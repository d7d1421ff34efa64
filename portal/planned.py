"""Pages whose capability is not built yet say so plainly, and still check
the policy, so that the access rules are in force before the data is."""

from __future__ import annotations

import streamlit as st

from auth import policy
from portal import session


def planned_page(action: policy.Action, title: str, purpose: str, coming: list[str]) -> None:
    who = session.principal()
    resource = policy.Resource.about(who.employee_id) if action.scope is policy.Scope.OWN else policy.NO_SUBJECT
    session.require(who, action, resource)
    st.title(title)
    st.write(purpose)
    st.info("This part of Daylight is not available yet. When it is, it will let you:", icon=":material/construction:")
    st.markdown("\n".join(f"- {line}" for line in coming))
