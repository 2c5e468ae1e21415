"""Files users send and receive: upload checks, spreadsheet reading (XLSX, ODS, CSV, TSV), CSV
and XLSX writing with formula-like text neutralised."""
