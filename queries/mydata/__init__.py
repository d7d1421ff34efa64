"""An employee's own data: the inventory, their rows with colleagues
pseudonymized, charts and insights, and the export.
"""
