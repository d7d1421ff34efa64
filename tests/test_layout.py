"""The checks a newcomer would make of the code's shape, kept true: rooms
with a docstring saying what they own, no import circle, no module over
400 lines, pages that reach data only through services, and the warehouse
queried only by the parts whose job it is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["queries", "portal", "auth"]
# Who may run statements on the warehouse: discovery and the index (reading
# every table is their job), the row reader (only inside a recorded read),
# the erasure (only for an approved request), and the benchmarks.
WAREHOUSE_QUERIES = {"queries/discovery/catalog.py", "queries/discovery/index_scan.py",
                     "queries/discovery/subject_index.py", "queries/discovery/subject_rows.py",
                     "queries/mydata/row_reader.py", "queries/erasure/redact.py"}
STORES = ("DeletionRequests", "LegalHolds", "ErasureJournal", "Ledger", "Warehouse", "SubjectIndex",
          "WarehouseAudit")


def _modules() -> list[Path]:
    return sorted(p for folder in PRODUCT for p in (ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Modules imported when the module is loaded (not those imported only for type checking)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                found.add(inner.module)
                found.update(f"{inner.module}.{alias.name}" for alias in inner.names)
            elif isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names)
    return found


def test_every_room_says_what_it_owns():
    for package in sorted((ROOT / "queries").glob("*/__init__.py")):
        assert ast.get_docstring(ast.parse(package.read_text())), package


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_no_import_circle():
    names = {_name(p): p for p in _modules()}
    graph = {name: {i for i in _imports(path) if i in names and i != name} for name, path in names.items()}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            assert state.get(target) != "open", " → ".join([*trail, name, target])
            if target not in state:
                visit(target, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("page", sorted((ROOT / "portal" / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_reach_data_only_through_services(page):
    text = page.read_text()
    assert not re.findall(r"\bbackend\.\w+", text), "a page uses a part of the backend instead of a service"
    imported = {name.rsplit(".", 1)[-1] for name in _imports(page)}
    assert not imported & set(STORES), "a page imports a store"


def test_only_the_parts_whose_job_it_is_query_the_warehouse():
    querying = {str(p.relative_to(ROOT)) for p in _modules()
                if re.search(r"warehouse\.query(_arrow)?\(", p.read_text())}
    assert querying <= WAREHOUSE_QUERIES, querying - WAREHOUSE_QUERIES
