"""Hostile data in every field, every screen: shown as literal text, never run, never sent raw.

The conftest portfolio with every text field replaced by markup that, parsed, would be a
clickable `app.screenshot(…)` (it writes an SVG file where the session runs): debtor names,
references, invoice and promise references, notes, agent names and team, sales rep, e-mail,
second phone, hold and cancel reasons (audit details), the imported file's name. A second
debtor and an agent carry terminal control characters written straight into the database
(old data, from before imports refused them).

On each screen and dialog the test renders the whole screen and checks that
- the literal `[@click=app.screenshot` text is on screen (markup shown, not parsed);
- no segment carries a click action other than our own legend's, nor a link;
- no ESC, BEL, C1 or bidi control reaches the terminal;
and at the end that no file was written in the session's folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Size
from textual.widgets import Select

from conftest import AGENTS, DEBTORS, EVENTS, INVOICES, NOW, PROMISES
from recouvre_tui.domain.config import Settings
from recouvre_tui.domain.text import find_control_chars
from recouvre_tui.services.agents import add_agent, require_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.lead import set_hold
from recouvre_tui.services.promise_tracking import cancel_promise
from recouvre_tui.services.refresh import refresh
from recouvre_tui.store.db import Store, init_db, open_db
from recouvre_tui.tui.action_guard import MARKUP_ACTIONS, markup_action_allowed
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.case.screen import CaseScreen
from recouvre_tui.tui.lead.audit import AuditScreen
from recouvre_tui.tui.lead.board import BoardScreen
from recouvre_tui.tui.lead.dialogs import AgentPicker, FormalNoticeForm, OverridePicker, ReasonForm, ReviewFilterForm
from recouvre_tui.tui.lead.kpis import KpiScreen
from recouvre_tui.tui.lead.review import ReviewScreen
from recouvre_tui.tui.lead.search import DebtorScreen, SearchScreen
from recouvre_tui.tui.lead.wear import WearScreen
from recouvre_tui.tui.lock.screen import LockScreen
from recouvre_tui.tui.promises.detail import PromiseDetailScreen
from recouvre_tui.tui.promises.screen import PromisesScreen
from recouvre_tui.tui.queue.screen import QueueScreen

SIZE = (160, 48)
LITERAL = "[@click=app.screenshot"
NAME = "[@click=app.screenshot('n.svg')]Dupont[/]"  # every free text (names, notes, reasons…)
# A backslash before the bracket (Rich reads `\\[` as a backslash, then a tag) and one at the
# end (it would escape the closing tag that follows the name in our markup).
BACKSLASHED = "\\" + NAME + "\\"
REF = "[@click=app.screenshot('r.svg')]D1"  # a debtor reference (64 characters at most)
INVOICE = "[@click=app.screenshot('i.svg')]F1"
PROMISE = "[@click=app.screenshot('p.svg')]P1"
PHONE2 = "[@click=app.screenshot('t.svg')]06"
FILE = "[@click=app.screenshot('f.svg')]deb.csv"
CONTROLS = "Evil\x1b]0;pwned\x07\x1b[2J\u202eEF\x9b31m\u2066"

Settle = Callable[..., Awaitable[None]]


def _hostile(text: str) -> str:
    for old, new in (
        ("P-D001-1", PROMISE),
        ("D001", REF),
        ("SARL Dupont Frères", NAME),
        ("Paul Blanc", BACKSLASHED),  # the worn debtor (wear report), first in alice's queue
        ("Claire Martin", NAME),
        ("Paul Durand", NAME),  # sales rep
        ("compta@dupont.example", NAME),  # passes the e-mail check: something@something.something
        ("06 12 34 56 78", PHONE2),
        ("FA-1001", INVOICE),
        ("FF-6001", INVOICE),
        ("04 91 00 00 00;;;;alice", f"04 91 00 00 00;{PHONE2};{NAME};{NAME};alice"),
        ("relance 2", NAME),  # a note
    ):
        text = text.replace(old, new)
    return text


def build_hostile_db(path: Path, settings: Settings) -> None:
    store = init_db(path)
    try:
        for login, _name, role in AGENTS:
            name = f"{login} {NAME}"
            add_agent(store, login=login, name=name, role=role, team=NAME, ssh_key_file=None, actor="test", now=NOW)
        for kind, text, name in (
            ("debtors", DEBTORS, FILE),
            ("invoices", INVOICES, "invoices.csv"),
            ("promises", PROMISES, "promises.csv"),
            ("events", EVENTS, "events.csv"),
        ):
            import_file(store, kind, name, now=NOW, actor="test", settings=settings, data=_hostile(text).encode())
        lea = require_agent(store, "lea")
        set_hold(store, lea, "D007", reason=NAME, now=NOW)
        cancel_promise(store, lea, PROMISE, reason=NAME, now=NOW, settings=settings)
        refresh(store, now=NOW, settings=settings, actor="test")
        # Old data, from before imports refused control characters.
        with store.write() as conn:
            conn.execute("UPDATE debtors SET name = ?, sales_rep = ? WHERE ref = 'D002'", (CONTROLS, CONTROLS))
            conn.execute("UPDATE agents SET name = ? WHERE login = 'bruno'", (CONTROLS,))
            conn.execute("UPDATE events SET note = ?", (CONTROLS + "\n" + NAME,))
    finally:
        store.close()


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    build_hostile_db(path, Settings())
    return path


@pytest.fixture
def session_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The session's working folder: a parsed `screenshot('x.svg')` would write there."""
    folder = tmp_path / "session"
    folder.mkdir()
    monkeypatch.chdir(folder)
    yield folder


@pytest.fixture
def hostile_app(tmp_path: Path, hostile_template: Path) -> Iterator[Callable[[str], RecouvreApp]]:
    path = tmp_path / "h.db"
    shutil.copyfile(hostile_template, path)
    stores: list[Store] = []

    def make(login: str) -> RecouvreApp:
        store = open_db(path)
        stores.append(store)
        agent = require_agent(store, login)
        return RecouvreApp(store, agent, settings=Settings(), clock=lambda: NOW, cursor_blink=False)

    yield make
    for s in stores:
        s.close()


def check_screen(app: RecouvreApp, where: str, *, literal: bool = True) -> str:
    """The whole screen as the terminal gets it: literal markup, no action, no control."""
    strips = app.screen._compositor.render_strips(Size(*SIZE))
    text = "\n".join("".join(seg.text for seg in strip) for strip in strips)
    for strip in strips:
        for seg in strip:
            style = seg.style
            if style is None:
                continue
            assert not style.link, f"{where}: link {style.link!r}"
            for key, action in style.meta.items():
                if key.startswith("@"):
                    assert markup_action_allowed(action), f"{where}: action {action!r} on {seg.text!r}"
    bad = [text[max(0, i - 30) : i + 5] for i, _ch in find_control_chars(text, keep_newlines=True)]
    assert not bad, f"{where}: control characters on screen: {bad!r}"
    if literal:
        assert LITERAL in text, f"{where}: the hostile markup is not shown literally"
    return text


async def until(pilot: Any, settle: Settle, predicate: Callable[[], bool], tries: int = 40) -> None:
    for _ in range(tries):
        if predicate():
            return
        await settle(pilot, 1)
        await pilot.pause(0.02)
    assert predicate()


async def test_agent_screens_show_hostile_data_literally(
    hostile_app: Callable[[str], RecouvreApp], session_dir: Path, settle: Settle
) -> None:
    app = hostile_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        check_screen(app, "accueil")  # alice's own name in the bar

        await pilot.press("f")
        await until(pilot, settle, lambda: isinstance(app.screen, QueueScreen) and bool(app.screen.entries))
        text = check_screen(app, "file d'attente")
        assert "Evil" in text and "\ufffd" in text  # the control characters shown as « � »
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("enter")  # D006: name, invoice, notes, phone, e-mail, sales rep are hostile
        await until(pilot, settle, lambda: isinstance(app.screen, CaseScreen) and app.screen.case is not None)
        assert app.screen.case.ref == "D006"
        text = check_screen(app, "dossier")
        assert NAME in text  # not a click: the characters
        for shown in ("[@click=app.screenshot('i", "Evil\ufffd"):
            assert shown in text  # the invoice reference (cut by its column), the note
        for key, what in (("p", "promesse"), ("r", "rappel"), ("n", "note"), ("m", "motif")):
            await pilot.press(key)
            await settle(pilot)
            check_screen(app, f"formulaire {what}")
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("l")  # « Dossier … rendu à la file. »: a toast quoting the reference
        await until(pilot, settle, lambda: not isinstance(app.screen, CaseScreen))
        check_screen(app, "toast de libération")

        await pilot.press("o")
        await until(pilot, settle, lambda: isinstance(app.screen, PromisesScreen) and app.screen.board is not None)
        await pilot.press("5")  # « annulées »: the hostile promise, cancelled with a hostile reason
        await until(pilot, settle, lambda: bool(app.screen.rows))
        check_screen(app, "promesses")
        await pilot.press("enter")
        await until(pilot, settle, lambda: isinstance(app.screen, PromiseDetailScreen))
        text = check_screen(app, "détail de promesse")
        assert "motif d'annulation" in text
        await pilot.press("c")  # « La promesse … est déjà annulée. »: a toast quoting the reference
        await settle(pilot)
        check_screen(app, "toast promesse déjà annulée")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        app._show_lock(REF)
        await until(pilot, settle, lambda: isinstance(app.screen, LockScreen))
        await settle(pilot)
        assert f"Le dossier {REF}" in check_screen(app, "écran verrouillé")
    assert list(session_dir.iterdir()) == []


async def test_lead_screens_show_hostile_data_literally(
    hostile_app: Callable[[str], RecouvreApp], session_dir: Path, settle: Settle
) -> None:
    app = hostile_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        check_screen(app, "accueil responsable")

        await pilot.press("b")
        await until(pilot, settle, lambda: isinstance(app.screen, BoardScreen) and bool(app.screen.rows))
        text = check_screen(app, "tableau de l'équipe")
        assert "\ufffd" in text  # bruno's name, control characters shown as « � »
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("v")
        await until(pilot, settle, lambda: isinstance(app.screen, ReviewScreen) and bool(app.screen.entries))
        check_screen(app, "revue des files")
        await pilot.press("space", "h")  # hold the first line: the reason form names it
        await until(pilot, settle, lambda: isinstance(app.screen, ReasonForm))
        check_screen(app, "motif de mise en attente")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f")  # the filters: agents by name
        await until(pilot, settle, lambda: isinstance(app.screen, ReviewFilterForm))
        app.screen.query_one("#f-agent", Select).expanded = True
        await settle(pilot)
        check_screen(app, "filtres de la revue (liste des agents)")
        await pilot.press("escape", "escape")
        await until(pilot, settle, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("a")
        await until(pilot, settle, lambda: isinstance(app.screen, AgentPicker) and bool(app.screen.targets))
        check_screen(app, "choix de l'agent")
        await pilot.press("escape", "escape")
        await settle(pilot)

        await pilot.press("u")
        await until(pilot, settle, lambda: isinstance(app.screen, WearScreen) and app.screen.report is not None)
        check_screen(app, "usure")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("k")
        await until(pilot, settle, lambda: isinstance(app.screen, KpiScreen))
        await settle(pilot)
        check_screen(app, "indicateurs")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("j")
        await until(pilot, settle, lambda: isinstance(app.screen, AuditScreen) and bool(app.screen.entries))
        text = check_screen(app, "journal d'audit")
        assert "débiteurs [@click=" in text  # the imported file's name (cut by its column)
        assert "reason=[@click=app.screenshot('n.svg')]Dupont[/]" in text  # a hold reason
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("slash")
        await until(pilot, settle, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"dupont")
        await until(pilot, settle, lambda: bool(app.screen.hits))
        check_screen(app, "recherche")
        await pilot.press("down", "enter")
        await until(pilot, settle, lambda: isinstance(app.screen, DebtorScreen) and app.screen.case is not None)
        check_screen(app, "fiche débiteur")
        for key, dialog in (("t", OverridePicker), ("m", FormalNoticeForm), ("h", ReasonForm)):
            await pilot.press(key)
            await until(pilot, settle, lambda d=dialog: isinstance(app.screen, d))
            check_screen(app, f"dialogue {dialog.__name__}")
            await pilot.press("escape")
            await settle(pilot)
    assert list(session_dir.iterdir()) == []


async def test_click_on_hostile_markup_cannot_write_a_file(
    hostile_app: Callable[[str], RecouvreApp], session_dir: Path, settle: Settle
) -> None:
    """Even markup that slipped through is dead: the click path refuses the action, and
    `app.screenshot` is refused from any path (binding, run_action)."""
    from rich.style import Style
    from textual import events

    app = hostile_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        for action in (
            "app.screenshot('x.svg')",
            f"app.screenshot('x.svg', '{session_dir}')",
            ("app.screenshot", ("y.svg",)),
            "app.simulate_key('ctrl+q')",
            "app.push_screen('x')",
        ):
            event = events.Click(screen, 1, 1, 0, 0, 1, False, False, False, style=Style(meta={"@click": action}))
            handled = await app._broker_event("click", event, default_namespace=screen)
            assert handled and event._stop_propagation
        assert not await app.run_action("app.screenshot('z.svg')")
        assert not await app.run_action(f"screenshot('w.svg', '{session_dir}')")
        await app.run_action("app.simulate_key('ctrl+q')")
        await settle(pilot)
        assert app.is_running
        # Our own legend still works through the same path.
        assert ("screen", "lead") in MARKUP_ACTIONS
    assert list(session_dir.iterdir()) == []
    assert not any(name.endswith(".svg") for name in os.listdir(session_dir))


async def test_pasted_controls_never_enter_a_form_nor_the_note(
    hostile_app: Callable[[str], RecouvreApp], session_dir: Path, settle: Settle
) -> None:
    from textual import events
    from textual.widgets import TextArea

    app = hostile_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, settle, lambda: isinstance(app.screen, CaseScreen) and app.screen.case is not None)
        case = app.screen
        await pilot.press("n")
        await settle(pilot)
        field = app.screen.query_one("#note", TextArea)
        field.post_message(events.Paste("a rappeler\x1b]0;pwned\x07\x1b[2J\u202e demain"))
        await settle(pilot)
        assert field.text == "a rappeler]0;pwned[2J demain"
        check_screen(app, "note collée", literal=False)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert case.note == "a rappeler]0;pwned[2J demain"
