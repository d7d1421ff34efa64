-- True when any value of the row holds one of the subject's keys as a token.
-- Only the texts that pass the subject's own prefilter (each key literally)
-- are cut into tokens: most rows hold none and cost one search.
list_has_any(flatten(list_transform(list_filter({{row_texts}},
                                                lambda daylight_value: regexp_matches(daylight_value.t,
                                                                                      $subject_prefilter)),
                                    lambda daylight_value: list_transform({{raw_tokens}},
                                                                          lambda daylight_token: {{key_of_token}}))),
             $subject_keys)
