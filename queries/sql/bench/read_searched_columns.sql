-- The benchmark's floor for an index build: every searched column of a
-- table read once and cast to text, but no tokens cut and nothing looked up.
SELECT sum(len({{row_texts}}))
FROM {{rows}}
