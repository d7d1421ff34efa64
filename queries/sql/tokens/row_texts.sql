-- The texts of one row that may hold a key: every scanned column's text that
-- passes the directory's prefilter (a search every key's shape matches).
list_filter([{{texts}}], lambda daylight_value: daylight_value.t IS NOT NULL
                                                AND regexp_matches(daylight_value.t, $prefilter))
