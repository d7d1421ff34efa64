"""An employee's own data: the inventory, the row reader (the one part that
takes a person's rows out of the warehouse, and only inside a read recorded
for them), their rows with colleagues pseudonymized, charts and insights,
and the export.
"""
