-- True when any value of the row holds one of the subject's keys as a token.
list_has_any(flatten(list_transform({{row_texts}},
                                    lambda daylight_value: list_transform({{raw_tokens}},
                                                                          lambda daylight_token: {{key_of_token}}))),
             $subject_keys)
