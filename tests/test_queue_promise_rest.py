"""A debtor with a pending promise rests outside the queue index until its first unpaid
instalment falls due (m016, `debtors.promise_rest`, kept by triggers). Whatever happens to
promises (recorded on the phone, imported, paid, kept, broken by the nightly, cancelled), the
mark is exactly that date, and at any instant the callable queue is the full queue's callable
entries, in order."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_helpers import NOW, SETTINGS, TODAY, Debtor, Env, cloned_env, days_before, phone
from recouvre_tui.services.importing import ImportRejected
from recouvre_tui.services.outcome import OutcomeError
from recouvre_tui.services.promise_tracking import PromiseError, cancel_promise
from recouvre_tui.services.refresh import refresh
from recouvre_tui.store.schema import PROMISE_REST_OF

N = 6


def _debtors() -> list[Debtor]:
    return [
        Debtor(
            f"P{n}",
            phone=phone(700 + n),
            agent="alice" if n % 2 else "",
            invoices=[(f"FP{n}", days_before(30 + 10 * n), f"{(n + 2) * 211}.{n:02d}")],
        )
        for n in range(N)
    ]


def _assert_marks_exact(env: Env) -> None:
    expected = PROMISE_REST_OF.format(debtor="d.id")
    rows = env.rows(f"SELECT d.ref, d.promise_rest, {expected} FROM debtors d")
    assert [r for r in rows if r[1] != r[2]] == []


def _assert_queue(env: Env, now: datetime) -> None:
    full = env.queue("alice", now=now, include_blocked=True, limit=1000)
    shown = env.queue("alice", now=now, limit=1000)
    assert [e.debtor_ref for e in shown] == [e.debtor_ref for e in full if e.callable]


# One step of a promise's life, on day `day` (days after NOW, at 11:00 Paris).
debtor, day = st.integers(0, N - 1), st.integers(0, 20)
steps = st.one_of(
    st.tuples(st.just("promise"), debtor, day, st.lists(st.integers(1, 40), min_size=1, max_size=3)),
    st.tuples(st.just("pay"), debtor, day, st.integers(1, 500)),
    st.tuples(st.just("import"), debtor, day, st.lists(st.integers(-10, 40), min_size=1, max_size=3)),
    st.tuples(st.just("cancel"), debtor, day, st.just(0)),
    st.tuples(st.just("nightly"), st.just(0), day, st.just(0)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made=st.lists(steps, max_size=8), looks=st.lists(st.integers(0, 60), min_size=1, max_size=3))
def test_promise_rests_are_exact_and_never_change_the_queue(made: list[tuple], looks: list[int]) -> None:
    with cloned_env("promise-rest", _debtors) as env:
        for serial, (kind, n, day, arg) in enumerate(sorted(made, key=lambda s: s[2])):
            at = NOW + timedelta(days=day)
            today = TODAY + timedelta(days=day)
            ref = f"P{n}"
            try:
                if kind == "promise":
                    dues = sorted({today + timedelta(days=d) for d in arg})
                    env.outcome("alice", ref, "promise" if len(dues) == 1 else "plan", now=at,
                                instalments=[(d, 2_000) for d in dues])
                elif kind == "pay":
                    env.add_payments([(ref, f"PAY{serial}", today.isoformat(), f"{arg}.00")], now=at)
                elif kind == "import":
                    created = (today - timedelta(days=1)).isoformat() + " 10:00"
                    dues = [(today + timedelta(days=d)).isoformat() for d in sorted(set(arg))]
                    env.add_promises([(ref, f"IMP{n}", created, due, "15.00") for due in dues], now=at)
                elif kind == "cancel":
                    for (pref,) in env.rows(
                        "SELECT p.ref FROM promises p JOIN debtors d ON d.id = p.debtor_id "
                        "WHERE d.ref = ? AND p.status = 'pending' ORDER BY p.id LIMIT 1",
                        (ref,),
                    ):
                        cancel_promise(env.store, env.agent("lea"), pref, reason="test", now=at, settings=SETTINGS)
                else:
                    refresh(env.store, now=at, settings=SETTINGS)
            except (OutcomeError, PromiseError, ImportRejected):
                pass  # refused (a due date too far, an overpayment…): nothing written
            _assert_marks_exact(env)
        for day in looks:
            _assert_queue(env, NOW + timedelta(days=day))
        env.store.close()


def test_a_promised_debtor_rests_until_its_instalment_falls_due() -> None:
    with cloned_env("promise-rest", _debtors) as env:
        before = env.refs("alice")
        head = before[0]
        due = TODAY + timedelta(days=10)
        env.outcome("alice", head, "promise", now=NOW, instalments=[(due, 5_000)])
        assert env.one("SELECT promise_rest FROM debtors WHERE ref = ?", (head,)) == due.isoformat()
        later = NOW + timedelta(days=5)  # the call's 4-hour gap is long over; the promise is not due
        assert head not in env.refs("alice", now=later)
        _assert_queue(env, later)
        on_due = NOW + timedelta(days=10)  # due today and unpaid: back, to be reminded
        assert head in env.refs("alice", now=on_due)
        _assert_queue(env, on_due)
        env.store.close()
