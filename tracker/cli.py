"""Command line for batch work and checking: init, accounts, demo data, parses and imports.

Exit codes, as a Unix tool: 0 the work is done; 1 the work ran but found problems (an import
with rejected rows, a reminder that failed); 2 bad usage, or input that could not be read (a
file, a database that cannot be reached). Errors are one line on standard error, never a
traceback. Long work tells its progress on standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from tracker import __version__
from tracker.core import logs
from tracker.core.config import load_settings, log_json
from tracker.core.db import make_engine, transaction
from tracker.core.errors import TrackerError
from tracker.core.i18n import t
from tracker.core.progress import listening, terminal_listener

EXIT_DONE, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _url(args: argparse.Namespace) -> str:
    return getattr(args, "database_url", None) or load_settings().database_url


def _engine(args: argparse.Namespace) -> Engine:
    return make_engine(_url(args))


def shown_url(url: str) -> str:
    """A database URL as it may be printed: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@", 1)[-1]


def cmd_init(args: argparse.Namespace) -> int:
    from tracker.bootstrap import initialize

    loaded = initialize(_engine(args), demo=not args.no_demo)
    print("demo data loaded" if loaded else "database ready")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from tracker.accounts.users import create_user
    from tracker.core.db import migrate

    engine = _engine(args)
    migrate(engine)
    password = args.password or getpass.getpass("Mot de passe : ")
    with transaction(engine) as session:
        from tracker.reference.catalogue import load_reference_data

        load_reference_data(session)
        user = create_user(session, None, {
            "login": args.login, "display_name": args.name or args.login, "role": args.role,
            "structure_code": args.structure, "password": password, "email": args.email or ""})
    print(f"user {user.login} created ({user.role})")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from tracker.accounts.tokens import issue_token_for_login
    from tracker.core.db import migrate
    from tracker.core.formats import format_datetime

    engine = _engine(args)
    migrate(engine)
    with transaction(engine) as session:
        issued = issue_token_for_login(session, None, args.login, args.days)
    print(issued.token)
    print(t("api.token_created", login=issued.login, until=format_datetime(issued.expires_at))
          + " " + t("api.token_shown_once"), file=sys.stderr)
    return EXIT_DONE


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from tracker.accounts.tokens import revoke_tokens_of
    from tracker.core.db import migrate

    engine = _engine(args)
    migrate(engine)
    with transaction(engine) as session:
        revoked = revoke_tokens_of(session, None, args.login)
    print(t("cli.tokens_revoked", n=revoked, login=args.login.strip().lower()))
    return EXIT_DONE


def cmd_demo(args: argparse.Namespace) -> int:
    from tracker.bootstrap import initialize

    loaded = initialize(_engine(args), demo=True, scale=args.scale,
                        today=date.fromisoformat(args.today) if args.today else None)
    if not loaded:
        print(t("cli.demo_not_empty", url=shown_url(_url(args))), file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"demo data ({args.scale}) ready")
    return EXIT_DONE


def cmd_minutes_parse(args: argparse.Namespace) -> int:
    from tracker.core.refdata import load_structures_csv
    from tracker.minutes.parser import parse_minutes

    path = Path(args.file)
    parsed = parse_minutes(path.read_bytes(), path.name, load_structures_csv())
    print(json.dumps(parsed.to_json_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_results_import(args: argparse.Namespace) -> int:
    from tracker.results.loading import import_results_file

    path = Path(args.file)
    report = import_results_file(_engine(args), path.read_bytes(), path.name,
                                 year=args.year, quarter=args.quarter,
                                 structure_code=args.structure, dry_run=args.dry_run)
    rejected = len(report["rejected"])  # type: ignore[arg-type]
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else
          f"{report['accepted']} accepted, {rejected} rejected")
    return EXIT_PROBLEMS if rejected else EXIT_DONE


def cmd_publish(args: argparse.Namespace) -> int:
    from tracker.core.db import migrate
    from tracker.exchange.datapackage import write_package
    from tracker.exchange.releases import WHOLE_YEAR, period_name, publish

    engine = _engine(args)
    migrate(engine)
    quarter = args.quarter or WHOLE_YEAR
    with transaction(engine) as session:
        done = publish(session, None, args.year, quarter, note=args.note or "")
        write_package(done.release, Path(args.out))
        release = done.release
    period = period_name(args.year, quarter)
    if done.created:
        print(t("exchange.written_package", period=period, edition=release.edition,
                n=release.rows, folder=args.out))
    else:
        print(t("exchange.written_unchanged", period=period, edition=release.edition,
                folder=args.out))
    return EXIT_DONE


def cmd_dhis2_export(args: argparse.Namespace) -> int:
    from tracker.exchange.dhis2 import dhis2_period, export_quarter

    with transaction(_engine(args)) as session:
        export = export_quarter(session, None, args.year, args.quarter)
    Path(args.out).write_bytes(export.json_bytes())
    print(t("exchange.export_written", n=export.count, path=args.out,
            period=dhis2_period(args.year, args.quarter)))
    if export.unmapped_kpis or export.unmapped_structures:
        print(t("exchange.export_unmapped", kpis=", ".join(export.unmapped_kpis) or "—",
                structures=", ".join(export.unmapped_structures) or "—"), file=sys.stderr)
    return EXIT_DONE


def cmd_dhis2_import(args: argparse.Namespace) -> int:
    from tracker.exchange.dhis2 import import_dhis2_file

    path = Path(args.file)
    report = import_dhis2_file(_engine(args), path.read_bytes(), path.name, dry_run=args.dry_run)
    rejected = len(report["rejected"])  # type: ignore[arg-type]
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else
          f"{report['accepted']} accepted, {rejected} rejected")
    return EXIT_PROBLEMS if rejected else EXIT_DONE


def _today(value: str | None) -> date:
    """--today, else today in Porto-Novo."""
    from datetime import datetime

    from tracker.core.formats import LOCAL_TZ

    return date.fromisoformat(value) if value else datetime.now(LOCAL_TZ).date()


def cmd_report(args: argparse.Namespace) -> int:
    from tracker.reports.commands import run_report

    print(run_report(_engine(args), args.report_command, year=args.year,
                     quarter=args.quarter, lang=args.lang, out=args.out,
                     today=_today(args.today), structure=getattr(args, "structure", None),
                     kpi=getattr(args, "kpi", None)))
    return 0


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(t("cli.bad_date", value=value)) from None


def cmd_agenda_propose(args: argparse.Namespace) -> int:
    from tracker.core.db import reading
    from tracker.dashboards.agenda_proposal import propose_agenda
    from tracker.reports.document import command_line_actor

    with reading(_engine(args)) as session:
        items = propose_agenda(session, command_line_actor(), _date(args.date))
    if args.json:
        print(json.dumps([item.as_dict() for item in items], ensure_ascii=False, indent=2))
    else:
        for n, item in enumerate(items, start=1):
            print(f"{n}. [{item.kind}] {item.title}" + (f" — {item.evidence}"
                                                         if item.evidence else ""))
    return EXIT_DONE


def cmd_report_brief(args: argparse.Namespace) -> int:
    from tracker.core.db import reading
    from tracker.reports.brief import brief_pdf
    from tracker.reports.document import command_line_actor, write_document

    with reading(_engine(args)) as session:
        document = brief_pdf(session, command_line_actor(), _date(args.date), lang=args.lang)
    print(write_document(document, args.out))
    return EXIT_DONE


def cmd_remind(args: argparse.Namespace) -> int:
    from tracker.core.db import migrate
    from tracker.reports.reminders import report_lines, run_reminders

    engine = _engine(args)
    migrate(engine)
    outcome = run_reminders(engine, load_settings(), _today(args.today), days=args.days,
                            dry_run=args.dry_run, brief_days=args.brief_days)
    print("\n".join(report_lines(outcome)))
    return 1 if outcome.failed else 0


def cmd_conference_kpis(args: argparse.Namespace) -> int:
    from tracker.conference.kpis import refresh_computed_kpis

    with transaction(_engine(args)) as session:
        written = refresh_computed_kpis(session, None)
    print(json.dumps({"written": written}) if args.json else
          f"{written} computed result(s) written (CDSI_RECO, CDSI_PRES)")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from tracker.core.backup import backup

    done = backup(_url(args), Path(args.out))
    print(t("backup.done_backup", file=done.path, size=max(1, round(done.size / 1024)),
            revision=done.revision or "-", seconds=f"{done.seconds:.1f}"))
    return EXIT_DONE


def cmd_restore(args: argparse.Namespace) -> int:
    from tracker.core.backup import head_revision, restore

    done = restore(_url(args), Path(args.file))
    print(t("backup.done_restore", url=shown_url(_url(args)), file=done.path,
            revision=done.revision or "-", seconds=f"{done.seconds:.1f}"))
    head = head_revision()
    if done.revision != head:
        print(t("backup.upgrade_pending", revision=done.revision or "-", head=head))
    return EXIT_DONE


def _prog() -> str:
    """How the user called us: ``cdsi`` (console script) or ``python -m tracker``."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python -m tracker" if name in {"", "__main__.py", "-c"} else name


class _Commands:
    """Sub-command parsers that all accept the global options, before or after the command."""

    def __init__(self, parent: argparse.ArgumentParser) -> None:
        self.common = argparse.ArgumentParser(add_help=False)
        # SUPPRESS: a sub-command given no --database-url keeps the one given before it.
        self.common.add_argument("--database-url", default=argparse.SUPPRESS, metavar="URL",
                                 help="database (default: TRACKER_DATABASE_URL, else "
                                      "data/tracker.db)")
        self.parent = parent

    def group(self, parser: argparse.ArgumentParser, dest: str) -> Any:
        return parser.add_subparsers(dest=dest, required=True, metavar="COMMAND")

    def add(self, group: Any, name: str, about: str,
            func: Callable[[argparse.Namespace], int] | None = None) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = group.add_parser(
            name, help=about, description=about, parents=[self.common])
        if func is not None:
            command.set_defaults(func=func)
        return command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(), description="DSI Conference & Roadmap Tracker: batch work and checks.",
        epilog="Exit codes: 0 done; 1 the work ran but found problems (rejected rows, a failed "
               "reminder); 2 bad usage or input that could not be read.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--database-url", metavar="URL",
                        help="database (default: TRACKER_DATABASE_URL, else data/tracker.db)")
    commands = _Commands(parser)
    sub = commands.group(parser, "command")

    init = commands.add(sub, "init", "migrate the database and load the reference data",
                        cmd_init)
    init.add_argument("--no-demo", action="store_true", help="production: no demo data")

    user = commands.add(sub, "create-user", "create an account", cmd_create_user)
    user.add_argument("--login", required=True)
    user.add_argument("--role", required=True, choices=["admin", "leadership", "dsi", "viewer"])
    user.add_argument("--name")
    user.add_argument("--email")
    user.add_argument("--structure", help="structure code (required for a DSI)")
    user.add_argument("--password", help="asked interactively when omitted")

    token = commands.add(sub, "token", "personal tokens of the read-only API (/api/v1)")
    tokens = commands.group(token, "token_command")
    create = commands.add(tokens, "create", "issue a token to an account and print it (once)",
                          cmd_token_create)
    create.add_argument("--login", required=True, help="the account the token acts for")
    create.add_argument("--days", type=int, default=90,
                        help="days before the token expires (1 to 365, default 90)")
    revoke = commands.add(tokens, "revoke", "revoke every token of an account",
                          cmd_token_revoke)
    revoke.add_argument("--login", required=True)

    demo = commands.add(sub, "demo", "load the demo data set into an empty database", cmd_demo)
    demo.add_argument("--scale", choices=["default", "decade"], default="default")
    demo.add_argument("--today", help="ISO date the demo data is generated around")

    minutes = commands.add(sub, "minutes", "minutes (procès-verbaux): parse a file")
    parse = commands.add(commands.group(minutes, "minutes_command"), "parse",
                         "print the parse of a PV as JSON, without writing anything",
                         cmd_minutes_parse)
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true", help="JSON output (the default)")

    results = commands.add(sub, "results", "quarterly results: import a file")
    imp = commands.add(commands.group(results, "results_command"), "import",
                       "import a CSV, TSV or XLSX of results (exit 1 when rows are rejected)",
                       cmd_results_import)
    imp.add_argument("file")
    imp.add_argument("--year", type=int, required=True)
    imp.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    imp.add_argument("--structure", help="structure code when the file has no structure column")
    imp.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    imp.add_argument("--json", action="store_true", help="the full report as JSON")

    publish = commands.add(sub, "publish", "publish a quarter (or a year) as open data: "
                           "a Data Package folder", cmd_publish)
    publish.add_argument("--year", type=int, required=True)
    publish.add_argument("--quarter", type=int, choices=[1, 2, 3, 4],
                         help="the quarter (default: the whole year)")
    publish.add_argument("--out", required=True, help="folder to write datapackage.json and "
                         "the CSV files into")
    publish.add_argument("--note", help="the release note's own words")

    dhis2 = commands.add(sub, "dhis2", "DHIS2 exchange: export a quarter, import values")
    dhis2_commands = commands.group(dhis2, "dhis2_command")
    export = commands.add(dhis2_commands, "export", "write a quarter's validated results as a "
                          "DHIS2 dataValueSets JSON (mapped KPIs and structures)",
                          cmd_dhis2_export)
    export.add_argument("--year", type=int, required=True)
    export.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    export.add_argument("--out", required=True, help="JSON file to write")
    dhis2_import = commands.add(dhis2_commands, "import", "import a DHIS2 dataValueSets file "
                                "(JSON or CSV) as results (exit 1 when rows are rejected)",
                                cmd_dhis2_import)
    dhis2_import.add_argument("file")
    dhis2_import.add_argument("--dry-run", action="store_true", help="check the file, write "
                              "nothing")
    dhis2_import.add_argument("--json", action="store_true", help="the full report as JSON")

    report = commands.add(sub, "report", "reports: bilan, fiche and a session's brief (PDF), "
                          "workbook (XLSX)")
    reports = commands.group(report, "report_command")
    brief = commands.add(reports, "brief", "the pre-read brief of the session held on a date "
                         "(proposed agenda, one page per item, follow-up of the previous "
                         "session's recommendations)", cmd_report_brief)
    brief.add_argument("--date", required=True, help="ISO date of the session (YYYY-MM-DD)")
    brief.add_argument("--lang", choices=["fr", "en"], default="fr")
    brief.add_argument("--out", required=True, help="file to write")
    for name, about in (("bilan", "the bilan of a quarter, or of a year without --quarter"),
                        ("fiche", "the one-page fiche of a structure for a quarter"),
                        ("workbook", "the quarter as an XLSX workbook")):
        cmd = commands.add(reports, name, about, cmd_report)
        cmd.add_argument("--year", type=int, required=True)
        cmd.add_argument("--quarter", type=int, choices=[1, 2, 3, 4],
                         required=name != "bilan")
        cmd.add_argument("--lang", choices=["fr", "en"], default="fr")
        cmd.add_argument("--out", required=True, help="file to write")
        cmd.add_argument("--today", help="ISO date of the data (default: today, Porto-Novo)")
        if name == "fiche":
            cmd.add_argument("--structure", required=True, help="structure code")
            cmd.add_argument("--kpi", help="KPI code of the trend chart (default: a key KPI)")

    agenda = commands.add(sub, "agenda", "the proposed agenda of a session")
    propose = commands.add(commands.group(agenda, "agenda_command"), "propose",
                           "print the agenda proposed from the data for a session held on a "
                           "date (nothing is written)", cmd_agenda_propose)
    propose.add_argument("--date", required=True, help="ISO date of the session (YYYY-MM-DD)")
    propose.add_argument("--json", action="store_true",
                         help="JSON: kind, title, evidence, structures, link per item")

    remind = commands.add(sub, "remind", "send the e-mail reminders due today (exit 1 when "
                          "one could not be sent)", cmd_remind)
    remind.add_argument("--dry-run", action="store_true", help="print, send nothing")
    remind.add_argument("--today", help="ISO date (default: today, Porto-Novo)")
    remind.add_argument("--days", type=int, default=7, help="days before a deadline")
    remind.add_argument("--brief-days", type=int, default=10,
                        help="days before a planned session its convocation and pre-read "
                             "brief go to the invited DSIs (once per session)")

    conference = commands.add(sub, "conference", "conference sessions: computed KPIs")
    kpis = commands.add(commands.group(conference, "conference_command"), "kpis",
                        "store CDSI_RECO and CDSI_PRES computed from the actions and attendance "
                        "(running it twice changes nothing)", cmd_conference_kpis)
    kpis.add_argument("--json", action="store_true")

    save = commands.add(sub, "backup", "back up the database to a file (SQLite: online "
                        "backup API, consistent while the app runs; PostgreSQL: pg_dump)",
                        cmd_backup)
    save.add_argument("--out", required=True, help="file to write")
    back = commands.add(sub, "restore", "restore a backup into an empty database (refused, "
                        "exit 2, when the database holds data)", cmd_restore)
    back.add_argument("file", help="a file written by the backup command")

    forecast = commands.add(sub, "forecast", "year-end forecasts of the KPIs against their "
                            "targets, from validated results", cmd_forecast)
    forecast.add_argument("--year", type=int, required=True)
    forecast.add_argument("--as-of", metavar="YYYY-Qn",
                          help="use only the validated results up to that quarter")
    forecast.add_argument("--structure", help="structure code (default: all, and the nation)")
    forecast.add_argument("--kpi", help="KPI code (default: all with a yearly target)")
    forecast.add_argument("--json", action="store_true")

    quality = commands.add(sub, "quality", "data-quality and reporting-discipline scores",
                           cmd_quality)
    quality.add_argument("--year", type=int, required=True)
    quality.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
    quality.add_argument("--json", action="store_true")
    return parser


def _records(frame: Any) -> list[dict[str, Any]]:
    """A frame as JSON records: NaN and missing as null, numpy numbers as plain ones."""
    return json.loads(frame.to_json(orient="records", force_ascii=False))  # type: ignore[no-any-return]


def cmd_forecast(args: argparse.Namespace) -> int:
    from tracker.dashboards.forecast_views import forecast_report, parse_as_of

    try:
        as_of = parse_as_of(args.as_of) if args.as_of else None
    except ValueError:
        return _fail(t("forecast.bad_as_of", value=args.as_of))
    with transaction(_engine(args)) as session:
        frame = forecast_report(session, args.year, as_of=as_of, structure=args.structure,
                                kpi=args.kpi)
    if args.json:
        print(json.dumps(_records(frame), ensure_ascii=False, indent=2))
    else:
        print(frame.to_string(index=False))
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from tracker.dashboards.quality import quality_frame

    with transaction(_engine(args)) as session:
        frame = quality_frame(session, args.year, args.quarter)
    if args.json:
        print(json.dumps(_records(frame), ensure_ascii=False, indent=2))
    else:
        print(frame.to_string(index=False))
    return 0


def _fail(message: str) -> int:
    print(t("cli.error", message=message), file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (never raises for the user's mistakes)."""
    args = build_parser().parse_args(argv)
    logs.configure(json_lines=log_json())  # events (imports, …) on standard error
    # The commands say on standard output what they did to the database: no migration lines.
    logging.getLogger(logs.DATABASE).setLevel(logging.WARNING)
    try:
        with listening(terminal_listener()):
            return int(args.func(args))
    except TrackerError as exc:
        return _fail(str(exc))
    except FileNotFoundError as exc:
        return _fail(t("cli.no_file", file=exc.filename or str(exc)))
    except IsADirectoryError as exc:
        return _fail(t("cli.no_file", file=exc.filename or str(exc)))
    except OSError as exc:
        return _fail(str(exc))
    except (DBAPIError, NoSuchModuleError, ArgumentError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return _fail(t("cli.database_unreachable", url=shown_url(_url(args)),
                       reason=reason[0] if reason else type(exc).__name__))
    except ValueError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 130

