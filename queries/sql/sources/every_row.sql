-- Every row of a file: the subject index named no runs in it.
true
