"""All warehouse access. SQL lives in `queries/sql/*.sql` with bound
parameters; table and column names found by discovery are only ever
inserted as quoted identifiers (see `queries.sql`)."""
