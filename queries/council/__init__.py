"""The works council's figures, the disclosure rules that release only
groups of at least the minimum size, and checking the access ledger.
"""
