"""Settings: one typed schema (dataclass `metadata`) checks every key, documents it in the README.

Each key of `domain/config.py` is found by walking the dataclasses, so a field added with its
metadata is covered here without touching this file.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tomllib
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from recouvre_tui.domain.config import CLAIM_RENEW_SECONDS, Settings, cross_field_problems
from recouvre_tui.settings import ConfigError, _apply, load_settings, render_toml

README = Path(__file__).resolve().parents[1] / "README.md"


def schema() -> list[tuple[str, str, typing.Any, dict[str, typing.Any]]]:
    """(section or "", key, type, metadata) for every setting."""
    out = []

    def walk(cls: type, section: str) -> None:
        types = typing.get_type_hints(cls)
        for f in fields(cls):
            if is_dataclass(types[f.name]):
                walk(types[f.name], f.name)
            else:
                out.append((section, f.name, types[f.name], dict(f.metadata)))

    walk(Settings, "")
    return out


SCHEMA = schema()
NUMBERS = [(s, k, t, m) for s, k, t, m in SCHEMA if t in (int, float) and ("min" in m or "max" in m)]
INT_LISTS = [(s, k, t, m) for s, k, t, m in SCHEMA if t == tuple[int, ...]]


def toml_doc(section: str, key: str, value: str) -> str:
    return (f"[{section}]\n" if section else "") + f"{key} = {value}\n"


def load_text(tmp: Path, text: str) -> Settings:
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def refused(tmp: Path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_text(tmp, text)
    return str(err.value)


# --- the values found accepted by the adversarial test --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("claim_lease_minutes = 0\n", "claim_lease_minutes: 0 hors limites (de 2 à 1440)"),
        ("claim_lease_minutes = 1\n", "claim_lease_minutes: 1 hors limites (de 2 à 1440)"),
        ("[calling]\nb2c_days = [true]\n", "calling.b2c_days[0]: nombre entier attendu (de 0 à 6)"),
        ("[calling]\nb2c_days = []\n", "calling.b2c_days: 0 élément(s) (de 1 à 7 attendu(s))"),
        ("[calling]\nmin_gap_hours = -5\n", "calling.min_gap_hours: -5 hors limites (de 0 à 168)"),
        ("[calling]\nmax_attempts_7d = 0\n", "calling.max_attempts_7d: 0 hors limites (de 1 à 100)"),
        ("[calling]\nb2b_windows = []\n", "calling.b2b_windows: 0 élément(s)"),
        (
            '[calling]\nb2b_windows = [["09:00", "13:00"], ["12:00", "18:00"]]\n',
            "calling.b2b_windows[1]: les plages doivent se suivre sans se chevaucher",
        ),
        (
            '[calling]\nb2b_windows = [["14:00", "18:00"], ["09:00", "12:00"]]\n',
            "calling.b2b_windows[1]: les plages doivent se suivre sans se chevaucher",
        ),
        ("[promises]\nmax_instalments_by_amount = []\n", "promises.max_instalments_by_amount: 0 élément(s)"),
        (
            "[promises]\nmax_instalments_by_amount = [[5000, 6], [500, 3]]\n",
            "promises.max_instalments_by_amount[1]: les plafonds doivent croître",
        ),
        (
            "[promises]\nmax_instalments_by_amount = [[0, 12], [500, 3]]\n",
            "promises.max_instalments_by_amount[1]: aucune tranche après la tranche sans plafond",
        ),
        (
            "[promises]\nmax_instalments_by_amount = [[500, 0]]\n",
            "promises.max_instalments_by_amount[0][1]: 0 hors limites (de 1 à 120)",
        ),
        ("[score]\nwear_cap = 5.0\n", "score.wear_cap: 5.0 hors limites (de -10000 à 0)"),
        ("[wear]\ntime_slot_hours = 0\n", "wear.time_slot_hours: 0 hors limites (de 1 à 24)"),
        ('creditor_name = ""\n', "creditor_name: 0 caractère(s)"),
        ('fec_segment = "b2b"\n', "fec_segment: valeur parmi B2B, B2C attendue"),
        ("[calling.extra]\nx = 1\n", "calling.extra: clé inconnue"),
        ("claim_lease_minutes = {a = 1}\n", "claim_lease_minutes: valeur attendue, pas une section"),
    ],
)
def test_wrong_value_names_file_key_and_range(tmp_path: Path, text: str, expected: str) -> None:
    message = refused(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'config.toml'}: "), message
    assert expected in message, message


def test_lease_must_outlast_the_renewal() -> None:
    """The TUI renews a held case every CLAIM_RENEW_SECONDS: a lease not longer than that would
    free the case between two renewals (two agents on one debtor)."""
    from recouvre_tui.tui.app import RENEW_SECONDS

    assert RENEW_SECONDS == CLAIM_RENEW_SECONDS == 60
    assert cross_field_problems(replace(Settings(), claim_lease_minutes=1)) == [
        ("claim_lease_minutes", "le bail doit durer plus que le renouvellement (60 s) : 2 minutes au moins")
    ]
    assert cross_field_problems(replace(Settings(), claim_lease_minutes=2)) == []


def test_lease_of_two_minutes_is_accepted(tmp_path: Path) -> None:
    assert load_text(tmp_path, "claim_lease_minutes = 2\n").claim_lease_minutes == 2


def test_config_nested_100000_deep_is_a_message(tmp_path: Path) -> None:
    cfg = tmp_path / "deep.toml"
    cfg.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "recouvre_tui.cli", "--config", str(cfg), "config", "show"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"erreur : {cfg}: TOML invalide"), lines[0]


def test_config_inline_tables_nested_deep_is_a_message(tmp_path: Path) -> None:
    message = refused(tmp_path, "x = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n")
    assert "TOML invalide" in message


# --- property: inside the bounds accepted, outside refused with the key named ------------------------


def _toml_number(value: float | int) -> str:
    return json.dumps(value)


@st.composite
def number_case(draw: st.DrawFn) -> tuple[str, str, typing.Any, dict[str, typing.Any], float | int]:
    section, key, tp, meta = draw(st.sampled_from(NUMBERS))
    lo, hi = meta.get("min", -(10**15)), meta.get("max", 10**15)
    if tp is int:
        value: float | int = draw(st.integers(lo - 1000, hi + 1000) | st.sampled_from([lo - 1, lo, hi, hi + 1]))
    else:
        value = draw(
            st.floats(lo - 1000, hi + 1000, allow_nan=False, allow_infinity=False)
            | st.sampled_from([lo, hi, math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)])
        )
    return section, key, tp, meta, value


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=number_case())
def test_any_number_inside_bounds_accepted_outside_refused(tmp_path: Path, case) -> None:
    section, key, _tp, meta, value = case
    text = toml_doc(section, key, _toml_number(value))
    dotted = f"{section}.{key}" if section else key
    inside = meta.get("min", -math.inf) <= value <= meta.get("max", math.inf)
    if inside:
        loaded = load_text(tmp_path, text)
        got = getattr(getattr(loaded, section) if section else loaded, key)
        assert got == value
    else:
        message = refused(tmp_path, text)
        assert f": {dotted}: " in message and "hors limites" in message, message


@st.composite
def day_list_case(draw: st.DrawFn):
    section, key, _tp, meta = draw(st.sampled_from(INT_LISTS))
    items = draw(st.lists(st.integers(-3, 9) | st.booleans(), max_size=9))
    return section, key, meta, items


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=day_list_case())
def test_any_list_inside_bounds_accepted_outside_refused(tmp_path: Path, case) -> None:
    section, key, meta, items = case
    text = toml_doc(section, key, json.dumps(items))
    inside = meta["min_len"] <= len(items) <= meta["max_len"] and all(
        not isinstance(i, bool) and meta["item_min"] <= i <= meta["item_max"] for i in items
    )
    if inside:
        assert getattr(getattr(load_text(tmp_path, text), section), key) == tuple(items)
    else:
        assert f": {section}.{key}" in refused(tmp_path, text)


# --- the schema is complete, generic and documented ----------------------------------------------------


def test_every_setting_has_help_and_bounds_where_it_is_a_number() -> None:
    for section, key, tp, meta in SCHEMA:
        assert meta.get("help"), f"{section}.{key} has no help"
        if tp in (int, float):
            assert "min" in meta and "max" in meta, f"{section}.{key} has no bounds"
        if typing.get_origin(tp) is tuple:
            assert "min_len" in meta, f"{section}.{key} has no length bound"


def test_a_new_field_with_metadata_needs_nothing_else() -> None:
    @dataclass(frozen=True)
    class Future:
        max_import_mb: int = field(default=1024, metadata={"min": 1, "max": 1_048_576, "help": "Largest import"})
        prefixes: tuple[str, ...] = field(default=("411",), metadata={"min_len": 1, "help": "Accounts"})
        ratio: float = field(default=0.5, metadata={"min": 0, "max": 1, "help": "A ratio"})
        quiet_from: time = field(default=time(22, 0), metadata={"help": "A time of day"})
        limit_mb: int | None = field(default=None, metadata={"min": 1, "max": 10, "help": "Unset by default"})

    assert _apply(Future(), {"max_import_mb": 2, "prefixes": ["411", "416"]}, "", "f.toml") == Future(2, ("411", "416"))
    with pytest.raises(ConfigError, match=r"^f\.toml: max_import_mb: 0 hors limites \(de 1 à 1048576\)$"):
        _apply(Future(), {"max_import_mb": 0}, "", "f.toml")
    with pytest.raises(ConfigError, match=r"^f\.toml: prefixes: 0 élément\(s\)"):
        _apply(Future(), {"prefixes": []}, "", "f.toml")
    with pytest.raises(ConfigError, match=r"^f\.toml: prefixes\[1\]: texte attendu$"):
        _apply(Future(), {"prefixes": ["411", 416]}, "", "f.toml")
    with pytest.raises(ConfigError, match=r"^f\.toml: ratio: 1.5 hors limites \(de 0 à 1\)$"):
        _apply(Future(), {"ratio": 1.5}, "", "f.toml")
    assert _apply(Future(), {"quiet_from": "21:30", "limit_mb": 3}, "", "f.toml") == Future(
        quiet_from=time(21, 30), limit_mb=3
    )
    with pytest.raises(ConfigError, match=r"^f\.toml: limit_mb: 11 hors limites \(de 1 à 10\)$"):
        _apply(Future(), {"limit_mb": 11}, "", "f.toml")
    with pytest.raises(ConfigError, match=r"^f\.toml: quiet_from: heure invalide « 25:00 »"):
        _apply(Future(), {"quiet_from": "25:00"}, "", "f.toml")


def readme_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match
    return match.group(1)


def test_readme_block_matches_the_schema() -> None:
    """Every key of the schema is in the README's block with its default, and nothing else."""
    block = readme_block()
    documented = tomllib.loads(block)
    expected = tomllib.loads(render_toml(Settings()))
    assert documented == expected
    # Keys unset by default appear commented out.
    for section, key, _tp, _meta in SCHEMA:
        value = getattr(getattr(Settings(), section) if section else Settings(), key)
        if value is None:
            assert re.search(rf"^# {key} = ", block, re.M), key


def test_defaults_file_loads_back_to_the_defaults(tmp_path: Path) -> None:
    assert load_text(tmp_path, render_toml(Settings())) == Settings()


def test_config_defaults_and_show_commands(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("claim_lease_minutes = 20\n[calling]\nmin_gap_hours = 2.5\n", encoding="utf-8")
    run = [sys.executable, "-m", "recouvre_tui.cli", "--config", str(cfg), "config"]
    defaults = subprocess.run([*run, "defaults"], capture_output=True, text=True, check=True).stdout
    assert defaults == render_toml(Settings())
    assert "claim_lease_minutes = 15" in defaults and "(2 to 1440)" in defaults
    shown = tomllib.loads(subprocess.run([*run, "show"], capture_output=True, text=True, check=True).stdout)
    assert shown["claim_lease_minutes"] == 20 and shown["calling"]["min_gap_hours"] == 2.5
    cfg.write_text("claim_lease_minutes = 0\n", encoding="utf-8")
    bad = subprocess.run([*run, "show"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr == f"erreur : {cfg}: claim_lease_minutes: 0 hors limites (de 2 à 1440)\n"


# Text settings (`str`, `str | None`); lists of texts (`tuple[str, ...]`) are lists, not texts.
TEXTS = [(s, k, t, m) for s, k, t, m in SCHEMA if str in (t, *typing.get_args(t)) and typing.get_origin(t) is not tuple]


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=st.sampled_from(TEXTS),
    text=st.text(alphabet="ABCabc /é2", max_size=260) | st.sampled_from(["B2B", "B2C", "", "b2b"]),
)
def test_any_text_inside_bounds_accepted_outside_refused(tmp_path: Path, case, text: str) -> None:
    section, key, _tp, meta = case
    doc = toml_doc(section, key, json.dumps(text, ensure_ascii=False))
    if "choices" in meta:
        inside = text in meta["choices"]
    else:
        inside = meta.get("min_len", 0) <= len(text) <= meta.get("max_len", math.inf)
    if inside:
        loaded = load_text(tmp_path, doc)
        assert getattr(getattr(loaded, section) if section else loaded, key) == text
    else:
        where = f"{section}.{key}: " if section else f": {key}: "
        assert where in refused(tmp_path, doc)
