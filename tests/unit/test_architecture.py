"""The architecture of ARCHITECTURE.md, checked: the import-linter contracts in pyproject.toml (layers, portal.domain
below the rest of portal/, the simulator kept out of production code, no tangles between sibling packages) and no
import cycle between any two modules."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from support.graphs import loops

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = ("portal", "callbacks", "layouts", "models", "jobs", "iqfast_sim")


def test_import_contracts_are_kept():
    """`lint-imports` with the contracts of pyproject.toml; its report is the failure message."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module."""
    return loops(graph.modules, graph.find_modules_directly_imported_by)


def _describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One cycle's imports with their lines, so the message says where to cut."""
    lines = [" ↔ ".join(group)]
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & set(group)):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"    {importer} -> {imported} (l.{detail['line_number']})")
    return "\n".join(lines)


def test_no_import_cycle_between_modules():
    """Module against module, with no exceptions (the contract above may ignore a tangle between packages, never
    this): an import inside a function still counts, so dodging a cycle that way does not pass."""
    graph = grimp.build_graph(*ROOT_PACKAGES, include_external_packages=False, cache_dir=None)
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(graph, group) for group in cycles)


def test_cycle_finder_sees_a_cycle():
    """The finder itself: a two-module cycle and a three-module one are found, a chain is not."""
    graph = grimp.ImportGraph()
    for importer, imported in [("a.x", "a.y"), ("a.y", "a.x"), ("b.p", "b.q"), ("b.q", "b.r"), ("b.r", "b.p"),
                               ("c.one", "c.two")]:
        graph.add_import(importer=importer, imported=imported)
    assert sorted(_cycles(graph)) == [["a.x", "a.y"], ["b.p", "b.q", "b.r"]]


def test_every_grid_is_built_by_the_one_grid_factory():
    """Only layouts/components/grid.py imports dash-ag-grid: a grid built elsewhere would miss the Indonesian empty
    state, the string row ids and the number format (issue #14 found seven grids in English)."""
    importers = set()
    for folder in ROOT_PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "import dash_ag_grid" in text or "from dash_ag_grid" in text:
                importers.add(path.relative_to(ROOT).as_posix())
    assert importers == {"layouts/components/grid.py"}
