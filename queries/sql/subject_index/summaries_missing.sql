-- Whether the index holds postings but no summaries: one built before
-- summaries were kept, whose summaries are made once when it is opened.
SELECT NOT EXISTS (FROM table_summaries) AND EXISTS (FROM postings)
