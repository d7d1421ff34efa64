"""Sign-in, principal, roles and the access policy. Only
`auth.streamlit_user` knows about Streamlit."""
