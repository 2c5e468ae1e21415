"""The demo data set: deterministic, generated around today, people invented."""
