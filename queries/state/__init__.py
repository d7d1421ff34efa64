"""The portal's own SQLite state: connections, schemas and transactions.
"""
