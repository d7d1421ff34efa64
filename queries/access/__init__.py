"""Who read what: the signed access ledger and `personal_read` (the one way to
read personal data), the warehouse's own audit log and grants, and an
employee's access history.
"""
