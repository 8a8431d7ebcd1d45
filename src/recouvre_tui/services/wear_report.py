"""The weekly wear-rate report: the week's figures, the 12-week trend, files for the lead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ..domain.agents import Agent
from ..domain.config import Settings
from ..domain.dates import iso_week_label, last_complete_week, parse_iso_week
from ..domain.wear import WearReport
from ..reports.wear_output import to_csv, to_text
from ..store.db import Store
from ..store.wear import compute_wear, compute_wear_and_trend, wear_trend
from .connection import own_connection
from .lead import check_lead
from .legal import prescribing_soon

TREND_WEEKS = 12


@dataclass
class WearBundle:
    report: WearReport
    previous_rate: float | None
    trend: list[tuple[str, float | None]]  # oldest first, ending with the report's week
    # Unpaid invoices prescribing soon, as of `now` (count, unpaid cents, horizon in days):
    # the text report's "act before it is too late" line.
    prescribing: tuple[int, int, int] | None = None


def trend_weeks(week: str, n: int = TREND_WEEKS) -> list[str]:
    monday, _ = parse_iso_week(week)
    return [iso_week_label(monday - timedelta(weeks=i)) for i in range(n - 1, -1, -1)]


def build(store: Store, week: str | None, *, now: datetime, settings: Settings, with_trend: bool = True) -> WearBundle:
    """The report for `week` (default: the last complete week before `now`)."""
    week = week or last_complete_week(now)
    parse_iso_week(week)
    if not with_trend:
        return WearBundle(compute_wear(store, week, settings.wear), None, [])
    report, trend = compute_wear_and_trend(store, week, trend_weeks(week), settings.wear)
    previous = trend[-2][1] if len(trend) >= 2 else None
    days = settings.legal.prescription_warning_days
    soon = prescribing_soon(store, now=now, within_days=days)
    return WearBundle(report, previous, trend, (len(soon), sum(p.unpaid_cents for p in soon), days))


def week_report(store: Store, actor: Agent, week: str, *, settings: Settings) -> WearReport:
    """One week's report for a lead, on a connection of its own (a long read)."""
    check_lead(store, actor, "consulter l'usure des relances")
    parse_iso_week(week)
    with own_connection(store) as own:
        return compute_wear(own, week, settings.wear)


def week_trend(
    store: Store, actor: Agent, week: str, *, settings: Settings, weeks: int = TREND_WEEKS
) -> list[tuple[str, float | None]]:
    """The wear rate of the `weeks` weeks ending with `week` (oldest first), for a lead."""
    check_lead(store, actor, "consulter l'usure des relances")
    labels = trend_weeks(week, weeks)
    with own_connection(store) as own:
        return wear_trend(own, labels, settings.wear)


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
