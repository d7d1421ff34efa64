-- Every key of every person in the directory, lower-cased, with its form
-- (employee_id, email, login, badge, hostname, or a hash of the id or email).
CREATE OR REPLACE TABLE subject_keys AS
SELECT unnest($keys) AS value, unnest($employee_ids) AS employee_id, unnest($kinds) AS kind
