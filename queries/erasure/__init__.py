"""Deleting a person: three plain stores over one database — deletion
requests (`requests`), legal holds (`holds`), the erasure journal
(`journal`) — what each audience may do with them (`service`, the only door
the pages use), and the erasure itself: plan, rewrite, verification, run.
"""
