"""Finding people in the warehouse: the catalog of every table and column, the
employee directory, every form of a person's identifiers, and the subject
index that says which tables, files and days hold whom.
"""
