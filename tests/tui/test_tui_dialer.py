"""Headless journeys for « déjà payé », « paiement immédiat », callbacks (window, team,
year) and the demo clock note. Frozen clock: Monday 23/11/2026 10:00 Paris.

alice's queue: D001 (4 230 € owed), D006, D002 (La Réunion, 13:00 local).
5 working days after Mon 23/11: 24, 25, 26, 27, 30 → held until Mon 30/11 00:00 Paris
= Sun 29/11 23:00 UTC.
"""

from __future__ import annotations

from typing import Any

from test_tui_journeys import (
    SIZE,
    MakeApp,
    Query,
    Settle,
    next_case,
    open_first_case,
    text_of,
    tui_events,
)

from recouvre_tui.tui.outcome.forms import CallbackForm
from recouvre_tui.tui.outcome.payment_form import PaymentForm

HELD_UNTIL = "2026-11-29 23:00:00"


async def test_already_paid_is_v_then_enter(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, PaymentForm)
        assert app.screen.query_one("#pay-amount").value == "4 230,00"
        await pilot.press("enter")
        await next_case(pilot, "D001")
    assert tui_events(query)[-1][:2] == ("D001", "already_paid")
    assert query("SELECT paid_on, amount_cents, reference, until FROM payment_checks") == [
        ("2026-11-23", 423_000, None, HELD_UNTIL)
    ]


async def test_paid_is_6_then_enter_with_the_means(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, PaymentForm)
        await pilot.press("ctrl+a", "ctrl+k", *"1200", "tab", *"CB au téléphone", "enter")
        await next_case(pilot, "D001")
    assert tui_events(query)[-1][:2] == ("D001", "paid")
    assert query("SELECT paid_on, amount_cents, reference, until FROM payment_checks") == [
        ("2026-11-23", 120_000, "CB au téléphone", HELD_UNTIL)
    ]


async def test_a_future_payment_date_is_refused_in_the_form(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", *"24/11/2026", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PaymentForm)
        assert "la date du paiement ne peut pas être dans le futur" in text_of(app, "#err-paid_on")
    assert query("SELECT COUNT(*) FROM payment_checks") == [(0,)]


async def _to_d002(pilot: object, settle: Settle) -> None:
    await open_first_case(pilot, settle)
    await pilot.press("1", "enter")  # type: ignore[attr-defined]
    await next_case(pilot, "D001")
    await pilot.press("1", "enter")  # type: ignore[attr-defined]
    await next_case(pilot, "D006")


async def test_a_callback_outside_the_window_is_refused(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await _to_d002(pilot, settle)
        assert app.screen.entry.debtor_ref == "D002"  # La Réunion, B2C until 20:00 local
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"21:00")
        await pilot.pause()
        assert "hors plage d'appel du débiteur" in text_of(app, "#cb-preview")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallbackForm)
        assert "rappel hors de la plage d'appel du débiteur (23/11/2026 à 21:00 heure locale)" in text_of(
            app, "#err-callback"
        )
    assert query("SELECT COUNT(*) FROM callbacks") == [(0,)]


async def test_a_team_callback_from_the_form(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await _to_d002(pilot, settle)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"16:00", "tab", "space", "ctrl+s")
        await next_case(pilot, "D002")
    assert query("SELECT c.agent, c.created_by FROM callbacks c") == [(None, "alice")]


async def test_a_callback_next_year_shows_its_year(
    make_app: MakeApp, open_store: Any, query: Query, settle: Settle
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("r")
        await settle(pilot)
        # Tue 05/01/2027 15:00 in Nantes: within the 60-day horizon
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", *"05/01/2027", "tab", *"15:00", "enter")
        await next_case(pilot, "D001")
    assert query("SELECT due_at FROM callbacks") == [("2027-01-05 14:00:00",)]
    # D001 was just called (4 hours' gap): D006 comes first, with a callback set for 2027.
    store = open_store()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO callbacks (debtor_id, agent, due_at, created_by, created_at) "
            "SELECT id, 'alice', '2027-01-05 14:00:00', 'alice', '2026-11-23 09:00:00' FROM debtors WHERE ref = 'D006'"
        )
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        assert app.screen.entry.debtor_ref == "D006"
        assert "rappel prévu 05/01/2027 15:00 (heure locale)" in text_of(app, "#case-header")


async def test_the_demo_clock_note_is_on_the_welcome_screen(make_app: MakeApp, settle: Settle) -> None:
    note = "horloge de démonstration : lundi 23/11/2026 10:30 à Paris"
    app = make_app("alice", clock_note=note)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert note in text_of(app, "#who")
        assert "horloge de démonstration" in text_of(app, "#agent-bar")


async def test_after_a_wrong_number_the_other_number_comes_first(
    make_app: MakeApp, open_store: Any, query: Query, settle: Settle
) -> None:
    from conftest import NOW
    from recouvre_tui.services.case_file import load_case
    from recouvre_tui.store.agents import get_agent
    from recouvre_tui.tui.case import panels

    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot, settle)
        # D001: 02 40 11 22 33 (file's first), then 06 12 34 56 78
        assert screen._phone_label() == "02 40 11 22 33"
        await pilot.press("5", "enter")
        await next_case(pilot, "D001")
    assert query("SELECT e164, to_verify FROM phones p JOIN debtors d ON d.id = p.debtor_id WHERE d.ref = 'D001'") == [
        ("+33240112233", 1),
        ("+33612345678", 0),
    ]
    store = open_store()
    with store.read() as conn:
        alice = get_agent(conn, "alice")
    assert alice is not None
    case = load_case(store, alice, "D001", now=NOW)
    assert [p["national"] for p in case.phones] == ["06 12 34 56 78", "02 40 11 22 33"]
    lines = panels.phones(case, 0).splitlines()
    assert lines[1].startswith("  ☎ 06 12 34 56 78")
    assert "à vérifier" in lines[2] and lines[2].startswith("    02 40 11 22 33")
