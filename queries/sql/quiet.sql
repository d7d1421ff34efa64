-- DuckDB may draw a progress bar on standard output for a statement past two seconds
-- (the index's sort at L did): in a server, noise in the operators' log. Cursors of the
-- connection inherit this.
SET enable_progress_bar = false
