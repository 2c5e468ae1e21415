"""Every command line the README shows works as written: each ``python -m tracker …`` (or
``cdsi …``) line is run against a fresh SQLite database, from a folder holding the test
fixtures the README names, and must exit 0."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# ``python -m tracker …`` (any python), or the ``cdsi`` console script followed by an option or
# a subcommand (not a system command naming the ``cdsi`` account, path or group).
COMMAND = re.compile(r"(?:^|[\s`(|;&])(?:[\w./-]*/)?(python -m tracker (?:--?[a-z]|[a-z])[^`\n]*)"
                     r"|(?:^|[\s`(|;&])(?:[\w./-]*/bin/)?"
                     r"(cdsi (?:-[a-z]|--[a-z][\w-]*|[a-z][\w-]*)(?=[\s`]|$)[^`\n]*)")
# A password that any reasonable policy accepts, typed at create-user's prompt.
PASSWORD = "une phrase de passe pour la recette 2026"


def readme_commands() -> list[str]:
    """The command lines of the README: in code blocks and in inline code, comments removed."""
    text = README.read_text(encoding="utf-8")
    found: list[str] = []
    for match in COMMAND.finditer(text):
        command = match.group(1) or match.group(2)
        line = re.split(r"\s+#\s", command, maxsplit=1)[0].strip().rstrip("\\").strip()
        if line not in found:
            found.append(line)
    return found


def _argv(line: str, url: str) -> list[str]:
    words = shlex.split(line)
    words = words[3:] if words[:3] == ["python", "-m", "tracker"] else words[1:]
    if "--database-url" in words:  # the README's example URL becomes this test's database
        words[words.index("--database-url") + 1] = url
    else:
        words = ["--database-url", url, *words]
    return [sys.executable, "-m", "tracker", *words]


def _needs(words: list[str]) -> str:
    """The database a line expects: a new one (it creates, or restores into it), the reference
    data alone (an import into quarters nobody declared), or the default demo data set (reports,
    reminders, backups…)."""
    if {"init", "demo", "create-user", "restore"} & set(words) \
            or not {w for w in words if w[0] != "-"}:
        return "new"
    if words[:2] == ["results", "import"]:
        return "reference"
    return "demo"


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("readme-db")
    made = {}
    for name, extra in (("reference", ["--no-demo"]), ("demo", [])):
        path = base / f"{name}.db"
        subprocess.run([sys.executable, "-m", "tracker", "--database-url", f"sqlite:///{path}",
                        "init", *extra], cwd=ROOT, check=True, capture_output=True, timeout=300)
        made[name] = path
    return made


def test_the_readme_shows_the_commands_it_promises() -> None:
    commands = readme_commands()
    for expected in ("report bilan", "results import", "minutes parse", "demo --scale decade",
                     "remind --dry-run", "init --no-demo", "create-user", "--version",
                     "backup --out", "restore ", "publish --year", "dhis2 export",
                     "dhis2 import"):
        assert any(expected in line for line in commands), f"README lost « {expected} »"


@pytest.mark.parametrize("line", readme_commands())
def test_readme_command_line_works_as_written(line: str, databases: dict[str, Path],
                                              tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(ROOT / "tests" / "fixtures", work / "tests" / "fixtures")
    (work / "data").mkdir()
    words = shlex.split(line)[3 if line.startswith("python") else 1:]
    database = tmp_path / "tracker.db"
    if _needs(words) != "new":
        shutil.copy(databases[_needs(words)], database)
    if "restore" in words:  # the drill: the file it names is a backup of the demo database
        backup = work / words[words.index("restore") + 1]
        subprocess.run([sys.executable, "-m", "tracker", "--database-url",
                        f"sqlite:///{databases['demo']}", "backup", "--out", str(backup)],
                       cwd=ROOT, check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_DATABASE_URL": f"sqlite:///{database}"}
    env = {k: v for k, v in env.items() if not k.startswith("TRACKER_SMTP")}
    result = subprocess.run(_argv(line, f"sqlite:///{database}"), cwd=work, env=env, text=True,
                            input=PASSWORD + "\n", capture_output=True, timeout=600, check=False)
    assert result.returncode == 0, f"{line}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    out = re.search(r"--out (\S+)", line)
    if out:
        written = work / out.group(1)
        assert written.exists() and written.stat().st_size > 1000, f"{line} wrote no {written}"
