"""Callable now: may this debtor be offered to an agent at this instant, and if not, why?

docs/rules.md, "Callable now". A debtor is callable only when every rule below holds; `evaluate`
lists *every* rule that fails, in `BlockReason` declaration order, each with a French
explanation for the queue:

- `no_balance`      open balance > 0;
- `claimed`         no other agent holds a live claim on it;
- `on_hold`, `do_not_call`, `dispute`   not on hold, not do-not-call, no open dispute;
- `overindebtedness` no over-indebtedness file declared admissible on or before today
                    (C. conso L722-2: every chase stops);
- `prescribed`      not every overdue invoice prescribed (domain.legal);
- `promise_pending` blocked iff an unpaid instalment of a pending promise is due after T and
                    none is due on or before T (a due or missed one makes it callable);
                    T = the date of `now` in Europe/Paris (`dates.paris_date`);
- `payment_check`   a payment announced on the phone (« déjà payé ») is awaited until the
                    check's end and not yet covered by imported payments;
- `outside_hours`   the debtor's *local* weekday and time of day are inside the segment's
                    calling window (`CallingRules`; start inclusive, end exclusive);
- `holiday`         the debtor's *local* date is not a public holiday of its area. A holiday
                    is reported on its own; `outside_hours` is added only when the weekday or
                    time of day would be outside the window on a normal day too;
- `attempt_cap`     fewer than `max_attempts_7d` call attempts dated after now − 7 days;
- `min_interval`    at least `min_gap_hours` since the last attempt;
                    both are waived while a callback is due (`callback_due_at <= now`);
- `no_valid_phone`  the debtor has a valid phone number.

Local time is `now` converted with `zoneinfo` to the area's zone, so DST is zoneinfo's job.
Times in explanations are the debtor's local time (with « heure locale » when the area is
not on Paris time). Pure: `now` is an aware datetime passed in; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .areas import AREAS, METROPOLE, Area, holiday_name
from .codes import BlockReason, Segment
from .config import CallingRules
from .dates import paris_date

ROLLING_DAYS = 7

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# "à La Réunion", "en Moselle", … for the explanations; the area's label otherwise.
_IN_AREA_FR = {
    "FR": "en France métropolitaine",
    "57": "en Moselle",
    "67": "dans le Bas-Rhin",
    "68": "dans le Haut-Rhin",
    "971": "en Guadeloupe",
    "972": "en Martinique",
    "973": "en Guyane",
    "974": "à La Réunion",
    "976": "à Mayotte",
}


@dataclass(frozen=True)
class CallabilityInput:
    segment: str  # "B2B" / "B2C"
    area: Area  # resolved local area (postcode, else phone); areas.METROPOLE when unknown
    balance_cents: int
    on_hold: bool = False
    do_not_call: bool = False
    dispute_open: bool = False
    # Over-indebtedness file declared admissible on this date (C. conso L722-2), if any.
    overindebted_since: date | None = None
    # Every invoice unpaid after its due date is prescribed (domain.legal).
    all_overdue_prescribed: bool = False
    claimed_by_other: bool = False
    has_valid_phone: bool = True
    # Due dates of the unpaid instalments of the debtor's *pending* promises.
    unpaid_instalment_dues: tuple[date, ...] = ()
    # Aware UTC datetimes of outbound call events (any disposition).
    call_attempts: tuple[datetime, ...] = ()
    callback_due_at: datetime | None = None  # earliest open callback
    # End (aware) of a payment announced on the phone and not yet imported.
    payment_check_until: datetime | None = None


@dataclass(frozen=True)
class Callability:
    callable: bool
    blocked_by: tuple[BlockReason, ...]
    explanations: tuple[str, ...]  # French, one per entry of `blocked_by`

    @property
    def summary(self) -> str:
        """All explanations on one line (empty when callable)."""
        return " · ".join(self.explanations)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime")


def local_now(area: Area, now: datetime) -> datetime:
    """`now` in the debtor's local time zone (aware, DST applied by zoneinfo)."""
    _require_aware(now)
    return now.astimezone(area.zone)


_Windows = tuple[tuple[time, time], ...]


def _rules_for(segment: str, rules: CallingRules) -> tuple[tuple[int, ...], _Windows]:
    if segment == Segment.B2C:
        return rules.b2c_days, rules.b2c_windows
    if segment == Segment.B2B:
        return rules.b2b_days, rules.b2b_windows
    raise ValueError(f"segment inconnu « {segment} » (attendu B2B ou B2C)")


def _day_allowed(segment: str, local: datetime, rules: CallingRules) -> bool:
    days, _ = _rules_for(segment, rules)
    return local.weekday() in days


def in_calling_window(segment: str, local: datetime, rules: CallingRules) -> bool:
    """Weekday and time of day of `local` inside the segment's calling window.

    Windows are [start, end): 09:00 is inside, 12:30 and 20:00 are not. Public holidays are
    a separate rule (`holiday`), not checked here.
    """
    days, windows = _rules_for(segment, rules)
    if local.weekday() not in days:
        return False
    t = local.time()
    return any(start <= t < end for start, end in windows)


def open_areas(segment: str, now: datetime, rules: CallingRules) -> tuple[frozenset[str], bool]:
    """Where a debtor of `segment` may be called at `now` as far as the hour, the weekday and
    local public holidays go: (codes of the known areas that are open, whether metropolitan
    France is open, which also stands for unknown codes). The queue's SQL leaves out the rest
    of the portfolio before reading it page by page; `evaluate` still decides every case."""
    def is_open(area: Area) -> bool:
        local = local_now(area, now)
        return in_calling_window(segment, local, rules) and _holiday_label(area, local.date()) is None

    return frozenset(code for code, area in AREAS.items() if is_open(area)), is_open(METROPOLE)


def opens_at(area: Area, segment: str, now: datetime, rules: CallingRules, *, days: int = 14) -> datetime | None:
    """The first instant from `now` on when a debtor of `segment` in `area` may be called as far
    as the weekday, the hour and the area's public holidays go: `now` itself when it is open,
    else the start of the next window (in the area's time zone); None beyond `days` days."""
    allowed, windows = _rules_for(segment, rules)
    local = local_now(area, now)
    for offset in range(days + 1):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in allowed or _holiday_label(area, day) is not None:
            continue
        for start, end in sorted(windows):
            if datetime.combine(day, end, tzinfo=area.zone) > local:
                return max(datetime.combine(day, start, tzinfo=area.zone), local)
    return None


@dataclass(frozen=True)
class Reopening:
    """When calls resume while every area is closed for both segments (`calls_reopen`)."""

    first: datetime  # the first instant any area opens, for either segment
    first_areas: tuple[Area, ...]  # the areas that open then
    metropole: datetime | None  # when metropolitan France opens, for either segment


def calls_reopen(now: datetime, rules: CallingRules) -> Reopening | None:
    """None when a debtor of some segment and area may be called now; else when and where calls
    resume (a Sunday, 1 January, the night). The queue then has nothing to offer
    (`services.work_queue.iterate`), and the agent is told this instead of an empty queue."""
    opens: dict[str, datetime] = {}
    for code, area in AREAS.items():
        times = [t for t in (opens_at(area, seg.value, now, rules) for seg in Segment) if t is not None]
        if times:
            opens[code] = min(times)
    if not opens or any(t <= now for t in opens.values()):
        return None
    first = min(opens.values())
    return Reopening(first, tuple(AREAS[c] for c, t in opens.items() if t == first), opens.get(METROPOLE.code))


def callback_is_due(callback_due_at: datetime | None, now: datetime) -> bool:
    """An open callback is due once its time has come (`callback_due_at <= now`)."""
    return callback_due_at is not None and callback_due_at <= now


def _holiday_label(area: Area, day: date) -> str | None:
    """French name of the area's public holiday on `day`, or None."""
    return holiday_name(area, day)


def in_area(area: Area) -> str:
    """« à La Réunion », « en Moselle »…"""
    return _IN_AREA_FR.get(area.code, area.label)


def _when(target_utc: datetime, area: Area, local: datetime) -> str:
    """« à 16:10 » or « le 27/10 à 16:10 » in the debtor's local time."""
    t = target_utc.astimezone(area.zone)
    text = f"à {t:%H:%M}" if t.date() == local.date() else f"le {t:%d/%m} à {t:%H:%M}"
    if area.tz != "Europe/Paris":
        text += " heure locale"
    return text


def _format_hours(hours: float) -> str:
    return f"{hours:g}".replace(".", ",")


def _format_due(due: date, today: date) -> str:
    return f"{due:%d/%m}" if due.year == today.year else f"{due:%d/%m/%Y}"


def evaluate(inp: CallabilityInput, now: datetime, rules: CallingRules) -> Callability:
    """Every block that applies at `now`, in `BlockReason` order, with French explanations."""
    _require_aware(now)
    blocks: list[tuple[BlockReason, str]] = []

    if inp.balance_cents <= 0:
        text = "solde nul" if inp.balance_cents == 0 else "solde créditeur"
        blocks.append((BlockReason.NO_BALANCE, text))
    if inp.claimed_by_other:
        blocks.append((BlockReason.CLAIMED, "pris par un collègue"))
    if inp.on_hold:
        blocks.append((BlockReason.ON_HOLD, "en attente"))
    if inp.do_not_call:
        blocks.append((BlockReason.DO_NOT_CALL, "ne pas appeler"))
    if inp.dispute_open:
        blocks.append((BlockReason.DISPUTE, "litige en cours"))

    today = paris_date(now)
    if inp.overindebted_since is not None and inp.overindebted_since <= today:
        blocks.append(
            (
                BlockReason.OVERINDEBTEDNESS,
                f"surendettement : dossier recevable depuis le {inp.overindebted_since:%d/%m/%Y}",
            )
        )
    if inp.all_overdue_prescribed:
        blocks.append((BlockReason.PRESCRIBED, "toutes les factures échues sont prescrites"))
    dues = inp.unpaid_instalment_dues
    if dues and all(due > today for due in dues):
        blocks.append(
            (
                BlockReason.PROMISE_PENDING,
                f"promesse en cours jusqu'au {_format_due(min(dues), today)}",
            )
        )

    if inp.payment_check_until is not None and now < inp.payment_check_until:
        end = inp.payment_check_until.astimezone(inp.area.zone).date()
        blocks.append(
            (
                BlockReason.PAYMENT_CHECK,
                f"paiement annoncé, en vérification jusqu'au {_format_due(end, today)}",
            )
        )

    local = local_now(inp.area, now)
    if not in_calling_window(inp.segment, local, rules):
        when = f"{local:%H:%M}"
        if not _day_allowed(inp.segment, local, rules):
            when = f"{WEEKDAYS_FR[local.weekday()]} {when}"
        blocks.append((BlockReason.OUTSIDE_HOURS, f"hors plage horaire locale ({when} {in_area(inp.area)})"))
    holiday = _holiday_label(inp.area, local.date())
    if holiday is not None:
        blocks.append((BlockReason.HOLIDAY, f"jour férié local ({holiday} {in_area(inp.area)})"))

    if not callback_is_due(inp.callback_due_at, now):
        recent = sorted(at for at in inp.call_attempts if at > now - timedelta(days=ROLLING_DAYS))
        if len(recent) >= rules.max_attempts_7d:
            # The count falls below the cap once the (n - cap + 1) oldest have aged out.
            frees_at = recent[len(recent) - rules.max_attempts_7d] + timedelta(days=ROLLING_DAYS)
            blocks.append(
                (
                    BlockReason.ATTEMPT_CAP,
                    f"{len(recent)} tentatives en {ROLLING_DAYS} jours "
                    f"(nouvelle tentative possible {_when(frees_at, inp.area, local)})",
                )
            )
        if inp.call_attempts:
            gap = timedelta(hours=rules.min_gap_hours)
            last = max(inp.call_attempts)
            if now - last < gap:
                blocks.append(
                    (
                        BlockReason.MIN_INTERVAL,
                        f"moins de {_format_hours(rules.min_gap_hours)} h depuis la dernière "
                        f"tentative (rappel possible {_when(last + gap, inp.area, local)})",
                    )
                )

    if not inp.has_valid_phone:
        blocks.append((BlockReason.NO_VALID_PHONE, "aucun numéro valide"))

    order = list(BlockReason)
    blocks.sort(key=lambda block: order.index(block[0]))
    return Callability(
        callable=not blocks,
        blocked_by=tuple(reason for reason, _ in blocks),
        explanations=tuple(text for _, text in blocks),
    )
