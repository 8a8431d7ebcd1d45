"""The weekly wear-rate report: the week's figures, the 12-week trend, files for the lead.

The trend's closed weeks are computed once and then read back (`store.wear_weeks`; the rule
is `domain.wear_weeks`, docs/rules.md "Stored weeks of the wear trend"): a week whose
figures are stored under the current wear settings costs a read; the open week, and any
week a write has made stale, is computed live.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ..domain.agents import Agent
from ..domain.config import Settings, WearRules
from ..domain.dates import iso_week_label, last_complete_week, paris_date, parse_iso_week, to_db
from ..domain.wear import WearReport, wear_rate
from ..domain.wear_weeks import is_closed, trend_fingerprint
from ..reports.wear_output import to_csv, to_text
from ..store import wear_weeks as weeks_sql
from ..store.db import Store, StoreError
from ..store.wear import compute_wear, compute_wear_and_figures, wear_figures
from .connection import own_connection
from .lead import check_lead
from .legal import prescribing_soon

TREND_WEEKS = 12

log = logging.getLogger(__name__)


@dataclass
class WearBundle:
    report: WearReport
    previous_rate: float | None
    trend: list[tuple[str, float | None]]  # oldest first, ending with the report's week
    # Unpaid invoices prescribing soon, as of `now` (count, unpaid cents, horizon in days):
    # the text report's "act before it is too late" line.
    prescribing: tuple[int, int, int] | None = None
    # Closed weeks of the trend whose figures this call computed rather than read (the
    # report's own week aside: the report computes it anyway).
    weeks_computed: int = 0


def trend_weeks(week: str, n: int = TREND_WEEKS) -> list[str]:
    monday, _ = parse_iso_week(week)
    return [iso_week_label(monday - timedelta(weeks=i)) for i in range(n - 1, -1, -1)]


def build(store: Store, week: str | None, *, now: datetime, settings: Settings, with_trend: bool = True) -> WearBundle:
    """The report for `week` (default: the last complete week before `now`)."""
    week = week or last_complete_week(now)
    parse_iso_week(week)
    rules = settings.wear
    stored = _Stored(store, rules, now)
    if not with_trend:
        stored.read([])  # the generation marker, before the snapshot
        report = compute_wear(store, week, rules)
        stored.keep([(week, (report.active, report.worn))])
        return WearBundle(report, None, [])
    labels = trend_weeks(week)
    known = stored.read(labels)
    missing = [w for w in labels if w != week and w not in known]
    report, computed = compute_wear_and_figures(store, week, missing, rules)
    figures = {**known, **dict(computed), week: (report.active, report.worn)}
    stored.keep([(w, figures[w]) for w in [*missing, week]])
    trend = _rates(labels, figures)
    previous = trend[-2][1] if len(trend) >= 2 else None
    days = settings.legal.prescription_warning_days
    soon = prescribing_soon(store, now=now, within_days=days)
    return WearBundle(
        report,
        previous,
        trend,
        (len(soon), sum(p.unpaid_cents for p in soon), days),
        weeks_computed=stored.closed_count(missing),
    )


def week_report(
    store: Store, actor: Agent, week: str, *, settings: Settings, now: datetime | None = None
) -> WearReport:
    """One week's report for a lead, on a connection of its own (a long read). With `now`,
    a closed week's trend figures are kept (the trend then reads them)."""
    check_lead(store, actor, "consulter l'usure des relances")
    parse_iso_week(week)
    stored = _Stored(store, settings.wear, now) if now is not None else None
    if stored is not None:
        stored.read([])  # the generation marker, before the snapshot
    with own_connection(store) as own:
        report = compute_wear(own, week, settings.wear)
    if stored is not None:
        stored.keep([(week, (report.active, report.worn))])
    return report


@dataclass(frozen=True)
class Trend:
    rates: list[tuple[str, float | None]]  # oldest first
    weeks_computed: int  # closed weeks computed rather than read


def week_trend(
    store: Store,
    actor: Agent,
    week: str,
    *,
    settings: Settings,
    weeks: int = TREND_WEEKS,
    now: datetime | None = None,
) -> list[tuple[str, float | None]]:
    """The wear rate of the `weeks` weeks ending with `week` (oldest first), for a lead.
    With `now`, stored closed weeks are read and the ones computed are kept."""
    return trend(store, actor, week, settings=settings, weeks=weeks, now=now).rates


def trend(
    store: Store,
    actor: Agent,
    week: str,
    *,
    settings: Settings,
    weeks: int = TREND_WEEKS,
    now: datetime | None = None,
) -> Trend:
    """`week_trend`, saying how many closed weeks it had to compute."""
    check_lead(store, actor, "consulter l'usure des relances")
    labels = trend_weeks(week, weeks)
    rules = settings.wear
    if now is None:
        with own_connection(store) as own:
            figures = dict(wear_figures(own, labels, rules))
        return Trend(_rates(labels, figures), len(labels))
    stored = _Stored(store, rules, now)
    known = stored.read(labels)
    missing = [w for w in labels if w not in known]
    computed: list[tuple[str, tuple[int, int]]] = []
    if missing:
        with own_connection(store) as own:
            computed = wear_figures(own, missing, rules)
        stored.keep(computed)
    return Trend(_rates(labels, {**known, **dict(computed)}), stored.closed_count(missing))


def _rates(labels: Sequence[str], figures: dict[str, tuple[int, int]]) -> list[tuple[str, float | None]]:
    return [(w, wear_rate(figures[w][1], figures[w][0])) for w in labels]


class _Stored:
    """The stored closed weeks for one call: read them (with the generation marker, before
    anything is computed), then keep the closed weeks computed from a later snapshot,
    unless a write reaching closed weeks committed in between."""

    def __init__(self, store: Store, rules: WearRules, now: datetime) -> None:
        self.store, self.now = store, now
        self.today = paris_date(now)
        self.fingerprint = trend_fingerprint(rules)
        self.generation: str | None = None

    def closed(self, label: str) -> bool:
        return is_closed(parse_iso_week(label)[1], self.today)

    def closed_count(self, labels: Sequence[str]) -> int:
        return sum(1 for w in labels if self.closed(w))

    def read(self, labels: Sequence[str]) -> dict[str, tuple[int, int]]:
        """{week: (active, worn)} of the closed weeks among `labels` stored under these settings."""
        closed = [w for w in labels if self.closed(w)]
        starts = {parse_iso_week(w)[0].isoformat(): w for w in closed}
        with self.store.read() as conn:
            self.generation = weeks_sql.generation(conn)
            rows = weeks_sql.read_weeks(conn, list(starts), self.fingerprint)
        known = {starts[start]: figures for start, figures in rows.items()}
        log.debug("wear trend: %d closed week(s) read, %d to compute", len(known), len(labels) - len(known))
        return known

    def keep(self, figures: Sequence[tuple[str, tuple[int, int]]]) -> None:
        """Store the closed weeks among `figures` (computed after `read`)."""
        if self.generation is None:  # never read: the figures' snapshot may predate a write
            return
        rows = []
        for label, (active, worn) in figures:
            monday, sunday = parse_iso_week(label)
            if is_closed(sunday, self.today):
                rows.append((monday.isoformat(), iso_week_label(monday), sunday.isoformat(), active, worn))
        if not rows:
            return
        try:
            with self.store.write() as conn:
                saved = weeks_sql.save_weeks(
                    conn,
                    rows,
                    fingerprint=self.fingerprint,
                    computed_at=to_db(self.now),
                    seen_generation=self.generation,
                )
        except StoreError as exc:  # the base busy for too long: the report stands, the next one computes
            log.warning("wear trend: %d computed week(s) not kept (%s)", len(rows), exc)
            return
        if not saved:
            log.info("wear trend: %d computed week(s) not kept (history changed meanwhile)", len(rows))


def write_weekly_files(store: Store, folder: Path, *, now: datetime, settings: Settings) -> list[Path]:
    """The nightly job's Monday task: text and CSV of the week just ended, written atomically."""
    bundle = build(store, None, now=now, settings=settings)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix, content in (
        ("txt", to_text(bundle.report, bundle.previous_rate, bundle.trend, prescribing=bundle.prescribing)),
        ("csv", to_csv(bundle.report)),
    ):
        path = folder / f"usure-des-relances-{bundle.report.week}.{suffix}"
        tmp = path.with_name(path.name + ".partial")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
        out.append(path)
    return out


def is_monday(day: date) -> bool:
    return day.weekday() == 0
