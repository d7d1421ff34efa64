-- Whether the rows added since the last sort are more than $share of the index:
-- a lookup reads the sorted row groups holding its employee plus every unsorted one.
SELECT (SELECT coalesce(sum(row_count), 0) FROM unsorted_rows)
       > $share * ((SELECT count(*) FROM postings) + (SELECT count(*) FROM hours) + (SELECT count(*) FROM mentions)
                  + (SELECT count(*) FROM row_runs))
