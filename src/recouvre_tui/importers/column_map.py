"""Mapping an accounting or invoicing tool's CSV headers to ours.

`recouvre import KIND FILE --columns MAP.toml` or `--column "Numéro Facture=invoice_ref"`
(repeated). A TOML map is `"source header" = "our column"` pairs, at the top level or under
`[columns]`. Headers are matched case-insensitively; a mapped header that the file lacks, a
target that the format does not know, or two headers mapped to one column are errors.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .reader import ImportRejected, Issue

if TYPE_CHECKING:
    from .csv_formats import Format
    from .reader import Table


def parse_column_option(text: str) -> tuple[str, str]:
    """`"Numéro Facture=invoice_ref"` → ("Numéro Facture", "invoice_ref")."""
    source, sep, target = text.rpartition("=")
    if not sep or not source.strip() or not target.strip():
        raise ImportRejected([Issue("--column", 0, "", f"« {text} » : attendu « colonne du fichier=notre colonne »")])
    return source.strip(), target.strip()


def load_column_map(path: Path | str) -> dict[str, str]:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportRejected([Issue(p.name, 0, "", "fichier de correspondance introuvable")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ImportRejected([Issue(p.name, 0, "", f"TOML illisible : {exc}")]) from None
    table = data.get("columns", data) if isinstance(data.get("columns"), dict) else data
    out: dict[str, str] = {}
    issues = []
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            issues.append(Issue(p.name, 0, key, "nom de colonne attendu (texte)"))
            continue
        out[key.strip()] = value.strip()
    if issues:
        raise ImportRejected(issues)
    return out


def merge(maps: Iterable[Mapping[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in maps:
        out.update(m)
    return out


def rename_header(table: Table, fmt: Format, columns: Mapping[str, str]) -> None:
    """Rename `table.header` in place (lower-cased, as the reader gives it)."""
    known = set(fmt.required) | set(fmt.optional)
    wanted = {source.strip().lower(): target.strip().lower() for source, target in columns.items()}
    issues = []
    for source, target in wanted.items():
        if target not in known:
            issues.append(
                Issue(
                    table.file, 1, source, f"colonne cible inconnue « {target} » (attendu : {', '.join(sorted(known))})"
                )
            )
        if source not in table.header:
            issues.append(Issue(table.file, 1, source, "colonne à renommer absente de l'en-tête"))
    targets = list(wanted.values())
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        issues.append(Issue(table.file, 1, target, "plusieurs colonnes du fichier renommées en cette colonne"))
    if issues:
        raise ImportRejected(issues)
    table.header = [wanted.get(h, h) for h in table.header]
