"""Saving the roadmap's edited tables: pillars, initiatives and milestones, all or nothing."""

from tracker.roadmap.editing.initiatives import replace_links, save_initiatives
from tracker.roadmap.editing.milestones import (
    milestone_label,
    removed_ids,
    save_milestones,
)
from tracker.roadmap.editing.pillars import create_default_pillars, save_pillars

__all__ = ["create_default_pillars", "milestone_label", "removed_ids", "replace_links",
           "save_initiatives", "save_milestones", "save_pillars"]
