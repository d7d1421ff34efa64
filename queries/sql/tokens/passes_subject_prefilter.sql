-- True when one column's text passes the subject's own prefilter (each of
-- their keys literally, in any case): a cheap test on the column alone,
-- which DuckDB can apply while it scans.
regexp_matches({{value}}, $subject_prefilter)
