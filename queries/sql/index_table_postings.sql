-- One table's postings for the subject index: per employee, file and day,
-- how many rows name them and when the first and last were captured.
-- Identifiers of every shape are lower-cased and mapped to employee ids
-- through `subject_keys`; a row naming one person twice (in two columns,
-- by id and by email) counts once. `people` limits it to some employees
-- (after an erasure, those its deleted rows named).
WITH named AS (
    SELECT filename AS file, file_row_number AS row_number, {{event_time}} AS event_time,
           unnest({{identifier_values}}) AS value
    FROM read_parquet($files, hive_partitioning = true, union_by_name = true, filename = true,
                      file_row_number = true)
),
people AS (
    SELECT DISTINCT named.file, named.row_number, named.event_time, subject_keys.employee_id
    FROM named
    JOIN subject_keys ON subject_keys.value = named.value
    WHERE {{people}}
)
SELECT employee_id, file, CAST(event_time AS DATE) AS day, count(*) AS row_count,
       min(event_time) AS first_seen, max(event_time) AS last_seen
FROM people
GROUP BY ALL
