"""The user's keymap: `[keymap]` in the configuration file gives a binding id new keys, as in
Posting (Textual's `App.set_keymap`). Checked before the session starts: an unknown id, a key
name Textual does not know, or two bindings on one key in one screen refuse to start, with the
file and the key named (docs/screens.md, "Keymap").

Every class of `recouvre_tui.tui` with bindings (screens, dialogs, widgets) is one place where
keys must not clash; the application's own bindings count in every one of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _normalize_key_list, key_to_character

from .. import tui as tui_package
from ..settings import ConfigError

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(k.value.rsplit("+", 1)[-1] for k in Keys if not k.value.startswith("<"))


@dataclass(frozen=True)
class BindingInfo:
    place: str  # the class that declares it, e.g. "tui.queue.screen.QueueScreen"
    id: str | None
    keys: tuple[str, ...]
    description: str
    action: str


def _classes() -> Iterable[type[DOMNode]]:
    """Every screen, dialog, widget and app class of the TUI that has bindings."""
    for info in pkgutil.walk_packages(tui_package.__path__, tui_package.__name__ + "."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, DOMNode) and obj.__module__ == module.__name__:
                yield obj


def _split(keys: str) -> tuple[str, ...]:
    """Keys in Textual's long form (« ? » → « question_mark »), so equal keys compare equal."""
    return tuple(k.strip() for k in _normalize_key_list(keys).split(","))


def _infos(cls: type[DOMNode]) -> list[BindingInfo]:
    place = cls.__module__.removeprefix("recouvre_tui.") + "." + cls.__qualname__
    out = []
    for binding in cls._merged_bindings.key_to_bindings.values() if cls._merged_bindings else ():
        for b in binding:
            out.append(BindingInfo(place, b.id, _split(b.key), b.description, b.action))
    return out


@cache
def binding_places() -> dict[str, list[BindingInfo]]:
    """place → its bindings (inherited ones included), the application's added to each place."""
    classes = sorted(_classes(), key=lambda c: (c.__module__, c.__qualname__))
    app_infos = [i for c in classes if issubclass(c, App) for i in _infos(c)]
    places: dict[str, list[BindingInfo]] = {}
    for cls in classes:
        own = _infos(cls)
        if not any(i.id for i in own) and not issubclass(cls, App):
            continue
        places[own[0].place if own else cls.__qualname__] = own if issubclass(cls, App) else own + app_infos
    return places


def declared_bindings() -> list[BindingInfo]:
    """Each binding with an id once, where it is declared (for docs/screens.md)."""
    seen: dict[str, BindingInfo] = {}
    for cls in sorted(_classes(), key=lambda c: (c.__module__, c.__qualname__)):
        for b in getattr(cls, "BINDINGS", []):
            if isinstance(b, Binding) and b.id and b.id not in seen:
                place = cls.__module__.removeprefix("recouvre_tui.") + "." + cls.__qualname__
                seen[b.id] = BindingInfo(place, b.id, _split(b.key), b.description, b.action)
    return sorted(seen.values(), key=lambda i: i.id or "")


def key_problem(key: str) -> str | None:
    """Why `key` is not a key name Textual knows (« ctrl+s », « f5 », « question_mark », « ? »)."""
    *mods, name = key.split("+")
    bad = [m for m in mods if m not in MODIFIERS]
    if bad or not name:
        return f"modificateur inconnu « {bad[0] if bad else key} » (ctrl, shift, alt, meta, super, hyper)"
    if len(name) == 1 and name.isprintable() and not name.isspace():
        return None
    if name in _NAMED_KEYS or key_to_character(name) is not None:
        return None
    try:
        unicodedata.lookup(name.replace("_", " "))
        return None
    except KeyError:
        return f"touche inconnue « {name} » (exemples : a, f5, enter, escape, question_mark)"


def keymap_problems(keymap: Sequence[tuple[str, str]]) -> list[str]:
    """French problems of a keymap, each naming the binding id (empty: the keymap is usable)."""
    known = {i.id for infos in binding_places().values() for i in infos if i.id}
    problems = []
    remapped: dict[str, tuple[str, ...]] = {}
    for binding_id, text in keymap:
        if binding_id not in known:
            problems.append(f"« {binding_id} » : identifiant de raccourci inconnu (liste : docs/screens.md)")
            continue
        keys = _split(text)
        for key in keys:
            why = "touche vide" if not key else key_problem(key)
            if why:
                problems.append(f"« {binding_id} » = « {text} » : {why}")
        remapped[binding_id] = keys
    if problems:
        return sorted(set(problems))
    for place, infos in binding_places().items():
        on_key: dict[str, list[BindingInfo]] = {}
        for info in infos:
            for key in remapped.get(info.id, info.keys) if info.id else info.keys:
                on_key.setdefault(key, []).append(info)
        for key, clashing in sorted(on_key.items()):
            names = sorted({i.id or i.action for i in clashing})
            # Only a clash the keymap made: the defaults' own overlaps (ctrl+c) are deliberate.
            if len(names) > 1 and any(i.id in remapped for i in clashing):
                where = place.rsplit(".", 1)[-1]
                problems.append(f"touche « {key} » donnée à {' et '.join(names)} sur le même écran ({where})")
    return sorted(set(problems))


def check_keymap(keymap: Sequence[tuple[str, str]], source: str) -> None:
    """Refuse to start with every problem of the keymap, naming the file (`ConfigError`)."""
    problems = keymap_problems(keymap)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{source} : [keymap] raccourcis refusés, la session ne démarre pas :\n{lines}")


def markdown_table() -> str:
    """The list of binding ids for docs/screens.md (regenerated by scripts/sync_keymap_doc.py)."""
    lines = ["| id | default key | action | where |", "|---|---|---|---|"]
    for info in declared_bindings():
        keys = ", ".join(f"`{k}`" for k in info.keys)
        lines.append(f"| `{info.id}` | {keys} | {info.description or info.action} | `{info.place}` |")
    return "\n".join(lines) + "\n"
