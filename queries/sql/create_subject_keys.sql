-- Every way the directory identifies a person, lower-cased: id and email.
CREATE OR REPLACE TABLE subject_keys AS
SELECT DISTINCT lower(value) AS value, employee_id
FROM (
    SELECT unnest($employee_ids) AS employee_id, unnest($employee_ids) AS value
    UNION ALL
    SELECT unnest($employee_ids) AS employee_id, unnest($emails) AS value
)
