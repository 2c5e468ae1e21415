"""The roadmap of a year: pillars → initiatives → milestones.

Rules kept here, and nowhere else:

- Progress rolls up from milestones: an initiative's progress is Σ weight of milestones done /
  Σ weight of its milestones; a pillar's (and the whole roadmap's) is Σ (initiative weight ×
  progress) / Σ initiative weight, over the initiatives that have milestones (an initiative
  without milestones has no measured progress: missing, not zero).
- An initiative's status is computed when read, from its milestones and today: done when every
  milestone is done; off track ("en retard") when two milestones or more are overdue or its end
  quarter is over; at risk when its next milestone is overdue; on track otherwise. The
  secretariat may override it (``status_override``), always with a reason. The stored
  ``Initiative.status`` is the override, or else a snapshot of the computed status refreshed at
  each write (for readers of the raw table); the truth is ``effective_status``.
- The secretariat edits everything. The owner structure's DSI records progress: the date a
  milestone of its own initiatives was done, nothing else; the initiative's status then follows
  from its milestones (a DSI never sets a status).
- Next year's roadmap is prepared from the unfinished initiatives and milestones (dates shifted
  by one year), linked by ``copied_from_id``, never twice.
- The session review reads the audit log since the previous session.
"""
