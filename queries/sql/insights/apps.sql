-- Which applications a person's records name most: the eight most frequent
-- names (ties by name) with their records, and the records naming any.
WITH named AS MATERIALIZED (
    SELECT CAST(app AS VARCHAR) AS app FROM {{rows}} WHERE app IS NOT NULL AND CAST(app AS VARCHAR) <> ''
),
top AS (
    SELECT app, count(*) AS records FROM named GROUP BY app ORDER BY records DESC, app LIMIT 8
)
SELECT (SELECT count(*) FROM named) AS named_records,
       (SELECT list(app ORDER BY records DESC, app) FROM top) AS apps,
       (SELECT list(records ORDER BY records DESC, app) FROM top) AS records
