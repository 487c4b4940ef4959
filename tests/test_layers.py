"""The architecture stays as the folder tree shows it (issue 14): models <- services <- admin | views.

The access policy and the state machines live in models/, the rules, texts and workflow in services/, the
screens in admin/ and views/; nothing below imports anything above it, the packages have no import cycles
(imports inside functions count too), and only app.py — the composition root — knows every layer.
The contracts are in .importlinter (`lint-imports` runs them too)."""
from __future__ import annotations

import ast
import pathlib
import sys

import grimp
from importlinter.cli import lint_imports

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("models", "services", "admin", "views", "seeds")
#: Top-level modules that only the entry points may import (the app factory, the CLI, the WSGI module).
ROOT_MODULES = {"app", "cli", "wsgi"}


def _graph() -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def test_import_linter_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    code = lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out[-3000:]


def test_no_import_cycle_anywhere_in_the_packages():
    """Tarjan's strongly connected components over every module of the packages: none larger than one."""
    graph = _graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = iter(range(10**9))

    def visit(module):
        index[module] = low[module] = next(counter)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert cycles == []


def test_lower_layers_never_import_upper_ones():
    """Spelled out besides the contract, so that a failure names the file and the import."""
    graph = _graph()
    above = {"models": ("services", "admin", "views", "seeds"), "services": ("admin", "views", "seeds"),
             "admin": ("views",), "views": ("admin",)}
    upward = []
    for package, forbidden in above.items():
        for module in graph.find_descendants(package) | {package}:
            for imported in graph.find_modules_directly_imported_by(module):
                if imported.split(".")[0] in forbidden:
                    upward.append(f"{module} -> {imported}")
    assert sorted(upward) == []


def test_only_the_entry_points_import_the_app_factory_or_the_cli():
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module.split(".")[0]]
                offenders += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                              for name in names if name in ROOT_MODULES]
    assert offenders == []


def test_the_graph_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The checks above would be blind if an import inside a function were not in the graph."""
    package = tmp_path / "layering_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def helper():\n    from layering_probe import high\n    return high\n")
    (package / "high.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("layering_probe", cache_dir=None)
    assert graph.direct_import_exists(importer="layering_probe.low", imported="layering_probe.high")
