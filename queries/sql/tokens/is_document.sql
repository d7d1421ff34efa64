-- True when `daylight_value` is a document: a nested column (as JSON), or text
-- that starts like JSON. Its escape sequences separate tokens, and a key in
-- it names a person rather than being the row's subject.
(daylight_value.nested OR regexp_matches(daylight_value.t, '^\s*[\[{]'))
