-- The rows of {{rows}} any of whose values holds one of the subject's keys as
-- a token, with the columns {{rows}} has. A row none of whose texts passes
-- the subject's own prefilter (each key literally) cannot, and is settled by
-- that search alone, which DuckDB applies as it scans; of a row that passes,
-- only the texts that pass are cut into tokens. The rows that pass are kept
-- apart first, so the cutting is planned once rather than once for every
-- file a statement reads, and the texts are cut by `unnest`: inside a lambda,
-- each regular expression cost DuckDB about 40 µs a text.
(WITH passing AS MATERIALIZED (
    SELECT *, {{row_texts}} AS daylight_texts
    FROM {{rows}}
    WHERE {{any_text_passes}}
)
SELECT * EXCLUDE (daylight_texts)
FROM passing
WHERE EXISTS (SELECT 1
              FROM (SELECT unnest({{raw_tokens}}) AS daylight_token
                    FROM (SELECT unnest(passing.daylight_texts) AS daylight_value)
                    WHERE regexp_matches(daylight_value.t, $subject_prefilter))
              WHERE list_contains($subject_keys, {{key_of_token}})))
