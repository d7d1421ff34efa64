-- One employee's rows in one table, newest first, read only from the files
-- the subject index says hold them: every row any of whose values holds one
-- of their keys as a token.
SELECT *
FROM {{rows_naming_subject}}
ORDER BY {{event_time}} DESC NULLS LAST
LIMIT $row_limit
