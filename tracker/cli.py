"""Command line for batch work and checking: init, accounts, demo data, parses and imports."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path

from tracker.config import load_settings
from tracker.db import make_engine, transaction
from tracker.errors import TrackerError


def _engine(url: str | None):  # type: ignore[no-untyped-def]
    return make_engine(url or load_settings().database_url)


def cmd_init(args: argparse.Namespace) -> int:
    from tracker.bootstrap import initialize

    loaded = initialize(_engine(args.database_url), demo=not args.no_demo)
    print("demo data loaded" if loaded else "database ready")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from tracker.db import migrate
    from tracker.users import create_user

    engine = _engine(args.database_url)
    migrate(engine)
    password = args.password or getpass.getpass("Mot de passe : ")
    with transaction(engine) as session:
        from tracker.reference import load_reference_data

        load_reference_data(session)
        user = create_user(session, None, {
            "login": args.login, "display_name": args.name or args.login, "role": args.role,
            "structure_code": args.structure, "password": password, "email": args.email or ""})
    print(f"user {user.login} created ({user.role})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from tracker.bootstrap import initialize

    initialize(_engine(args.database_url), demo=True, scale=args.scale,
               today=date.fromisoformat(args.today) if args.today else None)
    print(f"demo data ({args.scale}) ready")
    return 0


def cmd_minutes_parse(args: argparse.Namespace) -> int:
    from tracker.minutes_parser import parse_minutes
    from tracker.refdata import load_structures_csv

    path = Path(args.file)
    parsed = parse_minutes(path.read_bytes(), path.name, load_structures_csv())
    print(json.dumps(parsed.to_json_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_results_import(args: argparse.Namespace) -> int:
    from tracker.results import import_results_file

    path = Path(args.file)
    report = import_results_file(_engine(args.database_url), path.read_bytes(), path.name,
                                 year=args.year, quarter=args.quarter,
                                 structure_code=args.structure, dry_run=args.dry_run)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else
          f"{report['accepted']} accepted, {len(report['rejected'])} rejected")  # type: ignore[arg-type]
    return 0


def _today(value: str | None) -> date:
    """--today, else today in Porto-Novo."""
    from datetime import datetime

    from tracker.formats import LOCAL_TZ

    return date.fromisoformat(value) if value else datetime.now(LOCAL_TZ).date()


def cmd_report(args: argparse.Namespace) -> int:
    from tracker.reports import run_report

    print(run_report(_engine(args.database_url), args.report_command, year=args.year,
                     quarter=args.quarter, lang=args.lang, out=args.out,
                     today=_today(args.today), structure=getattr(args, "structure", None),
                     kpi=getattr(args, "kpi", None)))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from tracker.db import migrate
    from tracker.reminders import report_lines, run_reminders

    engine = _engine(args.database_url)
    migrate(engine)
    outcome = run_reminders(engine, load_settings(), _today(args.today), days=args.days,
                            dry_run=args.dry_run)
    print("\n".join(report_lines(outcome)))
    return 1 if outcome.failed else 0


def cmd_conference_kpis(args: argparse.Namespace) -> int:
    from tracker.conference_kpis import refresh_computed_kpis

    with transaction(_engine(args.database_url)) as session:
        written = refresh_computed_kpis(session, None)
    print(json.dumps({"written": written}) if args.json else
          f"{written} computed result(s) written (CDSI_RECO, CDSI_PRES)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tracker")
    parser.add_argument("--database-url", help="default: TRACKER_DATABASE_URL or data/tracker.db")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="migrate the database and load reference data")
    init.add_argument("--no-demo", action="store_true", help="production: no demo data")
    init.set_defaults(func=cmd_init)

    user = sub.add_parser("create-user", help="create an account")
    user.add_argument("--login", required=True)
    user.add_argument("--role", required=True, choices=["admin", "leadership", "dsi", "viewer"])
    user.add_argument("--name")
    user.add_argument("--email")
    user.add_argument("--structure", help="structure code (required for a DSI)")
    user.add_argument("--password", help="asked interactively when omitted")
    user.set_defaults(func=cmd_create_user)

    demo = sub.add_parser("demo", help="load the demo data set into an empty database")
    demo.add_argument("--scale", choices=["default", "decade"], default="default")
    demo.add_argument("--today", help="ISO date the demo data is generated around")
    demo.set_defaults(func=cmd_demo)

    minutes = sub.add_parser("minutes", help="minutes (procès-verbaux)")
    msub = minutes.add_subparsers(dest="minutes_command", required=True)
    parse = msub.add_parser("parse", help="print the parse of a PV without writing anything")
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true", help="JSON output (the default)")
    parse.set_defaults(func=cmd_minutes_parse)

    results = sub.add_parser("results", help="quarterly results")
    rsub = results.add_subparsers(dest="results_command", required=True)
    imp = rsub.add_parser("import", help="import a CSV, TSV or XLSX of results")
    imp.add_argument("file")
    imp.add_argument("--year", type=int, required=True)
    imp.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    imp.add_argument("--structure", help="structure code when the file has no structure column")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_results_import)

    report = sub.add_parser("report", help="reports: bilan and fiche (PDF), workbook (XLSX)")
    psub = report.add_subparsers(dest="report_command", required=True)
    for name, about in (("bilan", "the bilan of a quarter, or of a year without --quarter"),
                        ("fiche", "the one-page fiche of a structure for a quarter"),
                        ("workbook", "the quarter as an XLSX workbook")):
        cmd = psub.add_parser(name, help=about)
        cmd.add_argument("--year", type=int, required=True)
        cmd.add_argument("--quarter", type=int, choices=[1, 2, 3, 4],
                         required=name != "bilan")
        cmd.add_argument("--lang", choices=["fr", "en"], default="fr")
        cmd.add_argument("--out", required=True, help="file to write")
        cmd.add_argument("--today", help="ISO date of the data (default: today, Porto-Novo)")
        if name == "fiche":
            cmd.add_argument("--structure", required=True, help="structure code")
            cmd.add_argument("--kpi", help="KPI code of the trend chart (default: a key KPI)")
        cmd.set_defaults(func=cmd_report)

    remind = sub.add_parser("remind", help="send the e-mail reminders due today")
    remind.add_argument("--dry-run", action="store_true", help="print, send nothing")
    remind.add_argument("--today", help="ISO date (default: today, Porto-Novo)")
    remind.add_argument("--days", type=int, default=7, help="days before a deadline")
    remind.set_defaults(func=cmd_remind)

    conference = sub.add_parser("conference", help="conference sessions")
    csub = conference.add_subparsers(dest="conference_command", required=True)
    kpis = csub.add_parser("kpis", help="store CDSI_RECO and CDSI_PRES computed from the "
                           "actions and attendance recorded (running it twice changes nothing)")
    kpis.add_argument("--json", action="store_true")
    kpis.set_defaults(func=cmd_conference_kpis)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (TrackerError, OSError, ValueError) as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 2
