"""Priority of callable debtors: class first, then a documented, explainable score.

docs/rules.md, "Priority". Order = (`priority_class` ascending, score descending, debtor_ref
ascending), see `sort_key`:

- class 0: a callback is due now;
- class 1: a missed instalment or a broken promise not yet followed up;
- class 2: everyone else.

The score is the sum of six components, each rounded to 1 decimal (the total is the sum of
the rounded components, so what the UI shows always adds up). With `w` = `ScoreWeights`:

- `balance`           w.balance_per_log10_eur × log10(max(balance in €, 1))
                      (defaults: 100 € → 20, 1 000 € → 30, 10 000 € → 40; nothing owed → 0)
- `days_past_due`     min(days × w.days_past_due_per_day, w.days_past_due_cap); 0 when days ≤ 0
- `broken_promises`   min(n × w.broken_promise_each, w.broken_promise_cap)
- `never_contacted`   w.never_contacted when the debtor was never reached, else 0
- `payment_behaviour` min(max(avg delay days, 0) × w.late_payer_per_day, w.late_payer_cap);
                      0 when the payment history is unknown (None)
- `wear`              max(streak × w.wear_per_reminder, w.wear_cap) when streak ≥ 3
                      (`wear_min_streak`), else 0. The wear weights are negative: a worn
                      debtor sinks a little (change the approach, don't hammer).

Worked example (default weights): 4 230 € owed, 83 days past due, 2 broken promises, already
reached, average payment delay 12.5 days, 4 reminders without response →
36.3 + 24.9 + 20 + 0 + 2.5 − 8 = 75.7. See docs/priority.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .config import ScoreWeights

WEAR_MIN_STREAK = 3  # same default as WearRules.min_streak

CALLBACK_DUE = 0
UNFOLLOWED_BREAK = 1
OTHER = 2


@dataclass(frozen=True)
class ScoreInput:
    balance_cents: int
    days_past_due: int  # days since the oldest open due date (≤ 0: nothing overdue yet)
    broken_promises: int
    never_contacted: bool
    avg_payment_delay_days: float | None  # from lettered pairs; None when unknown
    wear_streak: int  # reminders since the last response


@dataclass(frozen=True)
class Component:
    code: str
    label: str  # French
    points: float
    detail: str  # French, e.g. « solde 4 230 € »


@dataclass(frozen=True)
class Score:
    total: float
    components: tuple[Component, ...]


def _number_fr(value: float) -> str:
    """1 decimal at most, French comma, no trailing « ,0 »: 36.3 → « 36,3 », 20.0 → « 20 »."""
    rounded = round(value, 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}".replace(".", ",")


def _euros_fr(cents: int) -> str:
    """Whole euros, thousands grouped as in `money.format_eur`: 423 049 → « 4 230 € »."""
    euros = (abs(cents) + 50) // 100
    sign = "-" if cents < 0 and euros else ""
    return f"{sign}{euros:,}".replace(",", "\u202f") + " €"


def _points_fr(points: float) -> str:
    """Signed points: « +36,3 », « +20 », « −8 » (typographic minus), « +0 »."""
    return ("−" if points < 0 else "+") + _number_fr(abs(points))


def format_points(points: float) -> str:
    """Signed points as the UI shows them: « +36,3 », « +20 », « −8 », « +0 »."""
    return _points_fr(points)


def _plural(n: int, singular: str, plural: str, none: str) -> str:
    if n <= 0:
        return none
    return f"{n} {singular if n == 1 else plural}"


def _clean(points: float) -> float:
    return round(points, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def balance_component(balance_cents: int, w: ScoreWeights) -> Component:
    euros = balance_cents / 100
    points = w.balance_per_log10_eur * math.log10(max(euros, 1.0))
    return Component("balance", "Solde", _clean(points), f"solde {_euros_fr(balance_cents)}")


def days_past_due_component(days: int, w: ScoreWeights) -> Component:
    points = min(days * w.days_past_due_per_day, w.days_past_due_cap) if days > 0 else 0.0
    return Component("days_past_due", "Retard", _clean(points), f"retard {max(days, 0)} j")


def broken_promises_component(broken_promises: int, w: ScoreWeights) -> Component:
    broken = max(broken_promises, 0)
    return Component(
        "broken_promises",
        "Promesses rompues",
        _clean(min(broken * w.broken_promise_each, w.broken_promise_cap)),
        _plural(broken, "promesse rompue", "promesses rompues", "aucune promesse rompue"),
    )


def never_contacted_component(never_contacted: bool, w: ScoreWeights) -> Component:
    return Component(
        "never_contacted",
        "Jamais joint",
        _clean(w.never_contacted if never_contacted else 0.0),
        "jamais joint" if never_contacted else "déjà joint",
    )


def payment_behaviour_component(delay: float | None, w: ScoreWeights) -> Component:
    if delay is None:
        points = 0.0
        detail = "pas d'historique de paiement"
    else:
        points = min(max(delay, 0.0) * w.late_payer_per_day, w.late_payer_cap)
        if delay < 0:
            detail = f"paie en moyenne {_number_fr(-delay)} j en avance"
        else:
            detail = f"retard moyen de paiement {_number_fr(delay)} j"
    return Component("payment_behaviour", "Comportement de paiement", _clean(points), detail)


def wear_component(wear_streak: int, w: ScoreWeights, wear_min_streak: int = WEAR_MIN_STREAK) -> Component:
    streak = max(wear_streak, 0)
    points = max(streak * w.wear_per_reminder, w.wear_cap) if streak >= wear_min_streak else 0.0
    return Component(
        "wear",
        "Usure des relances",
        _clean(points),
        _plural(streak, "relance sans réponse", "relances sans réponse", "aucune relance sans réponse"),
    )


def total_of(components: tuple[Component, ...]) -> float:
    """The score: the sum of the (already rounded) components, rounded to 1 decimal."""
    return _clean(sum(c.points for c in components))


def score(inp: ScoreInput, w: ScoreWeights, *, wear_min_streak: int = WEAR_MIN_STREAK) -> Score:
    """The six components (always all six, in a fixed order) and their total."""
    components = (
        balance_component(inp.balance_cents, w),
        days_past_due_component(inp.days_past_due, w),
        broken_promises_component(inp.broken_promises, w),
        never_contacted_component(inp.never_contacted, w),
        payment_behaviour_component(inp.avg_payment_delay_days, w),
        wear_component(inp.wear_streak, w, wear_min_streak),
    )
    return Score(total=total_of(components), components=components)


def priority_class(callback_due: bool, unfollowed_break: bool) -> int:
    """0 callback due now, 1 missed instalment / broken promise not yet followed up, 2 else."""
    if callback_due:
        return CALLBACK_DUE
    if unfollowed_break:
        return UNFOLLOWED_BREAK
    return OTHER


def sort_key(priority_class: int, score_total: float, debtor_ref: str) -> tuple[int, float, str]:
    """Class ascending, score descending, reference ascending: a total, deterministic order."""
    return (priority_class, -score_total + 0.0, debtor_ref)


def explain(score: Score) -> str:
    """« solde 4 230 € +36,3 · retard 83 j +24,9 · 2 promesses rompues +20 · … », all six."""
    return " · ".join(f"{c.detail} {_points_fr(c.points)}" for c in score.components)
