"""Public-holiday calendars: computed with the `holidays` package by `init`, `migrate` and the
nightly refresh, kept in the database, and read by every session and CLI command.

Why: the package imports every country's module to give France's, 11 MB in each agent's
session (docs/sessions.md, "Memory"). Keeping one copy in the database also makes every front
end on a shared PostgreSQL use the same days, whatever `holidays` version each server has
installed. A year the database does not hold falls back to the package, with the same result."""

from __future__ import annotations

import logging
from datetime import datetime

from ..domain.areas import decode_calendars, encode_calendars, install_calendars, library_calendars
from ..domain.dates import paris_date
from ..store import calendars as calendar_sql
from ..store.db import Store

log = logging.getLogger(__name__)

YEARS_BEFORE = 1  # last year's holidays: payment checks look back a few working days
YEARS_AFTER = 3  # instalment plans and legal deadlines run a few years ahead


def calendar_years(now: datetime) -> range:
    year = paris_date(now).year
    return range(year - YEARS_BEFORE, year + YEARS_AFTER + 1)


def _source() -> str:
    from importlib.metadata import PackageNotFoundError, version  # not in sessions: 1 MB with `email`

    try:
        return f"holidays {version('holidays')}"
    except PackageNotFoundError:  # pragma: no cover - a broken install; the label is informative only
        return "holidays"


def store_calendars(store: Store, *, now: datetime) -> list[int]:
    """Compute the calendars around `now` and keep them (unchanged text: nothing written).
    Installs them in this process too. Returns the years kept."""
    calendars = library_calendars(calendar_years(now))
    text = encode_calendars(calendars, source=_source())
    with store.write() as conn:
        if calendar_sql.read(conn) != text:
            calendar_sql.write(conn, text)
    install_calendars(calendars)
    return list(calendar_years(now))


def load_calendars(store: Store) -> list[int]:
    """Install the calendars kept in the database; returns their years ([] when none are kept
    yet, e.g. before the first nightly after an upgrade: the package answers meanwhile)."""
    with store.read() as conn:
        text = calendar_sql.read(conn)
    if text is None:
        return []
    try:
        calendars = decode_calendars(text)
    except ValueError as exc:
        log.warning("holiday calendars in the database ignored (%s): computed with the holidays package instead", exc)
        return []
    install_calendars(calendars)
    return sorted({year for _, year in calendars})
