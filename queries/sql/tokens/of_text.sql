-- The tokens of `daylight_value.t`, lower-cased, `+tag` dropped from emails:
-- the whole value when it is a single token, otherwise every email and every
-- run of letters, digits, '.', '_' and '-' that starts and ends with a letter
-- or digit, kept only when as long as some key and in ASCII — checked before
-- lower-casing, which would turn a look-alike such as the Kelvin sign into
-- a letter (a character outside ASCII spoils the token it touches). In JSON
-- text (a nested column, or a value that starts like a document) escape
-- sequences count as separators, so "line\nE00219" yields E00219, not nE00219.
CASE WHEN regexp_full_match(daylight_value.t, $single_token)
     THEN [regexp_replace(lower(daylight_value.t), $plus_tag, '@')]
     ELSE list_transform(
              list_filter(
                  regexp_extract_all(
                      CASE WHEN daylight_value.nested OR regexp_matches(daylight_value.t, '^\s*[\[{]')
                           THEN regexp_replace(daylight_value.t, $json_escape, ' ', 'g')
                           ELSE daylight_value.t END,
                      $token),
                  lambda daylight_token: strlen(daylight_token) BETWEEN $shortest_key AND $longest_key + 64
                                         AND strlen(daylight_token) = length(daylight_token)),
              lambda daylight_token: CASE WHEN contains(daylight_token, '@')
                                          THEN regexp_replace(lower(daylight_token), $plus_tag, '@')
                                          ELSE lower(daylight_token) END)
END
