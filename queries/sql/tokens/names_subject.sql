-- True when any value of the row holds one of the subject's keys as a token.
-- A row none of whose texts passes the subject's own prefilter (each key
-- literally) cannot, and is settled by that search alone; of a row that
-- passes, only the texts that pass are cut into tokens.
({{any_text_passes}})
AND list_has_any(flatten(list_transform(list_filter({{row_texts}},
                                                    lambda daylight_value: regexp_matches(daylight_value.t,
                                                                                          $subject_prefilter)),
                                        lambda daylight_value: list_transform({{raw_tokens}},
                                                                              lambda daylight_token: {{key_of_token}}))),
                 $subject_keys)
