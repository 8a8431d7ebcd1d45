"""Fuzzing what people type (bad input anywhere gets a clear message).

Forms, configuration and script templates are fed random and mutated text; each parser
either returns a value or raises its own error with a message, never anything else:

- `domain.money.parse_amount` → cents or `AmountError` (and reads back `format_eur` and the
  forms' prefill `amount_text`);
- `domain.dates.parse_date` / `parse_datetime` → a date / an aware UTC instant or `DateError`
  (and read back the dates they accept);
- the outcome forms' `parse_day` (« 05/12 », « +7 », …) and `parse_hour` → value or `DateError`;
- `settings.load_settings` on random TOML → `Settings` or `ConfigError` naming the file, and
  the settings it accepts can be used (the time arithmetic of the queue, promises and wear
  report does not overflow);
- `domain.call_scripts.parse_script` on random and mutated library scripts → `CallScript` or
  `ScriptValidationError` whose errors read `file:line: problem` with a line of the file.

Bounded and derandomized (the same examples on every run).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recouvre_tui.domain.call_scripts import CallScript, ScriptValidationError, parse_script
from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.dates import PARIS, DateError, parse_date, parse_datetime
from recouvre_tui.domain.money import AmountError, format_eur, parse_amount
from recouvre_tui.settings import ConfigError, load_settings
from recouvre_tui.tui.outcome.draft import amount_text, parse_day, parse_hour

LIBRARY = Path(__file__).resolve().parents[1] / "src" / "recouvre_tui" / "script_library"
SCRIPTS = tuple(sorted(p.read_text(encoding="utf-8") for p in LIBRARY.glob("*.md"))[:12])

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Text that looks like what people type in those fields, and plain random text.
AMOUNT_CHARS = "0123456789 ,.-+€eEuUrRoOs\u00a0\u202f'"
DATE_CHARS = "0123456789/-.:+ TZtz"
amount_like = st.one_of(st.text(AMOUNT_CHARS, max_size=24), st.text(max_size=16))
date_like = st.one_of(st.text(DATE_CHARS, max_size=26), st.text(max_size=16))
in_range_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))


def one_line(message: str, typed: str = "") -> None:
    """A message, on one line unless it quotes a line break of the input."""
    assert message.strip(), repr(message)
    if "\n" not in typed and "\r" not in typed:
        assert "\n" not in message and "\r" not in message, repr(message)


# --- amounts ---------------------------------------------------------------------------------------------


@FUZZ
@given(text=amount_like)
@example(text="99999999999999999999999999")
@example(text="1e9")
@example(text="--1")
@example(text="1.234.567,891")
def test_parse_amount_gives_cents_or_amount_error(text: str) -> None:
    try:
        cents = parse_amount(text)
    except AmountError as exc:
        one_line(str(exc), text)
        return
    assert isinstance(cents, int)
    assert abs(cents) <= 100_000_000_000 * 100


@FUZZ
@given(cents=st.integers(-100_000_000_000 * 100, 100_000_000_000 * 100))
def test_amounts_shown_are_read_back(cents: int) -> None:
    assert parse_amount(format_eur(cents)) == cents
    assert parse_amount(format_eur(cents, symbol=False)) == cents
    assert parse_amount(amount_text(cents)) == abs(cents)  # the promise form's prefill


# --- dates -----------------------------------------------------------------------------------------------


@FUZZ
@given(text=date_like, compact=st.booleans())
@example(text="0001-01-01", compact=False)
@example(text="31/12/9999", compact=False)
@example(text="00010101", compact=True)
def test_parse_date_gives_a_date_or_date_error(text: str, compact: bool) -> None:
    try:
        day = parse_date(text, allow_compact=compact)
    except DateError as exc:
        one_line(str(exc), text)
        return
    assert 1900 <= day.year <= 2199
    day + timedelta(days=400)  # promise grace, payment terms: no overflow


@FUZZ
@given(day=in_range_dates)
def test_dates_are_read_back(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day:%d/%m/%Y}") == day
    assert parse_date(f"{day:%Y%m%d}", allow_compact=True) == day


@FUZZ
@given(text=date_like)
@example(text="0001-01-01")
@example(text="0001-01-01 00:30")
@example(text="9999-12-31T23:00-05:00")
@example(text="2026-11-23 24:00")
def test_parse_datetime_gives_an_aware_instant_or_date_error(text: str) -> None:
    try:
        instant, has_time = parse_datetime(text)
    except DateError as exc:
        one_line(str(exc), text)
        return
    assert instant.utcoffset() == timedelta(0)
    assert isinstance(has_time, bool)
    instant.astimezone(PARIS)


@FUZZ
@given(moment=st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2198, 12, 31)))
def test_date_times_are_read_back(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    paris = moment.replace(tzinfo=PARIS).astimezone(UTC)
    assert parse_datetime(f"{moment:%Y-%m-%d %H:%M:%S}") == (paris, True)
    assert parse_datetime(f"{moment:%d/%m/%Y %H:%M:%S}") == (paris, True)
    assert parse_datetime(f"{moment:%Y-%m-%dT%H:%M:%S}Z") == (moment.replace(tzinfo=UTC), True)


# --- the outcome forms -----------------------------------------------------------------------------------


@FUZZ
@given(text=date_like, today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
@example(text="+999", today=date(2026, 11, 23))
@example(text="29/02", today=date(2026, 11, 23))
@example(text="31/12/99", today=date(2026, 11, 23))
def test_form_day_gives_a_date_or_date_error(text: str, today: date) -> None:
    try:
        day = parse_day(text, today)
    except DateError as exc:
        one_line(str(exc), text)
        return
    assert isinstance(day, date)
    if m := re.fullmatch(r"\s*\+(\d{1,3})\s*", text):
        assert day == today + timedelta(days=int(m[1]))
    if re.fullmatch(r"\s*\d{1,2}[/.-]\d{1,2}\s*", text):
        assert today.year <= day.year <= today.year + 1


@FUZZ
@given(text=st.one_of(st.text("0123456789:hH ", max_size=8), st.text(max_size=8)))
@example(text="24:00")
@example(text="9h")
@example(text="²")
def test_form_hour_gives_a_time_or_date_error(text: str) -> None:
    try:
        at = parse_hour(text)
    except DateError as exc:
        one_line(str(exc), text)
        return
    assert isinstance(at, time)


# --- settings (TOML) -------------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _keys(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


TOP = _keys(Settings())
SECTIONS = {k: _keys(v) for k, v in TOP.items() if is_dataclass(v)}
scalar = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-5, 100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["09:00", "20:00", "25:00", "9", "B2B", "B2C", "", "x"]),
    st.text(max_size=10),
)
toml_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4), max_leaves=8)


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    lines = []
    for key in draw(st.lists(st.sampled_from([*TOP, "unknown"]), max_size=4, unique=True)):
        if key not in SECTIONS:
            lines.append(f"{key} = {_toml(draw(toml_value))}")
    for section in draw(st.lists(st.sampled_from([*SECTIONS, "extra"]), max_size=3, unique=True)):
        lines.append(f"[{section}]")
        names = [*SECTIONS.get(section, {}), "bogus"]
        for key in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            lines.append(f"{key} = {_toml(draw(toml_value))}")
    return "\n".join(lines) + "\n"


def usable(s: Settings) -> None:
    """The time arithmetic the services do with these settings (none may overflow)."""
    now = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    now + timedelta(minutes=s.claim_lease_minutes)
    now + timedelta(minutes=s.idle_lock_minutes)
    now - timedelta(hours=s.calling.min_gap_hours)
    for day in (date(1900, 1, 1), date(2199, 12, 31)):
        day + timedelta(days=s.promises.grace_days + s.promises.max_first_due_days + s.fec_payment_terms_days)
        day - timedelta(days=s.wear.min_streak_age_days + s.wear.active_window_days + s.wear.after_notice_days)
        day - timedelta(weeks=s.wear.fatigue_weeks) + timedelta(days=s.wear.fatigue_response_days)
        day - relativedelta(months=s.wear.formal_notice_lookback_months)
    timedelta(hours=s.wear.time_slot_hours)
    for value in _keys(s.score).values():
        assert math.isfinite(value)


def load(tmp: Path, text: str | bytes) -> Settings | None:
    path = tmp / "config.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", errors="surrogatepass"))
    try:
        return load_settings(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message
        return None


@pytest.fixture(scope="module")
def cfg_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_config")


def test_settings_from_random_toml(cfg_dir: Path) -> None:
    @FUZZ
    @given(text=toml_documents())
    @example(text="claim_lease_minutes = 9223372036854775807\n")
    @example(text="[calling]\nmin_gap_hours = inf\n")
    @example(text="[wear]\nformal_notice_lookback_months = 200000\n")
    @example(text='[promises]\nmax_instalments_by_amount = [["x", 3]]\n')
    @example(text="[promises]\nmax_instalments_by_amount = [[inf, 3]]\n")
    @example(text="[promises]\nmax_instalments_by_amount = [[100, -1]]\n")
    @example(text='[calling]\nb2c_windows = [["09:00", "9"]]\n')
    def run(text: str) -> None:
        s = load(cfg_dir, text)
        if s is not None:
            usable(s)

    run()


def test_settings_from_random_text(cfg_dir: Path) -> None:
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
    def run(data: bytes | str) -> None:
        s = load(cfg_dir, data)
        if s is not None:
            usable(s)

    run()


# --- call scripts ----------------------------------------------------------------------------------------

SCRIPT_NOISE = (
    "",
    "+++",
    "## Écouter",
    "## Objections",
    "## Inconnue",
    "# Titre",
    "- « x » → y",
    "{debtor_name}",
    "{{ 7 * 7 }}",
    "${amount_due}",
    "{__class__}",
    "{amount_due!r}",
    "}",
    "{",
    'id = "x"',
    'tone = "brutal"',
    'segment = "B2X"',
    "amount_min = -5",
    'amount_max = "1e9"',
    "amount_max = 0.001",
    "reasons = [1, 2]",
    'reasons = "forgot"',
    "title = '{x}'",
    "\x07",
    "\ufeff",
    "x" * 600,
    "[table]",
    "= =",
)
LINE_OPS = ("drop", "dup", "swap", "insert", "replace", "truncate", "chars")


def mutate_script(text: str, op: str, a: int, b: int, noise: str) -> str:
    lines = text.split("\n")
    n = len(lines)
    if op == "drop":
        del lines[a % n]
    elif op == "dup":
        lines.insert(b % (n + 1), lines[a % n])
    elif op == "swap":
        i, j = a % n, b % n
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "insert":
        lines.insert(a % (n + 1), noise)
    elif op == "replace":
        lines[a % n] = noise
    elif op == "truncate":
        return text[: a % (len(text) + 1)]
    elif op == "chars":
        pos = a % (len(text) + 1)
        return text[:pos] + noise[: 1 + b % 8] + text[pos:]
    return "\n".join(lines)


@st.composite
def mutated_scripts(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SCRIPTS))
    noise = st.one_of(st.sampled_from(SCRIPT_NOISE), st.text(max_size=12))
    ops = st.tuples(st.sampled_from(LINE_OPS), st.integers(0, 1 << 16), st.integers(0, 1 << 16), noise)
    for op in draw(st.lists(ops, min_size=1, max_size=4)):
        text = mutate_script(text, *op)
    return text


def check_script(text: str) -> str:
    source = "fuzz.md"
    try:
        script = parse_script(text, source)
    except ScriptValidationError as exc:
        assert exc.errors, "a rejection without any error"
        lines = len(re.split(r"\r\n|\r|\n", text))
        for e in exc.errors:
            assert e.source == source
            assert 0 <= e.line <= lines + 1, (e.line, lines, str(e))
            one_line(e.message)
            assert str(e) == (f"{source}:{e.line}: {e.message}" if e.line > 0 else f"{source}: {e.message}")
        return "rejected"
    assert isinstance(script, CallScript)
    return "ok"


@FUZZ
@given(text=st.text(max_size=300))
@example(text="+++\n+++\n")
@example(text="+++\nid = \n+++\n")
def test_random_script_text(text: str) -> None:
    check_script(text)


def test_mutated_library_scripts() -> None:
    seen: set[str] = set()

    @settings(FUZZ, max_examples=200)
    @given(text=mutated_scripts())
    def run(text: str) -> None:
        seen.add(check_script(text))

    run()
    assert seen == {"ok", "rejected"}
