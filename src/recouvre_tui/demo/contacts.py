"""Contact history: when a debtor can be reached (their local time, the agents' Paris
shift, holidays), the events themselves (calls, letters, e-mails, SMS), reminders."""

from __future__ import annotations

from datetime import date, datetime, time

from recouvre_tui.domain.areas import METROPOLE, holiday_name
from recouvre_tui.domain.codes import FORMAL_NOTICE_OUTCOME
from recouvre_tui.domain.dates import PARIS

from .catalogue import (
    _AGENT_SHIFT,
    _CALLERS,
    _EMAIL_IN_WINDOWS,
    _NO_CONTACT,
    _NOTES,
    _SMS_WINDOWS,
    _WINDOWS,
    LEAD_LOGIN,
)
from .ledger import LedgerBuilder
from .model import (
    _Debtor,
    _Event,
    _in_windows,
    _Invoice,
)


class ContactBuilder(LedgerBuilder):
    """Dated contact events and the good payers' on-time payments inside the window."""

    def pay_window_dues(self, d: _Debtor, *, remind: float = 0.0) -> None:
        """Pay on time the non-anchor invoices falling due inside the window (good payers)."""
        for inv in sorted(d.invoices, key=lambda i: (i.due, i.key)):
            if inv.credit or inv.anchor or inv.open <= 0 or inv.due < self.w0:
                continue
            if inv.due > self.last:
                if self.chance(0.4) and inv.issue < self.last:
                    on = inv.issue + self.days(self.rint(1, max(1, (self.last - inv.issue).days)))
                    self.pay(d, on, None, inv, show_ref=self.chance(0.85))
                continue
            if remind and self.chance(remind):
                ev = self.remind(d, inv.due + self.days(self.rint(2, 5)), self.soft_channel(d))
                if ev is not None:
                    self.pay(d, ev.at.date() + self.days(self.rint(1, 4)), None, inv)
                continue
            on = max(inv.issue + self.days(1), inv.due + self.days(self.rint(-10, 4)))
            self.pay(d, min(on, self.last), None, inv, show_ref=self.chance(0.85))

    def slot_is_feasible(self, d: _Debtor, start: int) -> bool:
        windows = _WINDOWS[d.segment]
        if not any(lo <= start and start + 90 <= hi for lo, hi in windows):
            return False
        for month in (1, 7):
            ref_day = date(self.today.year, month, 15)
            for minute in (start, start + 89):
                local = datetime.combine(ref_day, time(minute // 60, minute % 60), d.area.zone)
                paris = local.astimezone(PARIS)
                pm = paris.hour * 60 + paris.minute
                if not (_AGENT_SHIFT[0] <= pm < _AGENT_SHIFT[1]) or paris.date() != ref_day:
                    return False
        return True

    def pick_slot(self, d: _Debtor) -> int | None:
        options = [m for m in range(9 * 60, 17 * 60, 15) if self.slot_is_feasible(d, m)]
        return self.rng.choice(options) if options else None

    def day_ok(self, d: _Debtor, day: date, kind: str) -> bool:
        if kind == "any":
            return True
        weekdays = 6 if kind in ("call", "in_call") and d.segment == "B2C" else 5
        if day.weekday() >= weekdays or holiday_name(METROPOLE, day):
            return False
        return not (kind in ("call", "in_call", "sms") and holiday_name(d.area, day))

    def local_time(self, d: _Debtor, day: date, kind: str, slot: int | None) -> datetime | None:
        """A Paris naive datetime on `day` fitting the kind of contact, or None."""
        if kind == "office":  # letters and e-mails sent from the Paris office
            minute = self.rint(9 * 60, 17 * 60 - 1)
            return datetime.combine(day, time(minute // 60, minute % 60))
        # Inbound e-mails: the debtor writes during their own waking hours, any day.
        windows = {"sms": _SMS_WINDOWS, "any": _EMAIL_IN_WINDOWS}.get(kind, _WINDOWS[d.segment])
        shift = (0, 24 * 60) if kind == "any" else _AGENT_SHIFT
        for _ in range(40):
            if slot is not None:
                minute = slot + self.rint(0, 85)
            else:
                lo, hi = self.rng.choices(windows, [hi - lo for lo, hi in windows])[0]
                minute = self.rint(lo, hi - 1)
            if not _in_windows(minute, windows):
                continue
            local = datetime.combine(day, time(minute // 60, minute % 60), d.area.zone)
            paris = local.astimezone(PARIS)
            pm = paris.hour * 60 + paris.minute
            if paris.date() == day and shift[0] <= pm < shift[1]:
                return paris.replace(tzinfo=None)
        return None

    def when(
        self,
        d: _Debtor,
        day: date,
        kind: str,
        *,
        slot: int | None = None,
        floor: date | None = None,
    ) -> datetime | None:
        """The first fitting time on `day` or after (never after yesterday), else before
        `day` down to `floor` (exclusive), else None."""
        candidates = [day + self.days(k) for k in range(0, 8)]
        if floor is not None:
            candidates += [day - self.days(k) for k in range(1, (day - floor).days)]
        for cand in candidates:
            if cand > self.last or (floor is not None and cand <= floor):
                continue
            if self.day_ok(d, cand, kind):
                at = self.local_time(d, cand, kind, slot)
                if at is not None:
                    return at
        return None

    def event(
        self,
        d: _Debtor,
        at: datetime,
        channel: str,
        direction: str,
        outcome: str,
        agent: str,
        note: str,
        inv: _Invoice | None = None,
    ) -> _Event:
        ev = _Event(at, channel, direction, outcome, agent, note, inv)
        d.events.append(ev)
        return ev

    def caller(self, d: _Debtor) -> str:
        if d.agent and self.chance(0.8):
            return d.agent
        return self.rng.choice(_CALLERS)

    def note(self, key: str, d: _Debtor | None = None) -> str:
        if d is not None and f"{key}:{d.segment}" in _NOTES:
            key = f"{key}:{d.segment}"
        return self.rng.choice(_NOTES[key])

    def soft_channel(self, d: _Debtor) -> str:
        options = [("letter", 0.2)]
        if d.email:
            options.append(("email", 0.5))
        if d.can_sms:
            options.append(("sms", 0.4 if d.segment == "B2C" else 0.1))
        return self.pick(options)

    def channel(self, d: _Debtor) -> str:
        options = [("letter", 0.1 if d.segment == "B2C" else 0.15)]
        if d.call_state != "none":
            options.append(("call", 0.45 if d.segment == "B2C" else 0.5))
        if d.can_sms:
            options.append(("sms", 0.25 if d.segment == "B2C" else 0.05))
        if d.email:
            options.append(("email", 0.2 if d.segment == "B2C" else 0.3))
        return self.pick(options)

    def remind(
        self,
        d: _Debtor,
        day: date,
        channel: str | None = None,
        *,
        agent: str | None = None,
        slot: int | None = None,
        floor: date | None = None,
    ) -> _Event | None:
        """An outbound reminder (call without right-party contact, letter, e-mail, SMS)."""
        channel = channel or self.channel(d)
        if channel == "call" and d.call_state == "none":
            channel = self.soft_channel(d)
        if channel == "sms" and not d.can_sms:
            channel = "letter"
        if channel == "email" and not d.email:
            channel = "letter"
        kind = {"call": "call", "sms": "sms", "email": "office", "letter": "office"}[channel]
        at = self.when(d, day, kind, slot=slot, floor=floor)
        if at is None:
            return None
        if channel != "call":
            return self.event(d, at, channel, "out", "", "", self.note(channel))
        who = agent or self.caller(d)
        if d.call_state in ("invalid_first", "wrong_first"):
            outcome = "invalid_number" if d.call_state == "invalid_first" else "wrong_number"
            d.call_state = "ok" if d.phone2 else "none"
            return self.event(d, at, "call", "out", outcome, who, self.note(outcome))
        outcome = self.pick(_NO_CONTACT[d.segment])
        return self.event(d, at, "call", "out", outcome, who, self.note(outcome, d))

    def rpc(
        self,
        d: _Debtor,
        day: date,
        outcome: str,
        note: str,
        *,
        inbound: bool = False,
        floor: date | None = None,
        inv: _Invoice | None = None,
    ) -> _Event | None:
        """A right-party call (outbound, or inbound when the debtor calls)."""
        if d.call_state != "ok" and not inbound:
            inbound = True  # no number known to work yet: the debtor calls in
        at = self.when(d, day, "in_call" if inbound else "call", floor=floor)
        if at is None:
            return None
        if inbound:
            note = "Appel entrant. " + note
        return self.event(d, at, "call", "in" if inbound else "out", outcome, self.caller(d), note, inv)

    def formal_notice(self, d: _Debtor, day: date) -> _Event | None:
        at = self.when(d, day, "office")
        if at is None:
            return None
        who = LEAD_LOGIN if self.chance(0.4) or not d.agent else d.agent
        return self.event(d, at, "letter", "out", FORMAL_NOTICE_OUTCOME, who, self.note("formal_notice"))

    def reminders(self, d: _Debtor, start: date, end: date, n: int) -> list[_Event]:
        out = []
        prev = start - self.days(1)
        for day in self.spread(start, end, n):
            ev = self.remind(d, max(day, prev + self.days(1)))
            if ev is not None and ev.at.date() <= end:
                out.append(ev)
                prev = ev.at.date()
            elif ev is not None:
                d.events.remove(ev)
        return out
