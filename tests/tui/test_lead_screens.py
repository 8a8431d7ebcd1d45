"""Headless journeys through the team lead's screens, on the frozen clock of conftest.py
(Monday 23/11/2026 10:00 Paris; the last complete week is 2026-W47, 16–22 November).

Portfolio (conftest): alice has D001 (B2B), D002 (B2C, La Réunion), D003 (B2B, Guadeloupe),
D006 (B2C); bruno D005; the pool D004, D007. `lea` is the lead.

Wear of W47, by hand, with the three SMS added by `add_d002_sms` (D002 reminded on 2, 5 and
8 November and never answering):
- active (a reminder dated 26/10 … 22/11): D001 (letter 03/11, call 12/11), D002, D006 → 3;
- worn (open balance, ≥ 3 reminders since the last response, the first on or before 08/11):
  D006 (calls 20/10, 27/10, 03/11, 10/11) and D002 (SMS 02/11, 05/11, 08/11) → 2; D001 has
  2 reminders after its promise of 02/11;
- newly worn: D002 (in W46 its streak started on 02/11, after 01/11); D006 was already worn;
- unreminded: D003, D004, D005, D007 → 4;
- rate 2/3 = 66,7 %; W46: active D001, D002, D006, worn D006 → 33,3 %: « ▲ 33,3 pts ».
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from recouvre_tui.services.importing import import_file
from recouvre_tui.services.lead import PermissionDenied
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.lead.board import BoardScreen
from recouvre_tui.tui.lead.dialogs import (
    AgentPicker,
    ConfirmDialog,
    FormalNoticeForm,
    GuardDialog,
    OverridePicker,
    ReasonForm,
    ReviewFilterForm,
)
from recouvre_tui.tui.lead.kpis import KpiScreen
from recouvre_tui.tui.lead.review import ReviewScreen
from recouvre_tui.tui.lead.search import DebtorScreen, SearchScreen
from recouvre_tui.tui.lead.wear import WearScreen
from recouvre_tui.tui.welcome.screen import WelcomeScreen

SIZE = (160, 48)
MakeApp = Callable[..., RecouvreApp]
Query = Callable[..., list[tuple[Any, ...]]]
Settle = Callable[..., Awaitable[None]]

D002_SMS = """debtor_ref;at;channel;direction;outcome;agent;note
D002;2026-11-02 10:00;sms;out;;;relance SMS 1
D002;2026-11-05 10:00;sms;out;;;relance SMS 2
D002;2026-11-08 10:00;sms;out;;;relance SMS 3
"""


def add_d002_sms(open_store: Callable[[], Any], settings: Any, now: Any) -> None:
    store = open_store()
    import_file(store, "events", "d002.csv", now=now, actor="test", settings=settings, data=D002_SMS.encode())


def text_of(app: RecouvreApp, selector: str) -> str:
    static = app.screen.query_one(selector, Static)
    content = static.content
    if isinstance(content, str | Content):
        return str(static.render())
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def column(table: DataTable[Any], key: str) -> list[str]:
    return [str(table.get_cell(row, key)) for row in table.rows]


async def until(pilot: Any, predicate: Callable[[], bool], timeout: float = 8.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.gather(*(w.wait() for w in list(pilot.app.workers)), return_exceptions=True)
        await pilot.pause(0.02)
    return True


def board_row(screen: BoardScreen, login: str) -> Any:
    return next(r for r in screen.rows if r.login == login)


# --- roles -----------------------------------------------------------------------------------


async def test_agent_session_cannot_open_lead_screens(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.screen.query("#lead-menu")
        for key in ("b", "v", "u", "k", "j", "slash"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen), key
        app.action_lead("wear")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert not footer_keys & {"b", "v", "u", "k", "j", "slash"}
        # Even a screen pushed by hand gets nothing: the services refuse.
        try:
            app.backend.team_board()
        except PermissionDenied as exc:
            assert "responsable" in str(exc)
        else:
            raise AssertionError("an agent read the team board")
        try:
            app.backend.wear_report("2026-W47")
        except PermissionDenied:
            pass
        else:
            raise AssertionError("an agent read the wear report")


# --- queue review: bulk reassignment of a filtered set -------------------------------------------


async def test_reassign_a_filtered_set_to_an_agent(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.matching == 7

        await pilot.press("f")  # the filter form: alice's portfolio, particuliers
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ReviewFilterForm)
        form.query_one("#f-agent", Select).value = "alice"
        form.query_one("#f-segment", Select).value = "B2C"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is review
        assert await until(pilot, lambda: review.matching == 2)
        table = review.query_one("#review-table", DataTable)
        assert sorted(str(k.value) for k in table.rows) == ["D002", "D006"]
        assert "agent Alice Martin (alice) · B2C" in text_of(app, "#review-filters")

        await pilot.press("t", "a")  # « tous ceux du filtre », then reassign
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, AgentPicker)
        assert await until(pilot, lambda: len(picker.targets) == 5)
        assert [t.login for t in picker.targets] == ["alice", "bruno", "camille", "denis", None]
        await pilot.press("down", "enter")  # bruno
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        text = str(confirm.query_one("#confirm-text", Static).render())
        assert "Réaffecter 2 débiteurs à Bruno Leroy (bruno) ?" in text
        assert query("SELECT agent FROM debtors WHERE ref IN ('D002', 'D006')") == [("alice",), ("alice",)]

        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is review
        assert query("SELECT ref, agent FROM debtors WHERE agent IS NOT NULL ORDER BY ref") == [
            ("D001", "alice"),
            ("D002", "bruno"),
            ("D003", "alice"),
            ("D005", "bruno"),
            ("D006", "bruno"),
        ]
        audit = query("SELECT actor, details FROM audit WHERE action = 'reassign_bulk'")
        assert len(audit) == 1 and audit[0][0] == "lea" and '"count": 2' in audit[0][1]
        assert await until(pilot, lambda: review.matching == 0)  # alice has no B2C left
        assert not review.all_of_filter


async def test_review_hold_selected_rows_and_empty_filter_refused(
    make_app: MakeApp, query: Query, settle: Settle
) -> None:
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await pilot.press("t", "a")  # no filter: a bulk reassignment of everything is refused
        await settle(pilot)
        assert app.screen is review

        await pilot.press("t")  # back to line selection
        first, second = review.entries[0].debtor_ref, review.entries[1].debtor_ref
        await pilot.press("space", "space", "h")
        await settle(pilot)
        assert set(review.selected) == {first, second}
        form = app.screen
        assert isinstance(form, ReasonForm)
        await pilot.press("enter")  # a reason is required: nothing saved
        await settle(pilot)
        assert app.screen is form
        await pilot.press(*"adresse à vérifier", "enter")
        await settle(pilot)
        guard = app.screen
        assert isinstance(guard, GuardDialog)  # what will change, « Annuler » focused
        assert first in text_of(app, "#guard-text") and "adresse à vérifier" in text_of(app, "#guard-text")
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert app.screen is review
        rows = query("SELECT ref, on_hold, hold_reason FROM debtors WHERE on_hold = 1 ORDER BY ref")
        assert rows == sorted([(first, 1, "adresse à vérifier"), (second, 1, "adresse à vérifier")])
        assert len(query("SELECT 1 FROM audit WHERE action = 'hold' AND actor = 'lea'")) == 2
        assert not review.selected


# --- team board: live -----------------------------------------------------------------------


async def test_board_follows_another_session(make_app: MakeApp, settle: Settle) -> None:
    lead = make_app("lea", watch_seconds=0.05)
    agent = make_app("alice")
    async with lead.run_test(size=SIZE) as lp, agent.run_test(size=SIZE) as ap:
        await settle(lp)
        await lp.press("b")
        await settle(lp)
        board = lead.screen
        assert isinstance(board, BoardScreen)
        # alice's app is open: its heartbeat says so.
        assert board_row(board, "alice").state == "available"
        assert board_row(board, "alice").calls == 0
        loads = {q.agent: q.debtors for q in board.loads}
        assert loads == {"alice": 4, "bruno": 1, "camille": 0, "denis": 0, None: 2}

        await settle(ap)
        await ap.press("enter")  # alice takes D001 in her own session
        assert await until(lp, lambda: board_row(board, "alice").state == "on_call")
        assert board_row(board, "alice").case_ref == "D001"
        table = board.query_one("#board-table", DataTable)
        assert "en appel" in str(table.get_cell("alice", "state"))

        await settle(ap)
        await ap.press("1", "enter")  # no answer: recorded, the next case opens
        assert await until(lp, lambda: board_row(board, "alice").calls == 1)
        row = board_row(board, "alice")
        assert row.last_outcome == "no_answer" and row.last_outcome_ref == "D001"
        assert "pas de réponse" in str(table.get_cell("alice", "last"))
        assert str(table.get_cell("alice", "calls")) == "1"
        assert "appels 1" in text_of(lead, "#board-totals")


# --- wear report ------------------------------------------------------------------------------


async def test_wear_screen_headline_and_actions(
    make_app: MakeApp, open_store: Any, settings: Any, frozen_now: Any, query: Query, settle: Settle
) -> None:
    add_d002_sms(open_store, settings, frozen_now)
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, WearScreen)
        assert await until(pilot, lambda: screen.report is not None and screen.trend is not None)
        await settle(pilot)
        assert screen.week == "2026-W47"
        head = text_of(app, "#wear-headline")
        assert "taux d'usure des relances 66,7\u00a0% (▲ 33,3\u00a0pts" in head
        assert "2 débiteurs usés dont 1 nouveau · 3 débiteurs actifs · 4 sans relance" in head
        assert "du 16/11/2026 au 22/11/2026" in text_of(app, "#wear-head")
        assert screen.trend is not None and len(screen.trend) == 12
        assert screen.trend[-1] == ("2026-W47", 2 / 3)

        table = screen.query_one("#wear-table", DataTable)
        assert [str(k.value) for k in table.rows] == ["D006", "D002"]  # longest streak first
        assert column(table, "new") == [" ", "•"]
        assert "changer de canal, changer d'interlocuteur, changer de créneau horaire" in text_of(app, "#wear-detail")
        assert "par agent" not in text_of(app, "#wear-by-agent")  # a table, not a title
        assert "alice" in text_of(app, "#wear-by-agent")

        await pilot.press("t", "3")  # new approach, firm tone
        await settle(pilot)
        await pilot.press("m")
        assert await until(pilot, lambda: isinstance(app.screen, FormalNoticeForm))
        await pilot.press("enter")  # mise en demeure sent today, then confirmed
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        await pilot.press("h", *"nouvelle approche", "enter")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert query("SELECT stage_override, tone_override, on_hold FROM debtors WHERE ref = 'D006'") == [
            ("worn", "ferme", 1)
        ]
        notices = query(
            "SELECT e.channel, e.direction, e.outcome, e.agent FROM events e JOIN debtors d ON d.id = e.debtor_id "
            "WHERE d.ref = 'D006' AND e.source = 'lead'"
        )
        assert notices == [("letter", "out", "formal_notice", "lea")]
        actions = query("SELECT action FROM audit WHERE actor = 'lea' ORDER BY id")
        assert [a for (a,) in actions if not a.startswith("session_")] == ["override", "formal_notice", "hold"]
        assert str(table.get_cell("D006", "follow")) == "en attente"

        await pilot.press("t")  # and back to the automatic script and tone
        await settle(pilot)
        assert isinstance(app.screen, OverridePicker)
        await pilot.press("0")
        await settle(pilot)
        assert query("SELECT stage_override, tone_override FROM debtors WHERE ref = 'D006'") == [(None, None)]

        await pilot.press("left")  # the previous week
        assert await until(pilot, lambda: screen.week == "2026-W46" and screen.report is not None)
        assert "33,3\u00a0%" in text_of(app, "#wear-headline")
        await pilot.press("right", "right")  # back to W47; W48 is not over
        assert await until(pilot, lambda: screen.week == "2026-W47" and screen.report is not None)


# --- search, KPIs, audit -----------------------------------------------------------------------


async def test_search_opens_the_read_only_case(make_app: MakeApp, query: Query, settle: Settle) -> None:
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"dupont")
        assert await until(pilot, lambda: [h.debtor_ref for h in screen.hits] == ["D001"])
        results = screen.query_one("#search-results", DataTable)
        assert "SARL Dupont Frères" in column(results, "name")
        assert column(results, "agent") == ["alice"]

        await pilot.press("ctrl+u")  # a phone number, spelt another way
        await pilot.press(*"0240112233")
        assert await until(pilot, lambda: [h.debtor_ref for h in screen.hits] == ["D001"])

        await pilot.press("down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, DebtorScreen)
        assert await until(pilot, lambda: detail.case is not None)
        assert "SARL Dupont Frères" in text_of(app, "#debtor-header")
        assert "FA-1001" in text_of(app, "#debtor-invoices")
        assert "lecture seule" in text_of(app, "#debtor-lead")
        assert query("SELECT count(*) FROM claims") == [(0,)]  # reading claims nothing
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


def _notices(query: Query, ref: str) -> list[tuple[Any, ...]]:
    return query(
        "SELECT e.note FROM events e JOIN debtors d ON d.id = e.debtor_id "
        "WHERE d.ref = ? AND e.outcome = 'formal_notice' AND e.source = 'lead' ORDER BY e.id",
        ref,
    )


async def test_unique_search_hit_is_selected_not_opened(make_app: MakeApp, query: Query, settle: Settle) -> None:
    """Keys typed for the search box never act on a card: a unique hit waits for Entrée."""
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"dupont")
        assert await until(pilot, lambda: [h.debtor_ref for h in screen.hits] == ["D001"])
        await pilot.press("enter", "m")
        await settle(pilot)
        assert app.screen is screen  # selected, not opened: « m » went back to the search box
        assert screen.query_one("#search-input", Input).value == "dupontm"
        await pilot.press("m", "enter", "m", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert _notices(query, "D001") == []
        await pilot.press("ctrl+u", *"dupont")
        assert await until(pilot, lambda: [h.debtor_ref for h in screen.hits] == ["D001"])
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#search-results", DataTable).has_focus
        await pilot.press("enter")  # the deliberate second Entrée opens it
        await settle(pilot)
        assert isinstance(app.screen, DebtorScreen) and app.screen.ref == "D001"


async def test_formal_notice_summary_guard_and_second_within_30_days(
    make_app: MakeApp, query: Query, settle: Settle
) -> None:
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(DebtorScreen("D001"))
        card = app.screen
        assert await until(pilot, lambda: isinstance(card, DebtorScreen) and card.case is not None)
        await pilot.press("m")
        assert await until(pilot, lambda: isinstance(app.screen, FormalNoticeForm))
        summary = text_of(app, "#notice-summary")
        assert "SARL Dupont Frères (D001, B2B)" in summary
        assert "FA-1001" in summary and "Adresse" in summary
        await pilot.press("tab", *"1A 234", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GuardDialog)
        assert "n° 1A 234" in text_of(app, "#guard-text")
        await pilot.press("enter")  # the default button is « Annuler »
        await settle(pilot)
        assert app.screen is card and _notices(query, "D001") == []

        await pilot.press("m")
        assert await until(pilot, lambda: isinstance(app.screen, FormalNoticeForm))
        await pilot.press("tab", *"1A 234", "enter", "tab", "enter")
        assert await until(pilot, lambda: _notices(query, "D001") == [("LRAR n° 1A 234",)])

        await pilot.press("m")  # a second one the same day: warned, needs a second confirmation
        assert await until(pilot, lambda: isinstance(app.screen, FormalNoticeForm))
        assert "moins de 30 jours" in text_of(app, "#notice-summary")
        await pilot.press("enter", "tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GuardDialog)
        assert "Une mise en demeure a déjà été enregistrée" in text_of(app, "#guard-text")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is card and len(_notices(query, "D001")) == 1
        await pilot.press("m")
        assert await until(pilot, lambda: isinstance(app.screen, FormalNoticeForm))
        await pilot.press("enter", "tab", "enter", "tab", "enter")
        assert await until(pilot, lambda: len(_notices(query, "D001")) == 2)


async def test_lead_welcome_kpis_export_and_audit_trail(make_app: MakeApp, tmp_path: Path, settle: Settle) -> None:
    app = make_app("lea")
    app.backend.export_dir = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        menu = text_of(app, "#lead-menu")
        for words in ("tableau d'équipe", "revue des files", "usure des relances", "indicateurs", "journal d'audit"):
            assert words in menu
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)

        await pilot.press("k")
        await settle(pilot)
        kpis = app.screen
        assert isinstance(kpis, KpiScreen)
        assert kpis.week == "2026-W47"
        table = kpis.query_one("#kpis-table", DataTable)
        assert [str(k.value) for k in table.rows] == ["alice", "bruno", "camille", "denis", "__team__"]
        await pilot.press("f1")  # each KPI defined in one line, first in this screen's help
        await settle(pilot)
        help_text = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert help_text.index("Indicateurs — définitions") < help_text.index("Partout")
        assert "Taux promesse" in help_text
        assert "contacts finis par une promesse / contacts, entrants inclus" in help_text
        for name in ("Appels/contact", "Taux tenu", "Encaissé", "Taux contact"):
            assert name in help_text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is kpis
        await pilot.press("x")  # « Exporter » : .xlsx, CSV, or either by e-mail
        await settle(pilot)
        await pilot.press("down", "enter")  # CSV for French Excel
        await settle(pilot)
        assert await until(pilot, lambda: any((tmp_path / "lea").glob("indicateurs-*.csv")))
        [csv_file] = (tmp_path / "lea").glob("indicateurs-*.csv")
        assert csv_file.read_bytes().decode("utf-8").startswith("\ufeffSemaine;Agent;Nom;Appels;Contacts;")
        assert csv_file.stat().st_mode & 0o777 == 0o600
        await pilot.press("x", "enter")  # .xlsx
        await settle(pilot)
        assert await until(pilot, lambda: any((tmp_path / "lea").glob("indicateurs-*.xlsx")))
        await pilot.press("x", "down", "down", "enter")  # by e-mail: lea has no address yet
        await settle(pilot)
        assert await until(
            pilot, lambda: any("aucune adresse e-mail pour « lea »" in str(n.message) for n in app._notifications)
        )
        await pilot.press("left")
        await settle(pilot)
        assert kpis.week == "2026-W46"

        await pilot.press("escape", "j")
        await settle(pilot)
        audit = app.screen
        table = audit.query_one("#audit-table", DataTable)
        actions = column(table, "action")
        assert actions and "import" in actions
        # The detail panel shows the highlighted (newest) entry: the lead's own session start.
        assert actions[0] == "début de session"
        assert "session_start" in text_of(app, "#audit-detail") or "début de session" in text_of(app, "#audit-detail")


# --- snapshots (160×48, frozen clock) -----------------------------------------------------------


def test_wear_snapshot(
    snap_compare: Any, make_app: MakeApp, open_store: Any, settings: Any, frozen_now: Any, settle: Settle
) -> None:
    add_d002_sms(open_store, settings, frozen_now)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("u")
        await until(pilot, lambda: getattr(pilot.app.screen, "trend", None) is not None)
        await settle(pilot)

    assert snap_compare(make_app("lea"), terminal_size=SIZE, run_before=run_before)


def test_board_snapshot(
    snap_compare: Any, make_app: MakeApp, open_store: Any, settings: Any, frozen_now: Any, settle: Settle
) -> None:
    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.outcome import Outcome, record_outcome
    from recouvre_tui.services.work_queue import take_next

    NOW = frozen_now
    store = open_store()
    alice, camille = require_agent(store, "alice"), require_agent(store, "camille")
    take_next(store, alice, now=NOW, settings=settings)
    record_outcome(store, alice, Outcome(debtor_ref="D001", disposition="no_answer"), now=NOW, settings=settings)
    take_next(store, camille, now=NOW, settings=settings)  # camille is on a call (D007)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(make_app("lea"), terminal_size=SIZE, run_before=run_before)
