"""Quarterly results: entry, import, submission and validation, the submissions matrix, targets
and the KPI aggregation rules."""
