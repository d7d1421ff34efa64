"""The SQL console: the statement check, the sandboxed worker process and the
one entry point that runs a statement over one person's rows.
"""
