"""The repository documents itself: docs/codes.md matches the code, docs/architecture.md names
functions that exist, and no file points to documents outside the repository."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Written in two pieces so that this file does not match itself.
OUTSIDE = ("DESIGN" + ".md", "UI" + ".md", "../" + "shared")
SKIP_DIRS = {".git", ".venv", ".xdg", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def repository_files() -> list[Path]:
    """The tracked files (git), else every file outside tool and cache folders."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode()
        files = [ROOT / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
    if not files:
        files = [
            p
            for p in ROOT.rglob("*")
            if p.is_file() and not SKIP_DIRS & set(p.relative_to(ROOT).parts) and ".egg-info" not in str(p)
        ]
    return [p for p in files if p.is_file()]


def test_codes_doc_is_generated_from_the_code() -> None:
    gen = _load_script("gen_codes_doc")
    assert (ROOT / "docs" / "codes.md").read_text(encoding="utf-8") == gen.render(), (
        "docs/codes.md is out of date: run python scripts/gen_codes_doc.py"
    )


def test_every_code_and_label_is_in_the_codes_doc() -> None:
    from recouvre_tui.domain import codes

    text = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    for enum in (codes.Disposition, codes.Reason, codes.Channel, codes.Recommendation, codes.BlockReason):
        for member in enum:
            labels = codes.REASON_LABELS_FR if enum is codes.Reason else codes.LABELS_FR
            assert f"| `{member.value}` | « {labels[member.value]} » |" in text


def test_no_file_refers_to_documents_outside_the_repository() -> None:
    offenders = []
    files = repository_files()
    assert any(p.name == "README.md" for p in files)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary
        for n, line in enumerate(text.splitlines(), 1):
            if any(word in line for word in OUTSIDE):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


NAME = re.compile(r"`((?:domain|store|services|importers|reports|tui|logs|settings)(?:\.\w+)+)`")


def names_in(doc: str) -> list[str]:
    found = NAME.findall((ROOT / "docs" / doc).read_text(encoding="utf-8"))
    return [n for n in found if not n.endswith((".py", ".md", ".toml"))]  # file names


@pytest.mark.parametrize("doc", ["architecture.md", "rules.md"])
def test_every_module_and_function_the_docs_name_exists(doc: str) -> None:
    names = names_in(doc)
    assert len(names) >= 20
    missing = []
    for name in names:
        parts = name.split(".")
        # The longest importable module prefix, then attributes.
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module("recouvre_tui." + ".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            try:
                for attr in parts[cut:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                missing.append(name)
            break
        else:
            missing.append(name)
    assert missing == []
