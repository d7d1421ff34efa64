"""The works council's figures, and the disclosure rules that release only
groups of at least the minimum size.
"""
