-- The subject index entries of the tables whose files are read (tables of
-- one schema are read together), from every value of every row:
-- each scanned column's text is cut into tokens and the tokens are looked up
-- among the directory's keys (`subject_keys`). Returns four parts:
--   posting: per employee, file and day, the rows naming them and when the
--            first and last were captured (a row naming one person twice counts once);
--   hour:    per employee, file, weekday and hour of capture, the rows;
--   mention: per employee, file, column, kind of finding and form of key, the rows;
--   run:     per employee and file, where their rows sit: per block of 2,048 rows
--            (DuckDB's vector) holding any, their first and last row number
--            (`file_row_number`), so their rows are later read from the row groups
--            holding them; a file holding someone in more than 64 blocks keeps one
--            run from their first row to their last. Hash aggregates only: sorting
--            the blocks into longer runs cost more than the rest of the statement
--            at L, and the reader joins neighbouring blocks (`row_runs`).
-- The kind of finding: 'named' inside a list, struct, map or JSON document;
-- 'subject' as the whole value of a top-level column (also `mailto:` and
-- `Name <email>`); 'mentioned' inside longer text. `people` limits it to
-- some employees (after an erasure, those its deleted rows named).
-- Telemetry repeats itself (an app name, a key, an id on a million rows), so
-- each distinct text of a column is cut into tokens once and the rows are
-- then matched to the texts that hold a key: the table is read twice, which
-- costs far less than cutting every row's text. A file is named by its
-- position among the files read (from 0): grouping by a number costs less than by a path.
WITH source AS (
    SELECT file_index, file_row_number AS row_number, {{event_time}} AS event_time, {{row_texts}} AS texts
    FROM {{numbered_rows}}
),
texts AS (
    SELECT file_index, row_number, event_time, unnest(texts) AS daylight_value
    FROM source
    WHERE len(texts) > 0
),
distinct_texts AS (
    SELECT DISTINCT daylight_value FROM texts
),
raw_tokens AS (
    SELECT daylight_value, unnest({{raw_tokens}}) AS daylight_token
    FROM distinct_texts
),
text_keys AS (
    SELECT DISTINCT daylight_value, subject_keys.employee_id, subject_keys.kind AS form
    FROM raw_tokens
    JOIN subject_keys ON subject_keys.value = {{key_of_token}}
    WHERE {{people}}
),
text_hits AS (
    SELECT daylight_value.c AS column_number, daylight_value.t AS t, employee_id, form,
           CASE WHEN {{is_document}} THEN 'named'
                WHEN regexp_full_match(daylight_value.t, $whole_value) THEN 'subject'
                ELSE 'mentioned' END AS finding
    FROM text_keys
),
hits AS MATERIALIZED (
    SELECT text_hits.employee_id, file_index, row_number, event_time, text_hits.column_number, finding, form
    FROM texts
    JOIN text_hits ON text_hits.column_number = texts.daylight_value.c AND text_hits.t = texts.daylight_value.t
),
rows_naming AS (
    SELECT DISTINCT employee_id, file_index, row_number, event_time FROM hits
),
hourly AS MATERIALIZED (
    SELECT employee_id, file_index, CAST(event_time AS DATE) AS day, hour(event_time) AS hour, count(*) AS row_count,
           min(event_time) AS first_seen, max(event_time) AS last_seen
    FROM rows_naming
    GROUP BY ALL
),
blocks AS MATERIALIZED (
    SELECT employee_id, file_index, row_number // 2048 AS block, min(row_number) AS first_row,
           max(row_number) AS last_row
    FROM hits
    GROUP BY ALL
),
crowded AS (
    SELECT employee_id, file_index FROM blocks GROUP BY ALL HAVING count(*) > 64
)
SELECT 'posting' AS part, employee_id, file_index, day,
       NULL::INTEGER AS column_number, NULL::VARCHAR AS finding, NULL::VARCHAR AS form, sum(row_count) AS row_count,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen, NULL::INTEGER AS weekday, NULL::INTEGER AS hour,
       NULL::BIGINT AS first_row, NULL::BIGINT AS last_row
FROM hourly
GROUP BY employee_id, file_index, day
UNION ALL
SELECT 'hour', employee_id, file_index, NULL, NULL, NULL, NULL, sum(row_count), NULL, NULL, isodow(day), hour,
       NULL, NULL
FROM hourly
WHERE day IS NOT NULL
GROUP BY employee_id, file_index, isodow(day), hour
UNION ALL
SELECT 'mention', employee_id, file_index, NULL, column_number, finding, form, count(*), NULL, NULL, NULL, NULL,
       NULL, NULL
FROM hits
GROUP BY employee_id, file_index, column_number, finding, form
UNION ALL
SELECT 'run', employee_id, file_index, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, first_row, last_row
FROM blocks ANTI JOIN crowded USING (employee_id, file_index)
UNION ALL
SELECT 'run', employee_id, file_index, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, min(first_row),
       max(last_row)
FROM blocks SEMI JOIN crowded USING (employee_id, file_index)
GROUP BY employee_id, file_index