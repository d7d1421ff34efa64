-- One table's entries in the subject index, from every value of every row:
-- each scanned column's text is cut into tokens and the tokens are looked up
-- among the directory's keys (`subject_keys`). Returns two parts:
--   posting: per employee, file and day, the rows naming them and when the
--            first and last were captured (a row naming one person twice counts once);
--   mention: per employee, file, column, kind of finding and form of key, the rows.
-- The kind of finding: 'named' inside a list, struct, map or JSON document;
-- 'subject' as the whole value of a top-level column (also `mailto:` and
-- `Name <email>`); 'mentioned' inside longer text. `people` limits it to
-- some employees (after an erasure, those its deleted rows named).
WITH source AS (
    SELECT filename AS file, file_row_number AS row_number, {{event_time}} AS event_time, {{row_texts}} AS texts
    FROM read_parquet($files, hive_partitioning = true, union_by_name = true, filename = true,
                      file_row_number = true)
),
texts AS (
    SELECT file, row_number, event_time, unnest(texts) AS daylight_value
    FROM source
    WHERE len(texts) > 0
),
tokens AS (
    SELECT file, row_number, event_time, daylight_value.c AS column_number,
           CASE WHEN daylight_value.nested OR regexp_matches(daylight_value.t, '^\s*[\[{]') THEN 'named'
                WHEN regexp_full_match(daylight_value.t, $whole_value) THEN 'subject'
                ELSE 'mentioned' END AS finding,
           unnest({{tokens}}) AS token
    FROM texts
),
hits AS MATERIALIZED (
    SELECT DISTINCT subject_keys.employee_id, file, row_number, event_time, column_number, finding,
           subject_keys.kind AS form
    FROM tokens
    JOIN subject_keys ON subject_keys.value = tokens.token
    WHERE {{people}}
)
SELECT 'posting' AS part, employee_id, file, CAST(event_time AS DATE) AS day, NULL::INTEGER AS column_number,
       NULL::VARCHAR AS finding, NULL::VARCHAR AS form, count(DISTINCT row_number) AS row_count,
       min(event_time) AS first_seen, max(event_time) AS last_seen
FROM hits
GROUP BY employee_id, file, day
UNION ALL
SELECT 'mention', employee_id, file, NULL, column_number, finding, form, count(DISTINCT row_number), NULL, NULL
FROM hits
GROUP BY employee_id, file, column_number, finding, form
