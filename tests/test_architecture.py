"""The package's layers: every import in redline/ runs down the layers, and none runs in a circle.

Each folder of ``redline`` is one layer (README, "Architecture"); a module may import its
own layer and any layer below it:

    cli -> redline (the top level) -> tools -> report, synthetic -> analysis -> io -> base

``base`` is the modules at the top of the package that every layer names things from
(errors, settings, schema, model, text, version, landclass, standards). ``report`` and
``synthetic`` stand side by side and import neither each other. Every import counts:
at the top of a module, inside a function (the lazy ones), under ``TYPE_CHECKING``, and
the names ``redline/__init__.py`` loads on first use (``_LAZY``) or ``importlib`` loads
by name. A module importing a package imports its ``__init__``; the packages a module
sits in, which Python loads first, count only when the module names them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "redline"

#: Layers, from the top; a module may import its own layer and the ones after it, but
#: of layers of one rank only its own.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("top",),
    ("tools",),
    ("report", "synthetic"),
    ("analysis",),
    ("io",),
    ("base",),
)
RANK = {layer: rank for rank, names in enumerate(LAYERS) for layer in names}


def layer_of(module: str) -> str:
    """Return the layer of a module of redline (``redline.io.write`` -> ``io``)."""
    parts = module.split(".")
    if parts == ["redline"]:
        return "top"
    if parts[1] in {"cli", "tools", "report", "synthetic", "analysis", "io"}:
        return parts[1]
    return "base"


def modules(root: Path = PACKAGE) -> dict[str, str]:
    """Return every module of the package by its dotted name, with its source."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path.read_text(encoding="utf-8")
    return out


def _is_package(name: str, known: Mapping[str, str]) -> bool:
    return any(m.startswith(name + ".") for m in known)


def imports(module: str, source: str, known: Mapping[str, str]) -> set[str]:
    """Return the modules of redline that ``module`` imports, anywhere in its source."""
    package = module if _is_package(module, known) else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                name = f"{base}.{alias.name}"
                # ``from pkg import sub`` imports the module ``pkg.sub``.
                found.add(name if name in known else base)
        elif isinstance(node, ast.Call) and _call_name(node) == "importlib.import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
        elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
              and node.target.id == "_LAZY" and isinstance(node.value, ast.Dict)):
            found.update(str(v.value) for v in node.value.values if isinstance(v, ast.Constant))
    return {name for name in found if name == "redline" or name.startswith("redline.")}


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def graph(known: Mapping[str, str]) -> dict[str, set[str]]:
    """Return module -> the modules of redline it imports by name (itself left out)."""
    return {module: {m for m in imports(module, source, known) if m in known} - {module}
            for module, source in known.items()}


def against_the_layers(edges: Mapping[str, Iterable[str]]) -> list[str]:
    """Return each import that runs up the layers, or across to a layer of the same rank."""
    wrong = []
    for module, targets in edges.items():
        mine = layer_of(module)
        for target in sorted(targets):
            theirs = layer_of(target)
            if RANK[theirs] < RANK[mine] or (RANK[theirs] == RANK[mine] and theirs != mine):
                wrong.append(f"{module} ({mine}) imports {target} ({theirs})")
    return wrong


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Return the import cycles: every group of modules that import one another, in turn."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


# --- the package as it is ---------------------------------------------------------------


def test_every_import_runs_down_the_layers() -> None:
    assert against_the_layers(graph(modules())) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(graph(modules())) == []


def test_the_analysis_layer_touches_no_file_and_no_command_line() -> None:
    # STYLE.md: analysis takes frames (or windows) and returns frames; it never opens a
    # path, never prints, never imports click. A layer kept on disk reaches it as
    # model.Windows, so it imports nothing of io either, though io lies below it.
    edges = graph(modules())
    assert not [(m, t) for m, targets in edges.items() for t in targets
                if layer_of(m) == "analysis" and layer_of(t) == "io"]
    for module, source in modules().items():
        if layer_of(module) != "analysis":
            continue
        names = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.Import | ast.ImportFrom)
                 for alias in (node.names if isinstance(node, ast.Import)
                               else [ast.alias(node.module or "")])}
        assert not names & {"click", "pyogrio", "rasterio", "fiona", "tomllib"}, module
        calls = {_call_name(n) or getattr(n.func, "id", "") for n in ast.walk(ast.parse(source))
                 if isinstance(n, ast.Call)}
        assert not calls & {"open", "print"}, module


def test_the_sample_generator_is_not_on_the_check_path() -> None:
    edges = graph(modules())
    reach, todo = set(), ["redline.tools.check"]
    while todo:
        module = todo.pop()
        if module not in reach:
            reach.add(module)
            todo.extend(edges.get(module, ()))
    assert not {m for m in reach if m.startswith("redline.synthetic")}


# --- the checks can fail ----------------------------------------------------------------

BAD = {
    "redline": "",
    "redline.io": "",
    "redline.io.reader": "import numpy\n",
    "redline.analysis": "",
    "redline.analysis.rules": "from redline.io.reader import numpy\n",
    "redline.report": "",
    "redline.report.page": "",
    "redline.synthetic": "",
    "redline.synthetic.county": "",
    "redline.tools": "",
    "redline.tools.check": "",
    "redline.settings": "",
}


def _with(**changes: str) -> dict[str, str]:
    return {**BAD, **{k.replace("__", "."): v for k, v in changes.items()}}


@pytest.mark.parametrize(("sources", "wrong"), [
    # io imports analysis: against the layers.
    (_with(redline__io__reader="from redline.analysis import rules\n"),
     "redline.io.reader (io) imports redline.analysis.rules (analysis)"),
    # A lazy import inside a function counts.
    (_with(redline__io__reader="def f():\n    import redline.tools.check\n"),
     "redline.io.reader (io) imports redline.tools.check (tools)"),
    # So does one for type checking only.
    (_with(redline__settings="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                             "    from redline.report.page import X\n"),
     "redline.settings (base) imports redline.report.page (report)"),
    # And a relative one, and one by name through importlib.
    (_with(redline__analysis__rules="from ..tools import check\n"),
     "redline.analysis.rules (analysis) imports redline.tools.check (tools)"),
    (_with(redline__io__reader="import importlib\n"
                               "importlib.import_module('redline.report.page')\n"),
     "redline.io.reader (io) imports redline.report.page (report)"),
    # Side by side is not below: report may not import synthetic.
    (_with(redline__report__page="from redline.synthetic.county import build\n"),
     "redline.report.page (report) imports redline.synthetic.county (synthetic)"),
    # A tool importing the top level (where __version__ used to be) runs up.
    (_with(redline__tools__check="from redline import __version__\n"),
     "redline.tools.check (tools) imports redline (top)"),
])
def test_an_import_against_the_layers_is_told(sources: dict[str, str], wrong: str) -> None:
    assert wrong in against_the_layers(graph(sources))
    assert against_the_layers(graph(BAD)) == []


def test_a_cycle_is_told_even_through_a_lazy_import() -> None:
    sources = _with(redline__io__reader="def f():\n    from redline.io import writer\n",
                    redline__io__writer="from redline.io.reader import f\n")
    assert cycles(graph(sources)) == [["redline.io.reader", "redline.io.writer"]]
    assert cycles(graph(BAD)) == []


def test_the_top_level_loads_the_tools_it_names() -> None:
    edges = graph(modules())
    assert {"redline.tools.check", "redline.io.dataset"} <= edges["redline"]


def test_the_readme_describes_the_layers_as_they_are() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Architecture"):readme.index("## Development")]
    assert "cli -> redline (the top level) -> tools -> report, synthetic -> analysis -> io " \
           "-> base" in section
    for folder in ("cli", "tools", "report", "synthetic", "analysis", "io", "text", "data"):
        assert f"`{folder}/`" in section, folder
        assert (PACKAGE / folder).is_dir(), folder
    files = {p.name for p in PACKAGE.rglob("*.py")}
    named = {name for folder, name in re.findall(r"`([a-z_]+/)?([a-z_]+\.py)`", section)
             if folder != "tests/"}
    assert len(named) > 20
    assert named <= files, sorted(named - files)
