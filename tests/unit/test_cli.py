"""The command line speaks like a Unix tool: exit codes 0/1/2, one-line errors, global options
anywhere, progress on a terminal only."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import __version__, cli
from tracker.core.progress import listening, step, terminal_listener

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "resultats-T2-2025-excel-fr.csv"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A production installation: reference data, no demo data, no declaration yet."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.db'}"
    assert cli.main(["--database-url", url, "init", "--no-demo"]) == 0
    return url


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m tracker ARGS`` in a child process, as a user runs it (no terminal)."""
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300, check=False)


def test_version_and_help_name_every_command_in_one_line() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip().endswith(__version__)
    shown = run("--help")
    assert shown.returncode == 0
    for command in ("init", "create-user", "demo", "minutes", "results", "report", "remind",
                    "conference"):
        line = next(x for x in shown.stdout.splitlines() if x.strip().startswith(command + " "))
        assert len(line.split(command, 1)[1].strip()) > 10, f"{command} has no one-line help"


def test_database_url_is_accepted_before_or_after_the_command(tmp_path: Path) -> None:
    before, after = tmp_path / "before.db", tmp_path / "after.db"
    assert cli.main(["--database-url", f"sqlite:///{before}", "init", "--no-demo"]) == 0
    assert cli.main(["init", "--no-demo", "--database-url", f"sqlite:///{after}"]) == 0
    assert before.exists() and after.exists()


def test_a_clean_import_exits_0(demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["results", "import", str(SAMPLE), "--year", "2025", "--quarter", "2",
                     "--dry-run", "--database-url", demo_url])
    assert code == 0
    assert capsys.readouterr().out.strip() == "6 accepted, 0 rejected"


def test_an_import_with_rejected_rows_exits_1(demo_url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Structure;Indicateur;Valeur\nMS;ESV_PUB;12\nMS;PAS_UN_KPI;3\n",
                   encoding="utf-8")
    code = cli.main(["results", "import", str(bad), "--year", "2025", "--quarter", "2",
                     "--dry-run", "--database-url", demo_url])
    assert code == 1
    assert capsys.readouterr().out.strip() == "1 accepted, 1 rejected"


def test_a_header_only_file_is_refused_with_exit_2(demo_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "entete.csv"
    empty.write_text("Structure;Indicateur;Valeur\n", encoding="utf-8")
    code = cli.main(["results", "import", str(empty), "--year", "2025", "--quarter", "2",
                     "--database-url", demo_url])
    err = capsys.readouterr().err
    assert code == 2
    assert "entete.csv" in err and "en-tête" in err and err.count("\n") == 1


def test_bad_usage_exits_2_with_argparse_message() -> None:
    result = run("results", "import", "x.csv", "--year", "2025", "--quarter", "9")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_a_missing_file_is_one_line_and_exit_2(demo_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["minutes", "parse", "/nonexistent/pv.docx", "--database-url", demo_url])
    err = capsys.readouterr().err
    assert code == 2 and err == "erreur : fichier introuvable : /nonexistent/pv.docx\n"


def test_an_unreachable_database_is_named_without_its_password() -> None:
    result = run("--database-url", "postgresql+psycopg://cdsi:s3cr3t@127.0.0.1:1/cdsi", "init")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "s3cr3t" not in result.stderr
    assert "postgresql+psycopg://cdsi:***@127.0.0.1:1/cdsi" in result.stderr


def test_demo_into_a_database_that_has_data_says_so_and_exits_1(
        demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--database-url", demo_url]) == 1, "initialised without demo"
    assert "n'est pas vide" in capsys.readouterr().err


def test_progress_is_printed_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    assert terminal_listener(pipe) is None
    with listening(terminal_listener(terminal)):
        step("lecture")
    with listening(terminal_listener(pipe)):
        step("invisible")
    assert terminal.getvalue().rstrip().endswith("] lecture") and pipe.getvalue() == ""


def test_a_command_piped_prints_no_progress(tmp_path: Path) -> None:
    result = run("--database-url", f"sqlite:///{tmp_path / 'p.db'}", "demo")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.strip() == "demo data (default) ready"
