"""Headless journeys through the agent's TUI, on a frozen clock (Monday 23/11/2026 10:00 Paris).

Queue order for alice: D001 (broken promise to follow up), then D006, D002, then the pool
(D007, D004); D003 (Guadeloupe, 05:00 local) is blocked outside its calling window.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console
from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.widgets import DataTable, Input, Static, TextArea

from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.case.screen import CaseScreen
from recouvre_tui.tui.help.screen import HelpScreen
from recouvre_tui.tui.outcome.forms import CallbackForm, PromiseForm, ReasonPicker
from recouvre_tui.tui.outcome.note import NoteForm, SensitiveNoteDialog
from recouvre_tui.tui.queue.screen import QueueScreen
from recouvre_tui.tui.welcome.screen import WelcomeScreen

SIZE = (160, 48)
MakeApp = Callable[..., RecouvreApp]
Query = Callable[..., list[tuple[Any, ...]]]
Settle = Callable[..., Awaitable[None]]


def text_of(app: RecouvreApp, selector: str) -> str:
    """Plain text of a Static on the current screen (markup or Rich renderable)."""
    static = app.screen.query_one(selector, Static)
    content = static.content
    if isinstance(content, str | Content):
        return str(static.render())
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def script_text(app: RecouvreApp) -> str:
    panel = app.screen.query_one("#script-panel")
    return "\n".join(str(w.render()) for w in panel.query(Static))


def tui_events(query: Query) -> list[tuple[Any, ...]]:
    return query(
        "SELECT d.ref, e.outcome, e.agent, e.reason, e.note, e.tone, e.script_id, e.phone "
        "FROM events e JOIN debtors d ON d.id = e.debtor_id "
        "WHERE e.source = 'tui' AND e.channel = 'call' ORDER BY e.id"
    )


def claims(query: Query) -> list[tuple[Any, ...]]:
    return query("SELECT d.ref, c.agent FROM claims c JOIN debtors d ON d.id = c.debtor_id")


async def until(pilot: Any, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Let workers and messages run until `predicate()` holds (a loaded machine is slower)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
        await pilot.pause(0.02)
    return True


def case_shown(app: Any) -> bool:
    screen = app.screen
    return isinstance(screen, CaseScreen) and screen.case is not None and not screen.saving


async def next_case(pilot: Any, after: str) -> None:
    """Wait until the outcome of `after` is saved and the next case is on screen."""

    def moved() -> bool:
        app = pilot.app
        return case_shown(app) and app.screen.entry.debtor_ref != after

    assert await until(pilot, moved), f"the case after {after} did not open"


async def open_first_case(pilot: Any, settle: Settle) -> CaseScreen:
    await settle(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: case_shown(pilot.app))
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return screen


async def test_welcome_shows_who_figures_and_portfolio(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert "Alice Martin" in text_of(app, "#who")
        assert "appels : 0" in text_of(app, "#today")
        portfolio = text_of(app, "#portfolio")
        assert "mes débiteurs : 4" in portfolio
        assert "22\u202f080,00 €" in portfolio
        assert "Entrée : dossier suivant · f : file d'attente" in text_of(app, "#welcome-hint")


async def test_no_answer_is_two_keys_then_next_case_opens(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        case = await open_first_case(pilot, settle)
        assert case.entry.debtor_ref == "D001"
        assert "SARL Dupont Frères" in text_of(app, "#case-header")
        assert claims(query) == [("D001", "alice")]

        await pilot.press("1", "enter")  # two keystrokes
        await next_case(pilot, "D001")

        assert isinstance(app.screen, CaseScreen)
        assert app.screen.entry.debtor_ref == "D006"
        assert "Paul Blanc" in text_of(app, "#case-header")
        events = tui_events(query)
        assert [(e[0], e[1], e[2]) for e in events] == [("D001", "no_answer", "alice")]
        assert events[0][7] == "+33240112233"  # the number called
        assert claims(query) == [("D006", "alice")]  # D001 released, D006 claimed
        assert app.figures["calls"] == 1


async def test_instalment_plan_recorded_with_working_day_dates(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PromiseForm)
        await pilot.press(*"05/12")  # the next 5 December: a Saturday
        await pilot.pause()
        preview = text_of(app, "#schedule-preview")
        assert "07/12/2026" in preview and "reportée du 05/12" in preview
        assert "total 4\u202f230,00 € ✓" in preview
        await pilot.press("enter")
        await next_case(pilot, "D001")
        assert app.screen.entry.debtor_ref == "D006"
        rows = query(
            "SELECT p.total_cents, p.status, i.seq, i.due_date, i.amount_cents "
            "FROM promises p JOIN instalments i ON i.promise_id = p.id "
            "WHERE p.source = 'tui' ORDER BY i.seq"
        )
        assert rows == [
            (423000, "pending", 1, "2026-12-07", 141000),
            (423000, "pending", 2, "2027-01-05", 141000),
            (423000, "pending", 3, "2027-02-05", 141000),
        ]
        assert [e[1] for e in tui_events(query)] == ["plan"]


async def test_one_instalment_promise_takes_at_most_15_keys(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        keys = ["p", *"05/12/2026", "enter"]
        assert len(keys) <= 15
        await pilot.press(keys[0])
        await settle(pilot)
        assert isinstance(app.screen, PromiseForm)
        await pilot.press(*keys[1:])
        await next_case(pilot, "D001")
        rows = query(
            "SELECT i.due_date, i.amount_cents FROM promises p "
            "JOIN instalments i ON i.promise_id = p.id WHERE p.source = 'tui'"
        )
        assert rows == [("2026-12-07", 423000)]  # balance pre-filled, Saturday moved
        assert [e[1] for e in tui_events(query)] == ["promise"]


async def test_callback_in_local_time_is_stored_in_utc(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("1", "enter")  # D001
        await next_case(pilot, "D001")
        await pilot.press("1", "enter")  # D006
        await next_case(pilot, "D006")
        assert app.screen.entry.debtor_ref == "D002"  # La Réunion, 13:00 local
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, CallbackForm)
        await pilot.press(*"16:00")
        await pilot.pause()
        assert "16:00 heure locale" in text_of(app, "#cb-preview")
        assert "13:00 à Paris" in text_of(app, "#cb-preview")
        await pilot.press("enter")
        await next_case(pilot, "D002")
        rows = query("SELECT d.ref, c.due_at, c.agent FROM callbacks c JOIN debtors d ON d.id = c.debtor_id")
        assert rows == [("D002", "2026-11-23 12:00:00", "alice")]
        assert tui_events(query)[-1][:2] == ("D002", "callback")


async def test_validation_errors_are_shown_and_nothing_is_saved(
    make_app: MakeApp, query: Query, settle: Settle
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("enter")  # no date yet
        await pilot.pause()
        assert isinstance(app.screen, PromiseForm)
        assert "date obligatoire" in text_of(app, "#err-first_due")

        await pilot.press(*"15/02/2027")  # more than 30 days ahead
        await pilot.press("shift+tab", "shift+tab")  # back to the amount
        amount = app.screen.query_one("#amount")
        assert amount.has_focus
        await pilot.press("ctrl+a", "ctrl+k", *"9999", "enter")  # above the balance
        await pilot.pause()
        assert isinstance(app.screen, PromiseForm)
        assert "dépasse 30 jours" in text_of(app, "#err-first_due")
        assert "dépasse le solde" in text_of(app, "#err-amount")

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert tui_events(query) == []
        assert query("SELECT COUNT(*) FROM promises WHERE source = 'tui'") == [(0,)]
        assert claims(query) == [("D001", "alice")]  # still held: nothing happened


async def test_enter_without_disposition_saves_nothing(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.entry.debtor_ref == "D001"
        assert tui_events(query) == []
        assert any("Choisissez" in n.message for n in app._notifications)


async def test_note_reason_and_actions_go_into_the_outcome(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteForm)
        assert "sans donnée de santé" in str(app.screen.query_one(".form-hint", Static).render())
        await pilot.press(*"facture perdue", "ctrl+s")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ReasonPicker)
        await pilot.press("1")  # oubli
        await pilot.press("d", "c", "8", "enter")
        await next_case(pilot, "D001")
        ev = tui_events(query)[0]
        assert ev[:5] == ("D001", "refusal", "alice", "forgot", "facture perdue")
        follow_ups = query(
            "SELECT e.outcome FROM events e WHERE e.source = 'tui' AND e.channel = 'email' ORDER BY e.outcome"
        )
        assert follow_ups == [("handed_to_sales_rep",), ("invoice_duplicate",)]


async def test_note_is_multi_line_counted_and_never_cut(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteForm)
        await pilot.press(*"ligne 1", "enter", *"ligne 2")  # Entrée is a new line
        await settle(pilot)
        assert app.screen is form
        assert "15 / 2\u202f000 caractères" in text_of(app, "#note-counter")
        form.query_one("#note", TextArea).load_text("x" * 2_001)
        await settle(pilot)
        assert "2\u202f001 / 2\u202f000 caractères — 1 de trop" in text_of(app, "#note-counter")
        await pilot.press("ctrl+s")  # refused, nothing cut
        await settle(pilot)
        assert app.screen is form
        assert "note trop longue (2001 caractères, 2000 au plus)" in text_of(app, "#err-note")
        assert len(form.query_one("#note", TextArea).text) == 2_001
        form.query_one("#note", TextArea).load_text("ligne 1\nligne 2")
        await pilot.press("ctrl+s", "8", "enter")
        await next_case(pilot, "D001")
        assert tui_events(query)[0][4] == "ligne 1\nligne 2"


async def test_sensitive_words_in_a_note_ask_to_confirm_or_rewrite(
    make_app: MakeApp, query: Query, settle: Settle
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("n", *"Client MALADE, à l'hôpital", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SensitiveNoteDialog)
        assert "« MALADE », « hôpital »" in text_of(app, "#guard-text")
        await pilot.press("enter")  # « Réécrire » is the focused button: back to the text
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NoteForm)
        form.query_one("#note", TextArea).load_text("Indisponible jusqu'au 30/11")
        await pilot.press("ctrl+s", "8", "enter")
        await next_case(pilot, "D001")
        assert tui_events(query)[0][4] == "Indisponible jusqu'au 30/11"


async def test_a_promise_form_note_gets_the_same_check(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PromiseForm)
        await pilot.press(*"30/11/2026")
        app.screen.query_one("#note", Input).value = "paiera après sa chimio"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SensitiveNoteDialog)
        assert "« chimio »" in text_of(app, "#guard-text")
        await pilot.press("tab", "enter")  # « Garder la note »: the promise is recorded with it
        await next_case(pilot, "D001")
        assert tui_events(query)[0][1:5:3] == ("promise", "paiera après sa chimio")


async def test_tone_switch_changes_the_script_panel_and_is_recorded(
    make_app: MakeApp, query: Query, settle: Settle
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        case = await open_first_case(pilot, settle)
        before = script_text(app)
        assert "ton : neutre" in before
        assert case.view is not None and case.view.script_id == "b2b-broken-promise-neutre"
        await pilot.press("t")
        await pilot.pause()
        after = script_text(app)
        assert after != before
        assert "ton : ferme" in after
        assert "choisi par l'agent" in after
        assert case.view.script_id == "b2b-broken-promise-ferme"
        await pilot.press("1", "enter")
        await next_case(pilot, "D001")
        assert tui_events(query)[0][5:7] == ("ferme", "b2b-broken-promise-ferme")


async def test_two_sessions_never_show_the_same_case(make_app: MakeApp, query: Query, settle: Settle) -> None:
    first, second = make_app("camille"), make_app("denis")
    async with first.run_test(size=SIZE) as p1, second.run_test(size=SIZE) as p2:
        await settle(p1)
        await settle(p2)
        await p1.press("enter")
        await p2.press("enter")
        await until(p1, lambda: case_shown(first))
        await until(p2, lambda: case_shown(second))
        assert isinstance(first.screen, CaseScreen) and isinstance(second.screen, CaseScreen)
        refs = {first.screen.entry.debtor_ref, second.screen.entry.debtor_ref}
        assert refs == {"D004", "D007"}  # the two pool debtors, one each
        assert sorted(claims(query)) == sorted(
            [
                (first.screen.entry.debtor_ref, "camille"),
                (second.screen.entry.debtor_ref, "denis"),
            ]
        )


async def test_quitting_releases_the_claim(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        assert claims(query) == [("D001", "alice")]
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert claims(query) == []
    assert query("SELECT action FROM audit WHERE entity_ref = 'D001' ORDER BY id DESC LIMIT 1") == [("release",)]


async def test_release_key_gives_the_case_back(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert claims(query) == []


async def test_queue_filters_blocked_and_why(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(DataTable)
        assert [e.debtor_ref for e in screen.entries] == ["D001", "D006", "D002", "D007", "D004"]
        assert table.row_count == 5
        why = text_of(app, "#why")
        assert "promesse rompue à relancer" in why and "solde 4\u202f230 €" in why
        assert "provenance : votre portefeuille" in why  # D001 is alice's
        assert [e.origin for e in screen.entries] == ["portfolio", "portfolio", "portfolio", "pool", "pool"]
        table.move_cursor(row=3)
        await pilot.pause()
        assert "provenance : pool de l'équipe" in text_of(app, "#why")  # D007, assigned to nobody
        table.move_cursor(row=0)
        assert "Filtres d'affichage seulement" not in text_of(app, "#queue-filters")

        await pilot.press("b")  # show blocked debtors with their reasons
        await settle(pilot)
        blocked = [e for e in screen.entries if not e.callable]
        assert [e.debtor_ref for e in blocked] == ["D003"]
        assert "hors plage horaire locale" in blocked[0].explanations[0]
        table.move_cursor(row=screen.entries.index(blocked[0]))
        await pilot.pause()
        assert "Bloqué" in text_of(app, "#why")

        await pilot.press("s")  # professionals only
        await settle(pilot)
        assert [e.debtor_ref for e in screen.entries] == ["D001", "D003"]
        await pilot.press("s", "o")  # particuliers, outre-mer
        await settle(pilot)
        assert [e.debtor_ref for e in screen.entries] == ["D002"]
        await pilot.press("x", "m", "m", "m")  # 5 000 € and more
        await settle(pilot)
        assert [e.debtor_ref for e in screen.entries] == ["D006"]
        # A filter narrows the list only, and the screen says so: Entrée takes the queue's head.
        assert "Filtres d'affichage seulement" in text_of(app, "#queue-filters")
        assert "toute la file (filtres non appliqués)" in text_of(app, "#queue-status")

        await pilot.press("enter")  # takes the next case of the whole queue, not D006
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.entry.debtor_ref == "D001"


async def test_watcher_picks_up_another_sessions_claim(
    make_app: MakeApp, open_store: Any, settings: Any, frozen_now: Any, settle: Settle
) -> None:
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.work_queue import take_next

    app = make_app("alice", watch_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert len(screen.entries) == 5
        other = open_store()
        taken = take_next(other, require_agent(other, "camille"), now=frozen_now, settings=settings)
        assert taken is not None and taken.debtor_ref == "D007"
        for _ in range(40):
            await pilot.pause(0.05)
            await settle(pilot, rounds=1)
            if len(screen.entries) == 4:
                break
        assert [e.debtor_ref for e in screen.entries] == ["D001", "D006", "D002", "D004"]


async def test_help_palette_and_no_suspend(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)

        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Promesse de")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.pause(0.2)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, PromiseForm))
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("ctrl+z")  # no suspend to a shell
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CaseScreen)
        keys = {b.key for _, b in app._bindings} | {b.key for _, b in app.screen._bindings}
        assert "ctrl+z" not in keys


async def test_case_screen_usable_at_100_by_30(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_case(pilot, settle)
        bar = app.screen.query_one("#outcome-bar")
        header = app.screen.query_one("#case-header")
        assert bar.region.bottom <= 29 and bar.region.height >= 3
        assert header.region.y == 1 and header.region.height >= 3
        assert app.screen.query_one("#case-body").region.height >= 8
        await pilot.press("p")
        await settle(pilot)
        save = app.screen.query_one("#save")
        assert save.region.bottom <= 30  # the form fits: its buttons are on screen


async def test_lease_is_renewed_while_the_case_is_open(
    open_store: Any, settings: Any, frozen_now: Any, query: Query, settle: Settle
) -> None:
    from datetime import timedelta

    from recouvre_tui.services.agents import require_agent

    store = open_store()
    now = [frozen_now]
    app = RecouvreApp(
        store,
        require_agent(store, "alice"),
        settings=settings,
        clock=lambda: now[0],
        renew_seconds=0.05,
        cursor_blink=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        assert query("SELECT expires_at FROM claims") == [("2026-11-23 09:15:00",)]
        now[0] = frozen_now + timedelta(minutes=10)
        for _ in range(20):
            await pilot.pause(0.05)
            if query("SELECT expires_at FROM claims") == [("2026-11-23 09:25:00",)]:
                break
        assert query("SELECT expires_at FROM claims") == [("2026-11-23 09:25:00",)]


async def test_mouse_buttons_and_outcome_keys(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#welcome-buttons ActionButton")  # « Dossier suivant (Entrée) »
        assert await until(pilot, lambda: case_shown(app))
        await pilot.click("#outcome-keys", offset=(12, 0))  # on « [1] pas de réponse »
        await pilot.pause()
        assert app.screen.disposition == "no_answer"
        await pilot.press("enter")
        await next_case(pilot, "D001")
        assert [e[1] for e in tui_events(query)] == ["no_answer"]


async def test_idle_lock_gives_the_case_back(make_app: MakeApp, query: Query, settle: Settle, settings) -> None:
    from dataclasses import replace

    from recouvre_tui.tui.lock.screen import LockScreen

    app = make_app("alice")
    app.settings = replace(settings, idle_lock_minutes=10)
    ticks = [0.0]
    app.idle_clock = lambda: ticks[0]
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        assert claims(query) == [("D001", "alice")]
        ticks[0] = 9 * 60.0  # 9 minutes without a key: nothing happens
        app.check_idle_lock()
        await settle(pilot)
        assert not isinstance(app.screen, LockScreen) and claims(query) == [("D001", "alice")]
        ticks[0] = 10 * 60.0 + 1
        app.check_idle_lock()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert claims(query) == []
        assert query("SELECT action, entity_ref FROM audit WHERE action = 'idle_lock'") == [("idle_lock", "D001")]
        lock_text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Le dossier D001 a été rendu à la file." in lock_text
        assert "aucune activité depuis 10 min." in lock_text
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, LockScreen)


async def test_no_input_blinks_its_cursor(make_app: MakeApp, settle: Settle) -> None:
    """A blinking cursor writes to the terminal twice a second: sessions run without it, in
    their forms and in the command palette alike (an idle session must write nothing)."""
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette_input = app.screen.query_one(Input)
        assert palette_input.has_focus
        assert palette_input.cursor_blink is False


async def test_on_a_sunday_the_agent_is_told_when_calls_resume(
    open_store: Callable[[], Any], settings: Any, query: Query, settle: Settle
) -> None:
    """Entrée on Sunday 22/11 at 11:00 in Paris: no case, and not the generic « file vide »: every
    area is closed, and calls resume on Monday at 09:00 at La Réunion (06:00 in Paris, UTC+4 in
    winter against UTC+1), at 09:00 in metropolitan France."""
    from datetime import UTC, datetime

    from recouvre_tui.services.agents import require_agent

    store = open_store()
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    app = RecouvreApp(store, require_agent(store, "alice"), settings=settings, clock=lambda: sunday, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert await until(pilot, lambda: any(n.title == "Hors des plages d'appel" for n in app._notifications))
        assert [str(n.message) for n in app._notifications] == [
            "Aucun appel possible maintenant : toutes les zones sont hors des plages d'appel ; reprise lundi "
            "23/11 à 06:00 (heure de Paris) à La Réunion, à 09:00 en France métropolitaine."
        ]
        assert isinstance(app.screen, WelcomeScreen) and app.held_ref is None
    assert claims(query) == []
