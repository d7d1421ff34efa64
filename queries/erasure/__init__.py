"""Deleting a person: deletion requests and legal holds (the store), what each
audience may do with them (the service), and the erasure itself — plan,
rewrite, verification, run.
"""
