"""Data leaving and entering the tracker in other people's formats: open-data releases (frozen
quarters or years of validated results, as Frictionless Data Packages) and the DHIS2 exchange
(the mapping of KPIs and structures to DHIS2 UIDs, dataValueSets export and import)."""
