"""The secretariat's follow-up spreadsheet: template, preview, then an all-or-nothing import.

The same file twice changes nothing; a closed session only takes status and comment updates.
"""

from tracker.conference.followup.applying import apply_followup
from tracker.conference.followup.columns import parse_session, parse_status
from tracker.conference.followup.preview import (
    FollowupCounts,
    FollowupPreview,
    FollowupRow,
    PlannedItem,
    preview_frame,
)
from tracker.conference.followup.reading import read_followup_file
from tracker.conference.followup.template import followup_template

__all__ = ["FollowupCounts", "FollowupPreview", "FollowupRow", "PlannedItem", "apply_followup",
           "followup_template", "parse_session", "parse_status", "preview_frame",
           "read_followup_file"]
