"""The ground floor: settings, database, data model, errors, translations, formats, quarters,
shared queries, the audit trail, edited-table diffs, progress, and the reference data as plain
values (structures, KPIs, French dates and names)."""
