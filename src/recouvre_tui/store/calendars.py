"""The public-holiday calendars the nightly job computes, kept in `meta` as one JSON text
(domain/areas.py: `encode_calendars`)."""

from __future__ import annotations

import sqlite3

from .agents import get_meta, set_meta

CALENDARS_META = "holiday_calendars"


def read(conn: sqlite3.Connection) -> str | None:
    return get_meta(conn, CALENDARS_META)


def write(conn: sqlite3.Connection, text: str) -> None:
    set_meta(conn, CALENDARS_META, text)
