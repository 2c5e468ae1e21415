"""The README's « Configuration » table and the code agree: every TRACKER_* variable the app reads
is documented, every documented one is read, and every setting read is used somewhere."""

import ast
import dataclasses
import re
from pathlib import Path

from tracker.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^TRACKER_[A-Z0-9_]+$")


def sources() -> list[Path]:
    """The application's code: tracker/ (migrations included), app.py and pages/."""
    return sorted([*(ROOT / "tracker").rglob("*.py"), ROOT / "app.py",
                   *(ROOT / "pages").glob("*.py")])


def variables_read(paths: list[Path]) -> set[str]:
    """Names used as string keys in the code (``env.get("TRACKER_X")``, ``os.environ[...]``);
    prose that merely mentions a variable (docstrings, help texts) is not a read."""
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and NAME.match(node.value):
                found.add(node.value)
    return found


def documented_variables(readme: str) -> set[str]:
    """The first column of the table under « ## Configuration »; `` `TRACKER_SMTP_HOST`,
    `_PORT` `` stands for TRACKER_SMTP_HOST and TRACKER_SMTP_PORT."""
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names = re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1])
        prefix = ""
        for name in names:
            if name.startswith("_"):
                found.add(prefix + name)
            else:
                found.add(name)
                prefix = name.rsplit("_", 1)[0]
    return found


def test_the_scan_sees_reads_and_ignores_prose(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Set TRACKER_IN_PROSE to change it."""\nimport os\n'
                      'a = os.environ.get("TRACKER_ONE")\nb = os.environ["TRACKER_TWO"]\n'
                      'help_text = "default: TRACKER_THREE or data/x.db"\n')

    assert variables_read([sample]) == {"TRACKER_ONE", "TRACKER_TWO"}


def test_the_table_parser_expands_the_shared_prefix():
    readme = ("# x\n\n## Configuration\n\n| variable | meaning |\n|---|---|\n"
              "| `TRACKER_A` | one |\n| `TRACKER_MAIL_HOST`, `_PORT` | two |\n"
              "\n## Next\n\n| `TRACKER_ELSEWHERE` | not the table |\n")

    assert documented_variables(readme) == {"TRACKER_A", "TRACKER_MAIL_HOST", "TRACKER_MAIL_PORT"}


def test_every_variable_the_app_reads_is_in_the_readme_table_and_back():
    read = variables_read(sources())
    documented = documented_variables((ROOT / "README.md").read_text("utf-8"))

    assert read - documented == set(), "read by the code but missing from the README table"
    assert documented - read == set(), "in the README table but never read by the code"
    assert "TRACKER_UPLOAD_LIMIT_MB" in read


def test_every_setting_is_used_outside_the_config_module():
    used: set[str] = set()
    for path in sources():
        if path.name == "config.py" and path.parent.name == "tracker":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
            if isinstance(node, ast.Attribute):
                used.add(node.attr)

    unused = {field.name for field in dataclasses.fields(Settings)} - used

    assert unused == set(), "settings read from the environment but never used"
