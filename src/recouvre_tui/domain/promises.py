"""Payment promises: instalment schedules, plan validation and kept / broken status.

docs/rules.md, "Promise status": payments dated on or after the day the promise was recorded
are allocated to its instalments in due-date order (fill the first, then the next). With
grace G and evaluation date T, an instalment is *paid* when the payments allocated to it
dated on or before due + G cover its amount, *missed* when T > due + G and it is not paid,
else *pending*. The promise is `kept` when every instalment is paid, `broken` as soon as
one is missed (for good), `cancelled` when a user cancelled it, else `pending`.

Pure rules: amounts are integer cents and `today` is always passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from recouvre_tui.domain.areas import METROPOLE, Area, next_working_day
from recouvre_tui.domain.codes import InstalmentStatus, PromiseStatus
from recouvre_tui.domain.config import PromiseRules
from recouvre_tui.domain.dates import format_date_fr
from recouvre_tui.domain.money import format_eur

RHYTHMS = ("monthly", "weekly", "biweekly")
_DAYS_BY_RHYTHM = {"weekly": 7, "biweekly": 14}


@dataclass(frozen=True)
class InstalmentIn:
    due: date
    amount_cents: int


@dataclass(frozen=True)
class PaymentIn:
    on: date
    amount_cents: int


@dataclass(frozen=True)
class InstalmentResult:
    seq: int  # 1-based, in due-date order
    due: date
    amount_cents: int
    allocated_cents: int  # everything allocated to it, late payments included
    allocated_in_time_cents: int  # the part dated on or before due + grace
    status: InstalmentStatus


@dataclass(frozen=True)
class PromiseResult:
    status: PromiseStatus
    paid_cents: int  # total allocated, capped at total_cents (shows partial keeping)
    total_cents: int
    instalments: tuple[InstalmentResult, ...]
    last_due: date
    broken_on: date | None  # due + G + 1 of the first missed instalment; None unless broken


@dataclass(frozen=True)
class PlanError:
    field: str  # "total", "count", "first_due", "instalment:N" (1-based), "amount"
    message: str  # French, shown as is in forms and CLI errors


def evaluate_promise(
    recorded_on: date,
    instalments: Sequence[InstalmentIn],
    payments: Sequence[PaymentIn],
    today: date,
    *,
    grace_days: int = 3,
    cancelled: bool = False,
) -> PromiseResult:
    """Status of a promise on `today` (T), from its instalments and the debtor's payments.

    Payments dated before `recorded_on` settled something else, and payments dated after
    `today` are not known yet on T: both are ignored, so evaluating at a past `--now` is
    reproducible. Non-positive payments (reversals, credit notes) are not allocated.
    """
    if not instalments:
        raise ValueError("a promise needs at least one instalment")
    if grace_days < 0:
        raise ValueError("grace_days must be >= 0")
    if any(i.amount_cents < 0 for i in instalments):
        raise ValueError("instalment amounts must be >= 0")

    # Stable sorts: same-day instalments keep their recorded order, same-day payments too.
    ordered = sorted(instalments, key=lambda i: i.due)
    deadlines = [i.due + timedelta(days=grace_days) for i in ordered]
    eligible = sorted(
        (p for p in payments if recorded_on <= p.on <= today and p.amount_cents > 0),
        key=lambda p: p.on,
    )

    allocated = [0] * len(ordered)
    in_time = [0] * len(ordered)
    idx = 0  # first instalment not yet full: allocation only ever moves forward
    for payment in eligible:
        left = payment.amount_cents
        while left > 0 and idx < len(ordered):
            take = min(ordered[idx].amount_cents - allocated[idx], left)
            allocated[idx] += take
            if payment.on <= deadlines[idx]:
                in_time[idx] += take
            left -= take
            if allocated[idx] >= ordered[idx].amount_cents:
                idx += 1
        # Whatever is left once every instalment is full is overpayment: not counted.

    results: list[InstalmentResult] = []
    for n, (inst, deadline) in enumerate(zip(ordered, deadlines, strict=True)):
        if in_time[n] >= inst.amount_cents:
            status = InstalmentStatus.PAID
        elif today > deadline:
            status = InstalmentStatus.MISSED
        else:
            status = InstalmentStatus.PENDING
        results.append(
            InstalmentResult(
                seq=n + 1,
                due=inst.due,
                amount_cents=inst.amount_cents,
                allocated_cents=allocated[n],
                allocated_in_time_cents=in_time[n],
                status=status,
            )
        )

    missed_deadlines = [d for r, d in zip(results, deadlines, strict=True) if r.status is InstalmentStatus.MISSED]
    broken_on: date | None = None
    if cancelled:
        promise_status = PromiseStatus.CANCELLED
    elif missed_deadlines:
        promise_status = PromiseStatus.BROKEN
        broken_on = min(missed_deadlines) + timedelta(days=1)
    elif all(r.status is InstalmentStatus.PAID for r in results):
        promise_status = PromiseStatus.KEPT
    else:
        promise_status = PromiseStatus.PENDING

    total = sum(i.amount_cents for i in ordered)
    return PromiseResult(
        status=promise_status,
        # Allocation never exceeds each instalment, so the sum is already capped at total.
        paid_cents=sum(allocated),
        total_cents=total,
        instalments=tuple(results),
        last_due=ordered[-1].due,
        broken_on=broken_on,
    )


def build_schedule(
    total_cents: int,
    count: int,
    first_due: date,
    *,
    rhythm: str = "monthly",
    area: Area | None = None,
    move_to_working_day: bool = False,
) -> list[InstalmentIn]:
    """Equal instalments (remainder cents on the last one) from `first_due` on.

    Monthly dates are `first_due + relativedelta(months=i)`, always from the first date, so
    31 Jan gives 28/29 Feb then 31 Mar (stepping month by month would stick to the 28th).
    When `move_to_working_day`, each date moves to the next working day of `area`
    (metropolitan France when None); the shift is a few days, so order is kept.
    """
    if count < 1:
        raise ValueError("count must be >= 1")
    if total_cents <= 0:
        raise ValueError("total_cents must be > 0")
    if total_cents < count:
        # Otherwise some instalments would be 0,00 €.
        raise ValueError("total_cents must be at least one cent per instalment")
    if rhythm not in RHYTHMS:
        raise ValueError(f"unknown rhythm {rhythm!r}; expected one of {RHYTHMS}")

    base, remainder = divmod(total_cents, count)
    schedule: list[InstalmentIn] = []
    for i in range(count):
        if rhythm == "monthly":
            due = first_due + relativedelta(months=i)
        else:
            due = first_due + timedelta(days=_DAYS_BY_RHYTHM[rhythm] * i)
        if move_to_working_day:
            due = next_working_day(area or METROPOLE, due)
        amount = base + (remainder if i == count - 1 else 0)
        schedule.append(InstalmentIn(due=due, amount_cents=amount))
    return schedule


def max_instalments(total_cents: int, rules: PromiseRules) -> int | None:
    """Most instalments allowed for this amount: the first band whose bound is >= total."""
    for upper, max_count in rules.max_instalments_by_amount:
        if upper is None or total_cents <= upper:
            return max_count
    return None  # bands all bounded and the amount is above them: no limit configured


def validate_plan(
    total_cents: int,
    instalments: Sequence[InstalmentIn],
    today: date,
    rules: PromiseRules,
    *,
    balance_cents: int | None = None,
) -> list[PlanError]:
    """Every problem with a proposed plan, in French; an empty list means it can be recorded.

    Instalments are numbered 1.. in the order given (the order of the form).
    """
    errors: list[PlanError] = []
    count = len(instalments)

    if total_cents <= 0:
        errors.append(PlanError("total", f"le montant promis doit être positif (saisi : {format_eur(total_cents)})"))
    if balance_cents is not None and total_cents > balance_cents:
        errors.append(
            PlanError(
                "total",
                f"le montant promis dépasse le solde ({format_eur(total_cents)} pour un solde "
                f"de {format_eur(balance_cents)})",
            )
        )

    if count == 0:
        errors.append(PlanError("count", "il faut au moins une échéance"))
    elif total_cents > 0:
        # A band check on a non-positive total would only add a confusing second message.
        limit = max_instalments(total_cents, rules)
        if limit is not None and count > limit:
            errors.append(
                PlanError(
                    "count",
                    f"{count} échéances, c'est trop pour {format_eur(total_cents)} : {limit} au plus",
                )
            )

    for n, inst in enumerate(instalments, start=1):
        if inst.amount_cents <= 0:
            errors.append(
                PlanError(
                    f"instalment:{n}",
                    f"l'échéance {n} doit avoir un montant positif (saisi : {format_eur(inst.amount_cents)})",
                )
            )
    for n in range(2, count + 1):
        prev, cur = instalments[n - 2].due, instalments[n - 1].due
        if cur <= prev:
            errors.append(
                PlanError(
                    f"instalment:{n}",
                    f"l'échéance {n} ({format_date_fr(cur)}) doit tomber après "
                    f"l'échéance {n - 1} ({format_date_fr(prev)})",
                )
            )

    if count:
        instalments_sum = sum(i.amount_cents for i in instalments)
        diff = instalments_sum - total_cents
        if diff:
            gap = f"il manque {format_eur(-diff)}" if diff < 0 else f"{format_eur(diff)} de trop"
            errors.append(
                PlanError(
                    "amount",
                    f"la somme des échéances ({format_eur(instalments_sum)}) diffère du "
                    f"montant promis ({format_eur(total_cents)}) : {gap}",
                )
            )

        # The earliest date, so an out-of-order list cannot hide a past or far date.
        first_due = min(i.due for i in instalments)
        latest_first = today + timedelta(days=rules.max_first_due_days)
        if first_due < today:
            errors.append(
                PlanError(
                    "first_due",
                    f"la première échéance ({format_date_fr(first_due)}) est déjà passée",
                )
            )
        elif first_due > latest_first:
            errors.append(
                PlanError(
                    "first_due",
                    f"la première échéance ({format_date_fr(first_due)}) dépasse "
                    f"{rules.max_first_due_days} jours (au plus tard le "
                    f"{format_date_fr(latest_first)})",
                )
            )
    return errors


def kept_rate(statuses: Iterable[PromiseStatus]) -> float | None:
    """kept / (kept + broken); None when there is neither (pending and cancelled don't count).

    The caller picks the promises whose last due date + grace falls in the period.
    """
    kept = broken = 0
    for status in statuses:
        if status == PromiseStatus.KEPT:
            kept += 1
        elif status == PromiseStatus.BROKEN:
            broken += 1
    if kept + broken == 0:
        return None
    return kept / (kept + broken)
