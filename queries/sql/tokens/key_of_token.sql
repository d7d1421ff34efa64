-- One raw token `daylight_token` as it is looked up among the keys:
-- lower-cased, an email's `+tag` dropped; NULL when shorter than every key or
-- when it holds a character outside ASCII — checked before lower-casing,
-- which would turn a look-alike such as the Kelvin sign into a letter.
CASE WHEN strlen(daylight_token) >= $shortest_key AND strlen(daylight_token) = length(daylight_token)
     THEN CASE WHEN contains(daylight_token, '@')
               THEN regexp_replace(lower(daylight_token), $plus_tag, '@')
               ELSE lower(daylight_token) END
END
