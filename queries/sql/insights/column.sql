-- One column of the rows an insight summarizes, by its quoted name.
{{column}}
