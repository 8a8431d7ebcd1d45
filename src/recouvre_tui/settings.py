"""Configuration: XDG paths (platformdirs), a TOML file, environment variables.

Precedence: command-line options > environment (`RECOUVRE_DB`, `RECOUVRE_CONFIG`) >
the TOML file > the defaults (`domain.config`). A bad value is an error naming the file, the key
and the problem; nothing is guessed.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import fields, is_dataclass, replace
from datetime import time
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from .domain.config import Settings
from .domain.money import MAX_CENTS

APP = "recouvre"


class ConfigError(Exception):
    """A configuration problem: `file: key: problem` (French)."""


def default_db_path() -> Path:
    env = os.environ.get("RECOUVRE_DB")
    if env:
        return Path(env)
    return Path(user_data_dir(APP, appauthor=False)) / "recouvre.db"


def default_config_path() -> Path:
    env = os.environ.get("RECOUVRE_CONFIG")
    if env:
        return Path(env)
    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"


# Counts, durations and weights stay below this (days, minutes, months, points): beyond, the
# date arithmetic of the queue, promises and wear report would overflow. Amounts in cents
# (`*_cents`) may go up to MAX_CENTS.
LIMIT = 10_000


def _parse_time(value: Any, where: str) -> time:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: heure attendue au format « HH:MM »")
    try:
        hh, mm = value.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise ConfigError(f"{where}: heure invalide « {value} » (format HH:MM)") from None


def _coerce(value: Any, default: Any, where: str) -> Any:
    """Check a TOML value against the default's type; convert the few structured ones."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: true ou false attendu")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}: nombre entier attendu")
        if value < 0:
            raise ConfigError(f"{where}: valeur négative")
        limit = MAX_CENTS if where.endswith("_cents") else LIMIT
        if value > limit:
            raise ConfigError(f"{where}: valeur trop grande ({limit} au plus)")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{where}: nombre attendu")
        if not math.isfinite(value) or abs(value) > LIMIT:
            raise ConfigError(f"{where}: nombre entre -{LIMIT} et {LIMIT} attendu")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: liste attendue")
        if where.endswith("_windows"):
            out = []
            for i, item in enumerate(value):
                if not (isinstance(item, list) and len(item) == 2):
                    raise ConfigError(f'{where}[{i}]: plage attendue ["HH:MM", "HH:MM"]')
                start, end = (
                    _parse_time(item[0], f"{where}[{i}]"),
                    _parse_time(item[1], f"{where}[{i}]"),
                )
                if end <= start:
                    raise ConfigError(f"{where}[{i}]: la fin doit suivre le début")
                out.append((start, end))
            return tuple(out)
        if where.endswith("_days"):
            if not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
                raise ConfigError(f"{where}: jours de 0 (lundi) à 6 (dimanche) attendus")
            return tuple(value)
        if where.endswith("max_instalments_by_amount"):
            bands = []
            for i, item in enumerate(value):
                if not (
                    isinstance(item, list)
                    and len(item) == 2
                    and isinstance(item[1], int)
                    and not isinstance(item[1], bool)
                    and 1 <= item[1] <= LIMIT
                    and (item[0] is None or _euros(item[0]))
                ):
                    raise ConfigError(f"{where}[{i}]: [plafond en euros ou 0 pour illimité, nombre max]")
                bound = None if item[0] in (0, None) else round(float(item[0]) * 100)
                bands.append((bound, item[1]))
            return tuple(bands)
        return tuple(value)
    if default is None or isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: texte attendu")
        return value
    raise ConfigError(f"{where}: valeur non prise en charge")


def _euros(value: Any) -> bool:
    """A ceiling in euros: a number, finite, from 0 to MAX_CENTS / 100."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_CENTS / 100
    )


def _apply(obj: Any, table: dict[str, Any], prefix: str, file: str) -> Any:
    known = {f.name: f for f in fields(obj)}
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
            changes[key] = _coerce(value, current, where)
    return replace(obj, **changes)


def load_settings(path: Path | None = None) -> Settings:
    """Read the TOML file when it exists (an explicitly named file must exist)."""
    explicit = path is not None or "RECOUVRE_CONFIG" in os.environ
    p = path or default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: fichier de configuration introuvable")
        return Settings()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: TOML invalide : {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: le fichier doit être en UTF-8") from None
    settings = _apply(Settings(), data, "", str(p))
    if settings.fec_segment not in ("B2B", "B2C"):
        raise ConfigError(f"{p}: fec_segment: B2B ou B2C attendu")
    return settings


__all__ = ["ConfigError", "Settings", "default_config_path", "default_db_path", "load_settings"]
