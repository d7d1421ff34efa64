-- Some columns of one employee's rows in tables read alike (read only from the files
-- the subject index names), for an insight to summarize.
SELECT {{columns}}
FROM {{rows_naming_subject}}
