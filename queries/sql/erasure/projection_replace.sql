* REPLACE ({{replacements}})
