"""The demo PV of a held session, in Markdown as the secretariat writes it."""

from __future__ import annotations

from tracker.core.formats import ordinal_fr
from tracker.core.models import ActionStatus, AttendanceStatus
from tracker.demo.base import ALL, DEMO_NOTICE, MONTHS, Ctx, due_text, long_date
from tracker.demo.content import FEMININE_CHAIRS, RAPPORTEUR, STATUS_FR
from tracker.demo.sessions import DemoSession


def minutes_text(ctx: Ctx, sess: DemoSession, done_recos: tuple[int, int]) -> str:
    """The PV of a held session; ``done_recos``: recommendations done and made before it."""
    lines = [
        "# PROCÈS-VERBAL", "",
        "**RÉPUBLIQUE DU BÉNIN — Agence des systèmes d'information et du numérique (ASIN)**",
        "Secrétariat technique de la Conférence des DSI", "",
        f"## {ordinal_fr(sess.rank, True)} session ordinaire de la Conférence des Directeurs des "
        f"Systèmes d'Information au titre de l'année {sess.year} — "
        f"{ordinal_fr(sess.number, True)} conférence", "",
        f"- **Date :** {long_date(sess.day, weekday=True)}",
        f"- **Lieu :** {sess.place}",
        "- **Heure :** 9 h 00 – 13 h 30",
        f"- **Présidence :** {sess.chair}",
        f"- **Rapporteur :** {RAPPORTEUR}",
        f"- **Thème :** « {sess.theme} »", "",
        f"*{DEMO_NOTICE}*", "",
        "## 1. Participants", "",
        "| N° | Nom et prénoms | Fonction | Structure |", "|---|---|---|---|",
    ]
    present = [a for a in sess.attendance if a[1] == AttendanceStatus.present]
    for i, (org, _, name, role) in enumerate(present, start=1):
        lines.append(f"| {i} | {name} | {role} | {org.code} |")
    excused = [a[0].code for a in sess.attendance if a[1] == AttendanceStatus.excused]
    absent = [a[0].code for a in sess.attendance if a[1] == AttendanceStatus.absent]
    lines += ["", f"**Absents excusés :** {', '.join(excused) or 'néant'}",
              f"**Absents :** {', '.join(absent) or 'néant'}", "",
              f"Quorum atteint ({len(present)} structures représentées).", "",
              "## 2. Ordre du jour", ""]
    lines += [f"{i}. {title}" for i, (title, _) in enumerate(sess.agenda, start=1)]
    done, total = done_recos
    lines += ["", "## 3. Déroulement des travaux", "",
              f"{'La' if sess.chair in FEMININE_CHAIRS else 'Le'} {sess.chair} a ouvert la "
              "séance à 9 h 10. Le point de mise en œuvre des "
              f"recommandations montre que {done} recommandations sur {total} sont réalisées.",
              ""]
    for title, tag in sess.agenda[3:-1]:
        if tag:
            lines.append(f"Le point « {title} » a donné lieu à des échanges sur l'état "
                         "d'avancement dans les structures et les difficultés rencontrées.")
    lines += ["", "## 4. Décisions", ""]
    lines += [f"- D{i}. {text}" for i, text in enumerate(sess.decisions, start=1)]
    lines += ["", "## 5. Recommandations", "",
              "| N° | Recommandation | Responsable | Échéance |", "|---|---|---|---|"]
    for item in sess.recommendations:
        owner = "Tous les ministères" if item.owner == ALL else item.owner
        lines.append(f"| {item.number} | {item.text} | {owner} | "
                     f"{due_text(item.due_kind, item.due)} |")
    lines += ["", "## 6. Actions à mener", "",
              "| N° | Action | Responsable | Échéance | Statut |", "|---|---|---|---|---|"]
    for item in sess.actions:
        owner = "Tous les ministères" if item.owner == ALL else item.owner
        lines.append(f"| {item.number} | {item.text} | {owner} | "
                     f"{due_text(item.due_kind, item.due)} | "
                     f"{STATUS_FR[ActionStatus(item.status_in_pv)]} |")
    lines += ["", "## 7. Divers", ""]
    if sess.next_day:
        lines.append(f"Prochaine session : {MONTHS[sess.next_day.month - 1]} "
                     f"{sess.next_day.year} (date indicative).")
        lines.append("")
    lines += ["Levée de séance : 13 h 30.", "",
              f"Fait à Cotonou, le {long_date(sess.day)}", "",
              "Le Rapporteur — Le Président de séance", ""]
    return "\n".join(lines)
