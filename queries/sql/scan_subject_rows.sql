-- One employee's rows in one table, by scanning every file of the table: how
-- many, and the first and last capture. The straightforward way, kept as the
-- benchmark baseline and as an independent check of the subject index.
SELECT count(*) AS row_count, min({{event_time}}) AS first_seen, max({{event_time}}) AS last_seen
FROM {{rows_naming_subject}}
