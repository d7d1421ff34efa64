-- One employee's rows in several tables of one schema, read by one
-- statement from the files the subject index says hold them, newest first;
-- `daylight_file` is the position of each row's file among those read, which
-- tells the tables apart.
SELECT COLUMNS(lambda c: c NOT IN ('file_index', 'file_row_number')), file_index AS daylight_file
FROM {{rows_naming_subject}}
ORDER BY {{event_time}} DESC NULLS LAST
