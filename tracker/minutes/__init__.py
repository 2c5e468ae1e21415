"""Reading a procès-verbal (Word, Markdown or text) into a reviewable parse: no database,
nothing written; the review and confirmation live in conference."""
