"""The Streamlit UI. Pages stay thin: read the principal, ask the policy,
call a function from `queries`, draw."""
