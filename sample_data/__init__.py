"""Deterministic generator of a sample workplace-telemetry warehouse.

Run `python -m sample_data --help`. Nothing here imports the portal: the
sample stands in for a company's real lake and must not know who reads it.
"""
