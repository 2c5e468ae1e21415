"""Conference sessions: numbering, agenda, attendance, minutes review and confirmation, the Word
PV, actions and recommendations, the follow-up spreadsheet, and the conference's own KPIs."""
