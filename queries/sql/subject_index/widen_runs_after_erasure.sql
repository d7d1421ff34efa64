-- An erasure deleted the subject's rows from files it rewrote in place,
-- keeping the order of the rest: each remaining row moved up by the number
-- of deleted rows before it. So anyone else's run in such a file still ends
-- at or before its old end and starts at most as many rows earlier as the
-- subject had rows there. Each run is widened by that many: a superset,
-- which the token search narrows again, until the table is next indexed.
-- Run before the subject's postings are forgotten.
UPDATE row_runs SET first_row = greatest(0, row_runs.first_row - erased.row_count)
FROM (SELECT file, sum(row_count) AS row_count
      FROM postings
      WHERE employee_id = $employee_id AND list_contains($tables, table_name)
      GROUP BY file) AS erased
WHERE row_runs.file = erased.file AND row_runs.employee_id <> $employee_id
