-- The texts of one row, one per scanned column that is not NULL.
list_filter([{{texts}}], lambda daylight_value: daylight_value.t IS NOT NULL)
