"""The house style's rules, read from the sources with ast (nothing is imported or run).

Each rule is a function ``rule(root) -> list[str]`` returning one line per breach, so that the
same rules check the repository (tests/test_architecture.py) and a copy of it in which a breach
was planted on purpose (proving that each rule catches what it claims).

The layer map: a module may import its own package, or a package on a lower floor; inside the
ground floor (``tracker.core``) a module may import only the modules listed before it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Floors, from the ground up. Top-level modules of tracker/ are named in full.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("tracker.core",),
    ("tracker.files",),
    ("tracker.accounts",),
    ("tracker.reference",),
    ("tracker.minutes",),
    ("tracker.results",),
    ("tracker.conference",),
    ("tracker.roadmap",),
    ("tracker.dashboards",),
    ("tracker.reports",),
    ("tracker.exchange",),
    ("tracker.demo",),
    ("tracker.bootstrap", "tracker"),
    ("tracker.ui", "tracker.api", "tracker.cli"),
    ("tracker.__main__",),
)
# The ground floor's own order: each module imports only those before it.
CORE_ORDER = ("logs", "errors", "i18n", "config", "progress", "formats", "tables", "cells",
              "refdata", "frdates", "models", "periods", "repository", "db", "audit", "saving",
              "backup")
UI_PACKAGE = "tracker.ui"
CHART_MODULES = ("tracker.dashboards.charts", "tracker.dashboards.charts_forecast",
                 "tracker.conference.charts", "tracker.roadmap.charts")
# What a chart builder may not touch: it gets a DataFrame and returns a Figure.
IO_MODULES = ("tracker.core.db", "tracker.core.repository", "sqlmodel", "sqlalchemy",
              "streamlit", "tracker.files", "requests", "urllib", "socket", "os", "pathlib")
PAGE_FORBIDDEN = ("tracker.core.repository", "tracker.core.db", "sqlmodel", "sqlalchemy")
MAX_PAGE_LINES = 150


@dataclass(frozen=True)
class Import:
    """One import seen in a file: the module, the names taken from it, where, and whether it
    runs when the module loads (False: inside a function)."""

    module: str
    names: tuple[str, ...]
    line: int
    top_level: bool


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tracker_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "tracker").rglob("*.py") if "migrations" not in p.parts)


def page_files(root: Path) -> list[Path]:
    return sorted((root / "pages").glob("*.py"))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), filename=str(path))


def _function_bodies(tree: ast.Module) -> set[int]:
    """ids of the nodes that sit inside a function (imports there run late)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for sub in ast.walk(node):
                if sub is not node:
                    inside.add(id(sub))
    return inside


def _dynamic_module(node: ast.Call) -> str | None:
    """``importlib.import_module("x")`` or ``__import__("x")`` with a constant name."""
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in {"import_module", "__import__"})
    if named and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def imports_of(root: Path, path: Path) -> list[Import]:
    """Every import of a file, at the top or inside functions, static or through importlib."""
    tree = _parse(path)
    inside = _function_bodies(tree)
    own = module_name(root, path)
    package = own if path.name == "__init__.py" else own.rsplit(".", 1)[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        top = id(node) not in inside
        if isinstance(node, ast.Import):
            found += [Import(a.name, (), node.lineno, top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(Import(base, tuple(a.name for a in node.names), node.lineno, top))
        elif isinstance(node, ast.Call) and (name := _dynamic_module(node)):
            found.append(Import(name, (), node.lineno, top))
    return found


def _known_modules(root: Path) -> set[str]:
    return {module_name(root, p) for p in tracker_files(root)}


def targets(root: Path, imp: Import, known: set[str]) -> set[str]:
    """The tracker modules an import reaches: ``from tracker.x import y`` reaches tracker.x.y
    when y is a module, else tracker.x."""
    reached = set()
    for name in imp.names or ("",):
        full = f"{imp.module}.{name}" if name else imp.module
        reached.add(full if full in known else imp.module)
    return {m for m in reached if m == "tracker" or m.startswith("tracker.")}


def _floor(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (prefix != "tracker" and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (level, len(prefix))
    return best[0] if best else None


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _where(root: Path, path: Path, line: int) -> str:
    return f"{path.relative_to(root)}:{line}"


# --- the rules ----------------------------------------------------------------------------


def rule_layers(root: Path) -> list[str]:
    """Every tracker module sits on a floor of the map and imports only down (or its own
    package); inside tracker.core only the modules listed before it."""
    known = _known_modules(root)
    breaches = []
    for path in tracker_files(root):
        me = module_name(root, path)
        floor = _floor(me)
        if floor is None:
            breaches.append(f"{path.relative_to(root)}: {me} is on no floor of the layer map")
            continue
        for imp in imports_of(root, path):
            for other in targets(root, imp, known):
                if other == me or other == "tracker":
                    continue
                theirs = _floor(other)
                if theirs is None:
                    continue
                where = _where(root, path, imp.line)
                if theirs > floor:
                    breaches.append(f"{where}: {me} imports {other}, a higher floor")
                elif _package(other) == _package(me) == "tracker.core":
                    mine_at = CORE_ORDER.index(me.split(".")[2]) if me.count(".") > 1 else -1
                    name = other.split(".")[2] if other.count(".") > 1 else ""
                    if name and name in CORE_ORDER and CORE_ORDER.index(name) >= mine_at:
                        breaches.append(f"{where}: {me} imports {other}, later in CORE_ORDER")
                    elif name and name not in CORE_ORDER:
                        breaches.append(f"{where}: tracker.core.{name} is not in CORE_ORDER")
    return breaches


def _graph(root: Path) -> dict[str, set[str]]:
    known = _known_modules(root)
    graph: dict[str, set[str]] = {}
    for path in tracker_files(root):
        me = module_name(root, path)
        edges = graph.setdefault(me, set())
        for imp in imports_of(root, path):
            edges |= {t for t in targets(root, imp, known) if t in known and t != me}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def rule_no_cycles(root: Path) -> list[str]:
    """No import circle between tracker modules, function-local imports included (a package's
    __init__ importing nothing, ``tracker`` itself is left out)."""
    graph = {k: {v for v in vs if v != "tracker"} for k, vs in _graph(root).items()
             if k != "tracker"}
    return [f"import cycle: {' -> '.join(c)}" for c in _cycles(graph)]


def rule_streamlit_only_in_ui(root: Path) -> list[str]:
    """Only tracker.ui speaks Streamlit, and nothing else in tracker imports tracker.ui."""
    known = _known_modules(root)
    breaches = []
    for path in tracker_files(root):
        me = module_name(root, path)
        if me == UI_PACKAGE or me.startswith(UI_PACKAGE + "."):
            continue
        for imp in imports_of(root, path):
            if imp.module.split(".")[0] == "streamlit":
                breaches.append(f"{_where(root, path, imp.line)}: {me} imports streamlit")
            if any(t == UI_PACKAGE or t.startswith(UI_PACKAGE + ".")
                   for t in targets(root, imp, known)):
                breaches.append(f"{_where(root, path, imp.line)}: {me} imports {UI_PACKAGE}")
    return breaches


def rule_pages_stay_above_the_data(root: Path) -> list[str]:
    """Pages (and app.py) call services: no repository, db, sqlmodel or sqlalchemy."""
    breaches = []
    for path in [root / "app.py", *page_files(root)]:
        for imp in imports_of(root, path):
            reached = {imp.module} | {f"{imp.module}.{n}" for n in imp.names}
            bad = [f for f in PAGE_FORBIDDEN if any(r == f or r.startswith(f + ".")
                                                   for r in reached)]
            if bad:
                breaches.append(f"{_where(root, path, imp.line)}: imports {bad[0]}")
    return breaches


def rule_charts_do_no_io(root: Path) -> list[str]:
    """Chart builders take a DataFrame and return a Figure: no database, files or network."""
    breaches = []
    for path in tracker_files(root):
        if module_name(root, path) not in CHART_MODULES:
            continue
        for imp in imports_of(root, path):
            reached = {imp.module} | {f"{imp.module}.{n}" for n in imp.names}
            if any(r == m or r.startswith(m + ".") for r in reached for m in IO_MODULES):
                breaches.append(f"{_where(root, path, imp.line)}: a chart builder imports "
                                f"{imp.module}")
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "open":
                breaches.append(f"{_where(root, path, node.lineno)}: a chart builder opens a file")
    return breaches


def _tracker_aliases(tree: ast.Module) -> set[str]:
    """Names bound to tracker modules in a file (``from tracker.x import y as z`` binds z)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tracker"):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names
                      if a.name.startswith("tracker")}
    return names


def _python_files(root: Path) -> Iterator[Path]:
    yield from tracker_files(root)
    yield from page_files(root)
    yield root / "app.py"


def rule_no_private_names_across_modules(root: Path) -> list[str]:
    """A name starting with _ stays in its module: never imported, never reached as mod._x."""
    breaches = []
    for path in _python_files(root):
        tree = _parse(path)
        aliases = _tracker_aliases(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tracker"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        breaches.append(f"{_where(root, path, node.lineno)}: imports the "
                                        f"private {node.module}.{alias.name}")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                breaches.append(f"{_where(root, path, node.lineno)}: reaches the private "
                                f"{node.value.id}.{node.attr}")
    return breaches


def rule_no_dispatch_by_string(root: Path) -> list[str]:
    """Who calls what stays readable: no getattr on a tracker module or an attribute built from
    a string, no import_module of a computed name."""
    breaches = []
    for path in _python_files(root):
        tree = _parse(path)
        aliases = _tracker_aliases(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"getattr", "setattr"} and node.args:
                target, *rest = node.args
                computed = rest and not isinstance(rest[0], ast.Constant)
                on_module = isinstance(target, ast.Name) and target.id in aliases
                if on_module or (computed and isinstance(rest[0], ast.JoinedStr)):
                    breaches.append(f"{_where(root, path, node.lineno)}: dispatch by string "
                                    f"({ast.unparse(node)[:60]})")
            named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
                isinstance(func, ast.Name) and func.id in {"import_module", "__import__"})
            if named and node.args and not isinstance(node.args[0], ast.Constant):
                breaches.append(f"{_where(root, path, node.lineno)}: import of a computed name")
    return breaches


def _compares_a_role(node: ast.AST) -> bool:
    def is_role(expr: ast.AST) -> bool:
        return (isinstance(expr, ast.Attribute) and (
            expr.attr == "role" or (isinstance(expr.value, ast.Name) and expr.value.id == "Role")))
    if isinstance(node, ast.Compare):
        return any(is_role(x) for x in [node.left, *node.comparators]) or any(
            isinstance(c, (ast.Tuple, ast.List, ast.Set)) and any(is_role(e) for e in c.elts)
            for c in node.comparators)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return any(is_role(k) for k in node.value.keys if k is not None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "get" and isinstance(node.func.value, ast.Dict):
        return any(is_role(k) for k in node.func.value.keys if k is not None)
    return False


def rule_pages_hold_no_rules(root: Path) -> list[str]:
    """Pages read flags and frames from services: no role comparison, no groupby, no query,
    and they stay short."""
    breaches = []
    for path in page_files(root):
        text = path.read_text("utf-8")
        if len(text.splitlines()) > MAX_PAGE_LINES:
            breaches.append(f"{path.relative_to(root)}: {len(text.splitlines())} lines "
                            f"(at most {MAX_PAGE_LINES})")
        for node in ast.walk(_parse(path)):
            if _compares_a_role(node):
                breaches.append(f"{_where(root, path, getattr(node, 'lineno', 0))}: compares a "
                                "role (ask the permissions module or the service's view)")
            elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if name in {"groupby", "pivot_table", "select", "execute", "exec"}:
                    breaches.append(f"{_where(root, path, node.lineno)}: {name}() in a page "
                                    "(data logic belongs in tracker/)")
    return breaches


# Where a role may be named in a comparison: the permissions themselves, accounts (a user's role
# is data there), the model's own validation, the navigation table and the demo generator.
ROLE_HOMES = ("tracker.accounts", "tracker.core.models", "tracker.ui.navigation", "tracker.demo")


def rule_roles_are_compared_only_in_permissions(root: Path) -> list[str]:
    """No service decides by comparing a role: it asks tracker.accounts.permissions."""
    breaches = []
    for path in tracker_files(root):
        me = module_name(root, path)
        if any(me == home or me.startswith(home + ".") for home in ROLE_HOMES):
            continue
        for node in ast.walk(_parse(path)):
            if _compares_a_role(node):
                breaches.append(f"{_where(root, path, getattr(node, 'lineno', 0))}: compares a "
                                "role (ask tracker.accounts.permissions)")
    return breaches


def _page_runs(tree: ast.Module) -> set[str]:
    """Page paths a test file hands to AppTest (``run_page``, ``apptest``, ``from_file``),
    as string literals or module-level constants."""
    constants = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for t in node.targets if isinstance(t, ast.Name)}
    runs = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in {"run_page", "apptest", "from_file"}:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            runs.add(first.value)
        elif isinstance(first, ast.Name) and first.id in constants:
            runs.add(constants[first.id])
    return runs


def rule_every_page_runs_in_an_apptest(root: Path) -> list[str]:
    """Every page (and app.py) is run by an AppTest in tests/pages/, not merely named."""
    runs: set[str] = set()
    for test in sorted((root / "tests" / "pages").glob("test_*.py")):
        runs |= _page_runs(_parse(test))
    wanted = ["app.py", *(f"pages/{p.name}" for p in page_files(root))]
    return [f"{page}: no test in tests/pages/ runs it with AppTest" for page in wanted
            if page not in runs]


def _tables(path: Path) -> list[str]:
    return [node.name for node in ast.walk(_parse(path)) if isinstance(node, ast.ClassDef)
            and any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in node.keywords)]


def rule_tables_live_in_models(root: Path) -> list[str]:
    """Alembic sees the tables tracker.core.models registers: no table declared elsewhere."""
    models = root / "tracker" / "core" / "models.py"
    breaches = [] if _tables(models) else ["tracker/core/models.py declares no table"]
    breaches += [f"{p.relative_to(root)}: declares tables {_tables(p)}"
                 for p in tracker_files(root) if p != models and _tables(p)]
    return breaches


RULES = (rule_layers, rule_no_cycles, rule_streamlit_only_in_ui, rule_pages_stay_above_the_data,
         rule_charts_do_no_io, rule_no_private_names_across_modules, rule_no_dispatch_by_string,
         rule_pages_hold_no_rules, rule_roles_are_compared_only_in_permissions,
         rule_every_page_runs_in_an_apptest, rule_tables_live_in_models)
