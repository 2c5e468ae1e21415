"""Which pages each role sees: one table, read by app.py to build the navigation."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.models import Role

ALL_ROLES = (Role.admin, Role.leadership, Role.dsi, Role.viewer)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    url_path: str
    roles: tuple[Role, ...]

    @property
    def section_key(self) -> str:
        """The menu section the page sits in (a key of the nav catalogue)."""
        return SECTIONS.get(self.url_path, "nav.section_main")


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "nav.home", ":material/home:", "home", ALL_ROLES),
    PageSpec("pages/overview.py", "nav.overview", ":material/dashboard:", "overview",
             ALL_ROLES),
    PageSpec("pages/ministry.py", "nav.ministry", ":material/account_balance:", "ministry",
             ALL_ROLES),
    PageSpec("pages/platforms.py", "nav.platforms", ":material/hub:", "platforms", ALL_ROLES),
    PageSpec("pages/trajectories.py", "nav.trajectories", ":material/trending_up:",
             "trajectories", ALL_ROLES),
    PageSpec("pages/conferences.py", "conferences.nav_title", ":material/groups:",
             "conferences", ALL_ROLES),
    PageSpec("pages/minutes.py", "minutes_review.nav_title", ":material/description:",
             "minutes", (Role.admin,)),
    PageSpec("pages/actions.py", "actions.nav_title", ":material/task_alt:", "actions",
             ALL_ROLES),
    PageSpec("pages/effects.py", "effects.nav_title", ":material/insights:", "effects",
             ALL_ROLES),
    PageSpec("pages/roadmap.py", "roadmap.nav_title", ":material/timeline:", "roadmap",
             ALL_ROLES),
    PageSpec("pages/roadmap_review.py", "roadmap.nav_review", ":material/difference:",
             "roadmap-review", ALL_ROLES),
    PageSpec("pages/results_entry.py", "nav.results_entry", ":material/edit_note:",
             "results", (Role.dsi, Role.admin)),
    PageSpec("pages/validation.py", "nav.validation", ":material/fact_check:", "validation",
             (Role.admin,)),
    PageSpec("pages/submissions.py", "nav.submissions", ":material/grid_view:", "submissions",
             (Role.admin, Role.leadership)),
    PageSpec("pages/reports.py", "reports.nav_title", ":material/summarize:", "reports",
             (Role.admin, Role.leadership)),
    PageSpec("pages/results_settings.py", "nav.results_settings", ":material/tune:",
             "windows-targets", (Role.admin,)),
    PageSpec("pages/reference.py", "nav.reference", ":material/list_alt:", "reference",
             ALL_ROLES),
    PageSpec("pages/users.py", "nav.users", ":material/group:", "users", (Role.admin,)),
    PageSpec("pages/journal.py", "nav.journal", ":material/history:", "journal", (Role.admin,)),
)


SECTIONS = {
    "overview": "nav.section_dashboards", "ministry": "nav.section_dashboards",
    "platforms": "nav.section_dashboards", "conferences": "nav.section_conference",
    "minutes": "nav.section_conference", "actions": "nav.section_conference",
    "effects": "nav.section_conference",
    "roadmap": "nav.section_roadmap", "roadmap-review": "nav.section_roadmap",
    "results": "nav.section_results", "validation": "nav.section_results",
    "submissions": "nav.section_results", "windows-targets": "nav.section_results",
    "reports": "nav.section_dashboards", "trajectories": "nav.section_dashboards",
    "reference": "nav.section_admin", "users": "nav.section_admin", "journal": "nav.section_admin",
}


def pages_for(role: Role) -> list[PageSpec]:
    """The pages a role may open, in menu order (a page checks the role again itself)."""
    return [page for page in PAGES if role in page.roles]


def roles_for(path: str) -> tuple[Role, ...]:
    """The roles that may open a page; none for a page this table does not name."""
    for page in PAGES:
        if page.path == path:
            return page.roles
    return ()


def may_open(role: Role, path: str) -> bool:
    """Page access, closed by default: a page the table does not name opens for nobody."""
    return role in roles_for(path)
