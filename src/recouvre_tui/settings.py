"""Configuration: XDG paths (platformdirs), a TOML file, environment variables.

Precedence: command-line options > environment (`RECOUVRE_DB`, `RECOUVRE_CONFIG`) >
the TOML file > the defaults (`domain.config`). A bad value is an error naming the file, the key
and the problem; nothing is guessed.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
import typing
from dataclasses import fields, is_dataclass, replace
from datetime import date, time
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from .domain.config import Settings, cross_field_problems
from .domain.money import MAX_CENTS
from .legal_data import legal_problems

APP = "recouvre"


class ConfigError(Exception):
    """A configuration problem: `file: key: problem` (French)."""


def default_db_path() -> Path | str:
    """RECOUVRE_DB (a file path or a PostgreSQL URL, kept as text), else the user data folder."""
    env = os.environ.get("RECOUVRE_DB")
    if env:
        return env
    return Path(user_data_dir(APP, appauthor=False)) / "recouvre.db"


def default_config_path() -> Path:
    env = os.environ.get("RECOUVRE_CONFIG")
    if env:
        return Path(env)
    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"


# --- the schema: each field's type and `metadata` (domain/config.py) ---------------------------


def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _bounds_text(meta: dict[str, Any], low: str = "min", high: str = "max") -> str:
    lo, hi = meta.get(low), meta.get(high)
    if lo is not None and hi is not None:
        return f"de {_num(lo)} à {_num(hi)}"
    if lo is not None:
        return f"{_num(lo)} au moins"
    if hi is not None:
        return f"{_num(hi)} au plus"
    return "sans limite"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _check_number(value: Any, tp: type, meta: dict[str, Any], where: str, low: str = "min", high: str = "max") -> Any:
    allowed = _bounds_text(meta, low, high)
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: nombre entier attendu ({allowed})")
    elif not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ConfigError(f"{where}: nombre attendu ({allowed})")
    lo, hi = meta.get(low), meta.get(high)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{where}: {value} hors limites ({allowed})")
    return value if tp is int else float(value)


def _check_length(value: Any, meta: dict[str, Any], where: str, what: str) -> None:
    lo, hi = meta.get("min_len"), meta.get("max_len")
    if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
        raise ConfigError(f"{where}: {len(value)} {what} ({_bounds_text(meta, 'min_len', 'max_len')} attendu(s))")


def _check_text(value: Any, meta: dict[str, Any], where: str) -> str:
    choices = meta.get("choices")
    if choices is not None:
        if value not in choices:
            raise ConfigError(f"{where}: valeur parmi {', '.join(choices)} attendue")
        return str(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: texte attendu")
    _check_length(value, meta, where, "caractère(s)")
    return value


def _parse_time(value: Any, where: str) -> time:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: heure attendue au format « HH:MM »")
    try:
        hh, mm = value.split(":")
        if not (len(hh) == 2 and len(mm) == 2):
            raise ValueError
        return time(int(hh), int(mm))
    except ValueError:
        raise ConfigError(f"{where}: heure invalide « {value} » (format HH:MM, de 00:00 à 23:59)") from None


def _check_windows(value: list[Any], where: str) -> tuple[tuple[time, time], ...]:
    """Time ranges, each ending after it starts, in order and not overlapping."""
    out: list[tuple[time, time]] = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not (isinstance(item, list) and len(item) == 2):
            raise ConfigError(f'{at}: plage attendue ["HH:MM", "HH:MM"]')
        start, end = _parse_time(item[0], at), _parse_time(item[1], at)
        if end <= start:
            raise ConfigError(f"{at}: la fin doit suivre le début")
        if out and start < out[-1][1]:
            raise ConfigError(
                f"{at}: les plages doivent se suivre sans se chevaucher (celle-ci commence avant "
                f"{out[-1][1]:%H:%M}, fin de la précédente)"
            )
        out.append((start, end))
    return tuple(out)


def _check_bands(value: list[Any], meta: dict[str, Any], where: str) -> tuple[tuple[int | None, int], ...]:
    """[ceiling in euros, count] by ascending ceiling, 0 = no ceiling (last band only)."""
    out: list[tuple[int | None, int]] = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not (isinstance(item, list) and len(item) == 2):
            raise ConfigError(f"{at}: [plafond en euros ou 0 pour illimité, nombre max] attendu")
        euros = _check_number(item[0], float, {"min": 0, "max": MAX_CENTS // 100}, f"{at}[0]")
        count = _check_number(item[1], int, meta, f"{at}[1]", "item_min", "item_max")
        if out and out[-1][0] is None:
            raise ConfigError(f"{at}: aucune tranche après la tranche sans plafond (0)")
        bound = None if euros == 0 else round(euros * 100)
        if bound is not None and out and bound <= (out[-1][0] or 0):
            raise ConfigError(f"{at}: les plafonds doivent croître d'une tranche à la suivante")
        out.append((bound, count))
    return tuple(out)


WINDOWS = tuple[tuple[time, time], ...]
BANDS = tuple[tuple[int | None, int], ...]
# A TOML table of texts (the keymap: binding id → keys), kept as sorted (name, text) pairs so
# the settings stay immutable. Nested tables are flattened with dots: `[keymap.queue] segment`
# and `"queue.segment"` under `[keymap]` are the same name.
TABLE = tuple[tuple[str, str], ...]


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _check_table(value: Any, meta: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: section attendue (nom = "texte")')
    pairs = _flatten(value)
    _check_length(pairs, meta, where, "entrée(s)")
    item_meta = {"min_len": 1, "max_len": meta.get("item_max_len")}
    return tuple(sorted((name, _check_text(text, item_meta, f"{where}.{name}")) for name, text in pairs))
ECB_RATES = tuple[tuple[date, float], ...]
LEGAL_RATES = tuple[tuple[date, float, float], ...]


def _check_rates(value: list[Any], meta: dict[str, Any], where: str, width: int) -> tuple[tuple[Any, ...], ...]:
    """Dated rates: [["YYYY-MM-DD", rate, …], …], dates strictly ascending."""
    out: list[tuple[Any, ...]] = []
    rate_meta = {"min": meta.get("item_min"), "max": meta.get("item_max")}
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, list) or len(item) != width + 1:
            raise ConfigError(f'{at}: ["AAAA-MM-JJ", {", ".join(["taux"] * width)}] attendu')
        try:
            day = date.fromisoformat(item[0]) if isinstance(item[0], str) else None
        except ValueError:
            day = None
        if day is None:
            raise ConfigError(f"{at}[0]: date AAAA-MM-JJ attendue")
        if out and day <= out[-1][0]:
            raise ConfigError(f"{at}: les dates doivent croître d'une ligne à la suivante")
        rates = [_check_number(r, float, rate_meta, f"{at}[{j + 1}]") for j, r in enumerate(item[1:])]
        out.append((day, *rates))
    return tuple(out)


def _check(value: Any, tp: Any, meta: dict[str, Any], where: str) -> Any:
    """A TOML value checked against a field's type and metadata, converted to the field's type."""
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: true ou false attendu")
        return value
    if tp in (int, float):
        return _check_number(value, tp, meta, where)
    if tp is str:
        return _check_text(value, meta, where)
    if tp is time:
        return _parse_time(value, where)
    if tp == TABLE:
        return _check_table(value, meta, where)
    args = typing.get_args(tp)
    if type(None) in args and len(args) == 2:  # X | None: TOML has no null, so a set value is an X
        return _check(value, next(a for a in args if a is not type(None)), meta, where)
    if typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: liste attendue")
        _check_length(value, meta, where, "élément(s)")
        if tp == WINDOWS:
            return _check_windows(value, where)
        if tp == BANDS:
            return _check_bands(value, meta, where)
        if tp in (ECB_RATES, LEGAL_RATES):
            return _check_rates(value, meta, where, 1 if tp == ECB_RATES else 2)
        item_meta = {"min": meta.get("item_min"), "max": meta.get("item_max")}
        return tuple(_check(v, args[0], item_meta, f"{where}[{i}]") for i, v in enumerate(value))
    raise ConfigError(f"{where}: type de réglage non pris en charge ({tp})")


def _apply(obj: Any, table: dict[str, Any], prefix: str, file: str) -> Any:
    known = {f.name: f for f in fields(obj)}
    types = _field_types(type(obj))
    changes: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{file}: {prefix}{key}"
        if key not in known:
            raise ConfigError(f"{where}: clé inconnue")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: section attendue [{prefix}{key}]")
            changes[key] = _apply(current, value, f"{prefix}{key}.", file)
        else:
            if isinstance(value, dict) and types[key] != TABLE:
                raise ConfigError(f"{where}: valeur attendue, pas une section")
            changes[key] = _check(value, types[key], dict(known[key].metadata), where)
    return replace(obj, **changes)


# --- the documented TOML (`recouvre config defaults` / `config show`, the README's block) --------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return f'"{value:%H:%M}"'
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _toml_field(value: Any, tp: Any) -> str:
    if tp == TABLE:  # an inline table: `{}` or `{ "a" = "b" }`
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in value) + "}"
    if tp == BANDS:  # cents → euros, no ceiling → 0
        return _toml_value(tuple((0 if c is None else _euro_number(c), n) for c, n in value))
    return _toml_value(value)


def _euro_number(cents: int) -> int | float:
    return cents // 100 if cents % 100 == 0 else cents / 100


def _allowed(meta: dict[str, Any]) -> str:
    """The allowed range in the README's words (English)."""

    def span(lo: Any, hi: Any) -> str:
        if lo is not None and hi is not None:
            return f"{_num(lo)} to {_num(hi)}"
        return f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}" if hi is not None else ""

    if "choices" in meta:
        return " or ".join(meta["choices"])
    if "min" in meta or "max" in meta:
        return span(meta.get("min"), meta.get("max"))
    if "item_min" in meta or "item_max" in meta:
        return "each " + span(meta.get("item_min"), meta.get("item_max"))
    return ""


def render_toml(settings: Settings) -> str:
    """The settings as a TOML file, each key with its help and allowed range as a comment."""
    lines: list[str] = []

    def table(obj: Any) -> None:
        types = _field_types(type(obj))
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                continue
            meta = dict(f.metadata)
            allowed = _allowed(meta)
            comment = meta.get("help", "") + (f" ({allowed})" if allowed else "")
            if value is None:
                example = _toml_value(meta.get("example", ""))
                lines.append(f"# {f.name} = {example}".ljust(50) + f"  # {comment}; unset by default")
            else:
                lines.append(f"{f.name} = {_toml_field(value, types[f.name])}".ljust(50) + f"  # {comment}")

    table(settings)
    for f in fields(settings):
        section = getattr(settings, f.name)
        if is_dataclass(section):
            lines.extend(["", f"[{f.name}]"])
            table(section)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def load_settings(path: Path | None = None) -> Settings:
    """Read the TOML file when it exists (an explicitly named file must exist)."""
    explicit = path is not None or "RECOUVRE_CONFIG" in os.environ
    p = path or default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: fichier de configuration introuvable")
        return Settings()
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: le fichier doit être en UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{p}: lecture impossible ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: TOML invalide : {exc}") from None
    except RecursionError:
        raise ConfigError(f"{p}: TOML invalide : tableaux ou sections imbriqués trop profondément") from None
    settings = _apply(Settings(), data, "", str(p))
    for key, problem in [*cross_field_problems(settings), *legal_problems(settings.legal)]:
        raise ConfigError(f"{p}: {key}: {problem}")
    return settings


__all__ = ["ConfigError", "Settings", "default_config_path", "default_db_path", "load_settings", "render_toml"]
