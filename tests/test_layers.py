"""The layers hold (docs/architecture.md): the TUI reaches the database only through the services,
and the domain stays pure (no store, no services, no Textual). Read from the source's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "recouvre_tui"


def imported_modules(path: Path, package_dir: Path = PACKAGE) -> set[str]:
    """Absolute dotted names of every module imported by a file (relative imports resolved)."""
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    package = parts[:-1]  # a module's package is its folder (for `__init__` too)
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
    return out


def offending(folder: str, forbidden: tuple[str, ...], package_dir: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((package_dir / folder).rglob("*.py")):
        for module in sorted(imported_modules(path, package_dir)):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(package_dir)}: {module}")
    return found


def test_the_tui_never_imports_the_store() -> None:
    assert offending("tui", ("recouvre_tui.store",)) == []


def test_the_domain_imports_neither_store_services_nor_textual() -> None:
    forbidden = ("recouvre_tui.store", "recouvre_tui.services", "textual", "sqlite3", "sqlite_utils")
    assert offending("domain", forbidden) == []


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("tui/backend.py", "from ..store.db import Store\n", "recouvre_tui.store.db"),
        ("tui/lead/board.py", "from ...store import wear\n", "recouvre_tui.store.wear"),
        ("tui/lead/board.py", "from ..store import wear\n", None),  # recouvre_tui.tui.store: not the store
        ("tui/app.py", "import recouvre_tui.store.queue\n", "recouvre_tui.store.queue"),
        ("tui/app.py", "from recouvre_tui.store.lead import DebtorFilter\n", "recouvre_tui.store.lead"),
        ("tui/app.py", "from recouvre_tui.storefront import x\n", None),  # a prefix is not the package
    ],
)
def test_the_check_sees_every_form_of_import(tmp_path: Path, where: str, source: str, expected: str | None) -> None:
    """Relative imports one and two levels up, plain and absolute imports are all resolved."""
    package = tmp_path / "recouvre_tui"
    probe = package / where
    probe.parent.mkdir(parents=True)
    probe.write_text(source, encoding="utf-8")
    found = offending("tui", ("recouvre_tui.store",), package)
    if expected is None:
        assert found == []
    else:
        assert f"{where}: {expected}" in found
