"""The warehouse seen as a read-only engine: where tables and files are,
reading them with bound SQL, and the data register that describes them.
"""
