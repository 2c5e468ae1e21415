"""The installable package keeps the README's promises: pyproject.toml, requirements.txt and the
lock agree, every module the code imports is declared, and every data file the code reads at run
time (translations, migrations, reference CSVs) is shipped in the wheel."""

import ast
import inspect
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import tracker.cli
from tracker.core.config import DATA_DIR, runtime_dir
from tracker.core.refdata import REFERENCE_DIR

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
REFRESH = "refresh the lock: see README, « Install as a package »"


def requirement_lines(path: Path) -> list[str]:
    """The requirements of a pip requirements file, without comments, includes or options
    (a lock's ``--hash`` continuation lines)."""
    lines = []
    for raw in path.read_text("utf-8").replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].split(" --", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def pins(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a file that pins every requirement with ``==``."""
    found = {}
    for line in requirement_lines(path):
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{path.name}: {line} is not pinned with =="
        found[canonicalize_name(requirement.name)] = spec.version
    return found


def declared() -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r
            for r in map(Requirement, PYPROJECT["project"]["dependencies"])}


def test_pyproject_declares_the_pinned_requirements_and_each_pin_is_in_its_range():
    pinned = {canonicalize_name(Requirement(line).name): Requirement(line)
              for line in requirement_lines(ROOT / "requirements.txt")}
    ranges = declared()

    assert sorted(pinned) == sorted(ranges), "requirements.txt and pyproject.toml list other names"
    for name, pin in pinned.items():
        (version,) = (spec.version for spec in pin.specifier)
        assert ranges[name].specifier.contains(version), f"{pin} outside {ranges[name]}"
        assert pin.extras == ranges[name].extras, f"{name}: extras differ"


def test_the_lock_pins_every_requirement_at_its_version_with_hashes():
    lock = ROOT / "requirements.lock"
    locked = pins(lock)
    text = lock.read_text("utf-8")

    for name, version in pins(ROOT / "requirements.txt").items():
        assert locked.get(name) == version, f"{name}=={version} is not in the lock: {REFRESH}"
    entries = re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2])
    unhashed = [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry]
    assert unhashed == []


def test_the_dev_lock_keeps_the_runtime_lock_versions():
    runtime = pins(ROOT / "requirements.lock")
    dev = pins(ROOT / "requirements-dev.lock")

    assert {name: dev.get(name) for name in runtime} == runtime, REFRESH
    for line in requirement_lines(ROOT / "requirements-dev.txt"):
        requirement = Requirement(line)
        assert canonicalize_name(requirement.name) in dev, f"{line} missing: {REFRESH}"


def imported_top_levels() -> set[str]:
    """Top-level modules imported anywhere in tracker/, app.py and pages/ (function-local too)."""
    paths = [*(ROOT / "tracker").rglob("*.py"), ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"tracker", "__future__"}


def test_every_module_the_code_imports_comes_from_a_declared_distribution():
    providers = packages_distributions()
    names = set(declared())

    undeclared = {module: providers.get(module) for module in imported_top_levels()
                  if not {canonicalize_name(d) for d in providers.get(module, [])} & names}

    assert undeclared == {}, "imported but not declared in requirements.txt and pyproject.toml"


def shipped_data_files() -> set[Path]:
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["tracker"]
    return {path for pattern in patterns for path in (ROOT / "tracker").glob(pattern)
            if path.is_file()}


def in_a_package(path: Path) -> bool:
    """A module of a regular package (an __init__.py in every folder up to tracker/)."""
    folder = path.parent
    while folder != ROOT:
        if not (folder / "__init__.py").is_file():
            return False
        folder = folder.parent
    return True


def test_every_file_of_the_tracker_folder_goes_into_the_wheel():
    files = {p for p in (ROOT / "tracker").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}

    left_out = sorted(str(p.relative_to(ROOT)) for p in files
                      if not (p.suffix == ".py" and in_a_package(p))
                      and p not in shipped_data_files())

    assert left_out == [], "add them to [tool.setuptools.package-data] in pyproject.toml"
    assert {"env.py", "script.py.mako", "0001_initial_schema.py"} <= {
        p.name for p in shipped_data_files()}


def test_reference_data_is_read_from_inside_the_package():
    assert REFERENCE_DIR.parent == Path(tracker.cli.__file__).parent
    assert {p.name for p in REFERENCE_DIR.glob("*.csv")} == {"structures.csv", "kpis.csv"}


def test_the_console_script_runs_the_command_line_main():
    assert PYPROJECT["project"]["scripts"] == {"cdsi": "tracker.cli:main"}
    # The generated script calls main() without arguments and exits with what it returns.
    assert inspect.signature(tracker.cli.main).parameters["argv"].default is None


def test_runtime_data_stays_in_the_checkout_or_in_the_working_directory(tmp_path):
    site_packages = tmp_path / "site-packages"
    (site_packages / "tracker").mkdir(parents=True)

    assert DATA_DIR == ROOT / "data"
    assert runtime_dir(ROOT, tmp_path / "srv") == ROOT / "data"
    assert runtime_dir(site_packages, tmp_path / "srv") == tmp_path / "srv" / "data"
