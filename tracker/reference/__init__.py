"""The reference data ASIN keeps: structures (with history and successors) and the KPI
catalogue, edited on « Référentiels »."""
