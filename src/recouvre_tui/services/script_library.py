"""Load the call-script library: the packaged scripts, then an optional team folder.

``load_scripts(override_dir)`` returns ``(scripts, errors)``:

- the packaged scripts (``recouvre_tui/script_library/*.md``, read with importlib.resources);
- then every ``*.md`` of ``override_dir`` (not recursive; names starting with ``.`` or ``_``
  and ``README.md`` are skipped): a valid file whose ``id`` exists replaces that script,
  a new ``id`` adds one.

A file that does not validate is left out and every problem is returned as a
``ScriptError(source, line, message)``; it never hides the packaged script of the same id.
Within one folder, a second file with an ``id`` already seen is an error too (the first, by
file name, is kept). Nothing here raises for bad content: the caller shows the errors
(``str(error)`` is ``file:line: message``) and works with the scripts that loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..domain.call_scripts import (
    MAX_SCRIPT_CHARS,
    CallScript,
    ScriptError,
    ScriptValidationError,
    find_key_line,
    parse_script,
)

PACKAGE = "recouvre_tui"
LIBRARY_DIR = "script_library"
_MAX_BYTES = MAX_SCRIPT_CHARS * 4  # UTF-8: at most 4 bytes a character


def _is_script_name(name: str) -> bool:
    return name.endswith(".md") and not name.startswith((".", "_")) and name.casefold() != "readme.md"


def _read(entry: Traversable | Path, source: str) -> tuple[str | None, ScriptError | None]:
    try:
        data = entry.read_bytes()
    except OSError as exc:
        return None, ScriptError(source, 0, f"lecture impossible : {exc.strerror or exc}")
    if len(data) > _MAX_BYTES:
        return None, ScriptError(source, 0, "fichier trop long pour un script d'appel")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, ScriptError(source, line, "encodage invalide : le fichier doit être en UTF-8")


def _parse_files(
    files: Iterable[tuple[str, Traversable | Path]],
) -> tuple[dict[str, CallScript], list[ScriptError]]:
    """Parse (source, file) pairs in order; the first file with a given id wins."""
    scripts: dict[str, CallScript] = {}
    errors: list[ScriptError] = []
    for source, entry in files:
        text, error = _read(entry, source)
        if error is not None or text is None:
            errors.append(error or ScriptError(source, 0, "fichier illisible"))
            continue
        try:
            script = parse_script(text, source)
        except ScriptValidationError as exc:
            errors.extend(exc.errors)
            continue
        if script.id in scripts:
            errors.append(
                ScriptError(
                    source,
                    find_key_line(text, "id"),
                    f"id « {script.id} » déjà utilisé par {scripts[script.id].source}",
                )
            )
            continue
        scripts[script.id] = script
    return scripts, errors


def _packaged_files() -> Iterator[tuple[str, Traversable]]:
    folder = resources.files(PACKAGE).joinpath(LIBRARY_DIR)
    entries = sorted(
        (e for e in folder.iterdir() if e.is_file() and _is_script_name(e.name)),
        key=lambda e: e.name,
    )
    for entry in entries:
        yield f"{PACKAGE}/{LIBRARY_DIR}/{entry.name}", entry


def load_packaged_scripts() -> tuple[list[CallScript], list[ScriptError]]:
    """The library shipped with the application."""
    scripts, errors = _parse_files(_packaged_files())
    return sorted(scripts.values(), key=lambda s: s.id), errors


def load_folder(folder: str | Path) -> tuple[list[CallScript], list[ScriptError]]:
    """The scripts of one folder (a team's override folder)."""
    path = Path(folder)
    if not path.is_dir():
        return [], [ScriptError(str(path), 0, "dossier de scripts introuvable")]
    try:
        entries = sorted(p for p in path.iterdir() if p.is_file() and _is_script_name(p.name))
    except OSError as exc:
        return [], [ScriptError(str(path), 0, f"lecture impossible : {exc.strerror or exc}")]
    scripts, errors = _parse_files((str(p), p) for p in entries)
    return sorted(scripts.values(), key=lambda s: s.id), errors


def merge_scripts(base: Iterable[CallScript], overrides: Iterable[CallScript]) -> list[CallScript]:
    """``base`` with each override replacing the script of the same id or adding a new one."""
    merged = {s.id: s for s in base}
    merged.update((s.id, s) for s in overrides)
    return sorted(merged.values(), key=lambda s: s.id)


def load_scripts(
    override_dir: str | Path | None = None,
) -> tuple[list[CallScript], list[ScriptError]]:
    """Packaged scripts merged with the override folder's valid scripts, and every error."""
    packaged, errors = load_packaged_scripts()
    if override_dir is None or str(override_dir) == "":
        return packaged, errors
    overrides, override_errors = load_folder(override_dir)
    return merge_scripts(packaged, overrides), errors + override_errors
