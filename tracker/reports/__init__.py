"""Documents to send: the bilan and the fiche (PDF), the quarter's workbook, charts as PNG, and
the e-mail reminders."""
