"""Typed settings for the rules, with DESIGN.md's defaults.

Pure data: `recouvre_tui.settings` reads them from TOML and environment variables.
Amounts are integer cents; durations are plain numbers with their unit in the name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time


@dataclass(frozen=True)
class CallingRules:
    # Weekdays are 0 = Monday … 6 = Sunday.
    b2c_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    b2c_windows: tuple[tuple[time, time], ...] = ((time(9, 0), time(20, 0)),)
    b2b_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    b2b_windows: tuple[tuple[time, time], ...] = (
        (time(9, 0), time(12, 30)),
        (time(14, 0), time(18, 0)),
    )
    max_attempts_7d: int = 7
    min_gap_hours: float = 4.0


@dataclass(frozen=True)
class PromiseRules:
    grace_days: int = 3
    max_first_due_days: int = 30
    # (upper bound of the agreed amount in cents, max instalments); None = no upper bound.
    max_instalments_by_amount: tuple[tuple[int | None, int], ...] = (
        (50_000, 3),
        (500_000, 6),
        (None, 12),
    )
    move_to_working_day: bool = True


@dataclass(frozen=True)
class WearRules:
    min_streak: int = 3
    min_streak_age_days: int = 14
    active_window_days: int = 28
    formal_notice_min_streak: int = 6
    formal_notice_lookback_months: int = 12
    after_notice_days: int = 15
    small_claims_max_cents: int = 500_000
    fatigue_max_k: int = 10
    fatigue_weeks: int = 12
    fatigue_response_days: int = 7
    time_slot_hours: int = 2


@dataclass(frozen=True)
class ScoreWeights:
    """Score = sum of components; see docs/priority.md for each formula."""

    balance_per_log10_eur: float = 10.0  # 100 € → 20, 1 000 € → 30, 10 000 € → 40
    days_past_due_per_day: float = 0.3
    days_past_due_cap: float = 30.0
    broken_promise_each: float = 10.0
    broken_promise_cap: float = 30.0
    never_contacted: float = 15.0
    late_payer_per_day: float = 0.2  # average past payment delay (days) from lettered pairs
    late_payer_cap: float = 10.0
    wear_per_reminder: float = -2.0  # worn debtors sink a little: change approach, not hammer
    wear_cap: float = -10.0


@dataclass(frozen=True)
class Settings:
    calling: CallingRules = field(default_factory=CallingRules)
    promises: PromiseRules = field(default_factory=PromiseRules)
    wear: WearRules = field(default_factory=WearRules)
    score: ScoreWeights = field(default_factory=ScoreWeights)
    claim_lease_minutes: int = 15
    fec_payment_terms_days: int = 30
    fec_segment: str = "B2B"
    creditor_name: str = "Recouvre Démo SAS"
    collection_agency: bool = False  # True when the creditor is a collection agency
    scripts_dir: str | None = None  # folder of team scripts overriding the library
    # Without a key for that long, the session gives its case back and locks (0 = off: a
    # frozen client would then keep renewing its case until sshd drops it).
    idle_lock_minutes: float = field(
        default=10.0,
        metadata={
            "min": 0,
            "max": 480,
            "help": "Minutes without a key before the case goes back and the screen locks (0 = off)",
        },
    )
