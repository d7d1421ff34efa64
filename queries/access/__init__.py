"""Who read what: the signed access ledger and `personal_read` (the one way to
read personal data), the warehouse's own audit log, its grants and the
exposure windows of grants to broad groups, and an employee's access history.
"""
