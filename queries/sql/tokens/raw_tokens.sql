-- The raw tokens of `daylight_value.t`: none when the text fails the
-- directory's prefilter (a search every key's shape matches); the whole
-- value when it is a single token; otherwise every email and every run of
-- letters, digits, '.', '_' and '-' that starts and ends with a letter or
-- digit. A character outside ASCII belongs to the token it touches
-- (`key_of_token` then discards it). In a document, escape sequences count
-- as separators, so "line\nE00219" yields E00219, not nE00219.
CASE WHEN NOT regexp_matches(daylight_value.t, $prefilter) THEN []
     WHEN regexp_full_match(daylight_value.t, $single_token) THEN [daylight_value.t]
     WHEN {{is_document}} THEN regexp_extract_all(regexp_replace(daylight_value.t, $json_escape, ' ', 'g'), $token)
     ELSE regexp_extract_all(daylight_value.t, $token)
END
