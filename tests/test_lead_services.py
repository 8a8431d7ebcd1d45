"""The lead's console services: assignment (one, many, by filter), hold, do-not-call, disputes,
overrides, mise en demeure, team board, queue loads, queue review, sessions, audit pages.
Every write is audited with the actor and the time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lead_helpers import NOW, SETTINGS, LeadEnv, make_lead_env
from recouvre_tui.domain.events import is_formal_notice
from recouvre_tui.services import lead
from recouvre_tui.services.lead import DebtorFilter, LeadError
from recouvre_tui.services.sessions import SessionError, end_session, heartbeat
from recouvre_tui.services.work_queue import list_queue, take_next

NOW_DB = "2026-11-17 10:00:00"


@pytest.fixture
def env(tmp_path: Path) -> LeadEnv:
    return make_lead_env(tmp_path)


def agents_of(env: LeadEnv) -> dict[str, str | None]:
    return dict(env.rows("SELECT ref, agent FROM debtors ORDER BY ref"))


# --- assign ---------------------------------------------------------------------------------------


def test_assign_moves_debtors_and_audits_each(env: LeadEnv) -> None:
    result = lead.assign(env.store, env.lea, ["B1", "P1", "A1"], to="alice", now=NOW)
    assert result.changed == ["B1", "P1"]
    assert result.unchanged == ["A1"]
    assert result.in_call == {}
    assert result.count == 2
    assert env.agent_of("B1") == "alice" and env.agent_of("P1") == "alice"
    audits = env.audits("assign")
    assert [(a["actor"], a["at"], a["entity"], a["entity_ref"], a["details"]) for a in audits] == [
        ("lea", NOW_DB, "debtor", "B1", {"from": "bob", "to": "alice"}),
        ("lea", NOW_DB, "debtor", "P1", {"from": None, "to": "alice"}),
    ]
    assert env.debtor("B1")["updated_at"] == NOW_DB


def test_assign_to_the_pool(env: LeadEnv) -> None:
    result = lead.assign(env.store, env.lea, ["A1"], to=None, now=NOW)
    assert result.changed == ["A1"]
    assert env.agent_of("A1") is None
    assert env.audits("assign")[-1]["details"] == {"from": "alice", "to": None}


def test_assign_with_an_unknown_ref_changes_nothing(env: LeadEnv) -> None:
    before = env.snapshot()
    with pytest.raises(LeadError, match=r"inconnu.*NOPE"):
        lead.assign(env.store, env.lea, ["B1", "NOPE"], to="alice", now=NOW)
    assert env.snapshot() == before


def test_assign_to_an_unknown_or_inactive_agent_is_refused(env: LeadEnv) -> None:
    with pytest.raises(LeadError, match="agent inconnu « zoe »"):
        lead.assign(env.store, env.lea, ["B1"], to="zoe", now=NOW)
    with env.store.write() as conn:  # no service deactivates an agent yet
        conn.execute("UPDATE agents SET active = 0 WHERE login = 'bob'")
    with pytest.raises(LeadError, match="désactivé"):
        lead.assign(env.store, env.lea, ["A1"], to="bob", now=NOW)
    with pytest.raises(LeadError, match="aucun débiteur"):
        lead.assign(env.store, env.lea, [" "], to="alice", now=NOW)


def test_a_debtor_in_a_call_is_not_moved(env: LeadEnv) -> None:
    claimed = take_next(env.store, env.alice, now=NOW, settings=SETTINGS)
    assert claimed is not None and claimed.debtor_ref == "A1"
    result = lead.assign(env.store, env.lea, ["A1", "A2"], to="bob", now=NOW)
    assert result.in_call == {"A1": "alice"}
    assert result.changed == ["A2"]
    assert env.agent_of("A1") == "alice"
    # Alice can still record her call; afterwards the lead can move it.
    env.outcome(env.alice, "A1", "no_answer", now=NOW + timedelta(minutes=2))
    assert lead.assign(env.store, env.lea, ["A1"], to="bob", now=NOW + timedelta(minutes=3)).changed == ["A1"]


def test_an_expired_claim_does_not_block_a_move(env: LeadEnv) -> None:
    take_next(env.store, env.alice, now=NOW, settings=SETTINGS)
    later = NOW + timedelta(minutes=SETTINGS.claim_lease_minutes + 1)
    assert lead.assign(env.store, env.lea, ["A1"], to="bob", now=later).changed == ["A1"]


def test_open_callbacks_follow_the_debtor(env: LeadEnv) -> None:
    env.outcome(env.alice, "A1", "callback", callback_at=NOW + timedelta(days=1), note="rappeler demain")
    lead.assign(env.store, env.lea, ["A1"], to="bob", now=NOW)
    assert env.rows("SELECT agent, done_at FROM callbacks") == [("bob", None)]
    lead.reassign_by_filter(env.store, env.lea, DebtorFilter(agent="bob"), to=None, now=NOW)
    assert env.rows("SELECT agent FROM callbacks") == [(None,)]


# --- bulk reassign by filter ------------------------------------------------------------------------

FILTER_CASES = [
    (DebtorFilter(segment="B2B"), {"A2", "B2", "P2"}),
    (DebtorFilter(segment="B2C"), {"A1", "B1", "P1"}),
    (DebtorFilter(overseas=True), {"A2", "B2"}),
    (DebtorFilter(overseas=False), {"A1", "B1", "P1", "P2"}),
    (DebtorFilter(agent="bob"), {"B1", "B2"}),
    (DebtorFilter(pool=True), {"P1", "P2"}),
    # Amounts: bounds included (A1 = 1 000,00 €, B2 = 150,00 €).
    (DebtorFilter(min_balance_cents=15_000, max_balance_cents=100_000), {"A1", "A2", "B2"}),
    (DebtorFilter(min_balance_cents=250_000), {"B1", "P2"}),
    # Days past due at T = 2026-11-17: A1 47, A2 7, B1 108, B2 15, P1 12, P2 63 (bounds included).
    (DebtorFilter(min_days_past_due=15, max_days_past_due=63), {"A1", "B2", "P2"}),
    (DebtorFilter(max_days_past_due=12), {"A2", "P1"}),
    (DebtorFilter(min_days_past_due=100), {"B1"}),
    (DebtorFilter(agent="bob", overseas=True), {"B2"}),
    (DebtorFilter(pool=True, segment="B2B", min_days_past_due=30), {"P2"}),
]


@pytest.mark.parametrize(("flt", "expected"), FILTER_CASES)
def test_filters_select_the_right_debtors(env: LeadEnv, flt: DebtorFilter, expected: set[str]) -> None:
    assert lead.count_by_filter(env.store, env.lea, flt, now=NOW) == len(expected)
    page = lead.review_queue(env.store, env.lea, flt, now=NOW, settings=SETTINGS, limit=100)
    assert {e.debtor_ref for e in page.rows} == expected


def test_blocked_filters(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "B1", reason="procédure collective", now=NOW)
    lead.set_do_not_call(env.store, env.lea, "A2", now=NOW)
    env.outcome(env.alice, "P1", "dispute")

    def refs(blocked: str) -> set[str]:
        page = lead.review_queue(env.store, env.lea, DebtorFilter(blocked=blocked), now=NOW, settings=SETTINGS)
        return {e.debtor_ref for e in page.rows}

    assert refs("hold") == {"B1"}
    assert refs("do_not_call") == {"A2"}
    assert refs("dispute") == {"P1"}
    assert refs("any") == {"B1", "A2", "P1"}
    assert refs("none") == {"A1", "B2", "P2"}


def test_bulk_reassign_moves_matching_debtors_in_one_audited_transaction(env: LeadEnv) -> None:
    assert lead.count_by_filter(env.store, env.lea, DebtorFilter(segment="B2B"), now=NOW, to="bob") == 2
    moved = lead.reassign_by_filter(env.store, env.lea, DebtorFilter(segment="B2B"), to="bob", now=NOW)
    assert moved == 2  # A2 and P2; B2 was already bob's
    assert agents_of(env) == {"A1": "alice", "A2": "bob", "B1": "bob", "B2": "bob", "P1": None, "P2": "bob"}
    (a,) = env.audits("reassign_bulk")
    assert (a["actor"], a["at"], a["entity"], a["entity_ref"]) == ("lea", NOW_DB, "debtors", None)
    assert a["details"] == {"filter": {"segment": "B2B"}, "to": "bob", "count": 2, "matching": 3}


def test_bulk_reassign_of_blocked_debtors_to_the_pool(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "B1", reason="attente avocat", now=NOW)
    lead.set_do_not_call(env.store, env.lea, "A1", now=NOW)
    moved = lead.reassign_by_filter(env.store, env.lea, DebtorFilter(blocked="any"), to=None, now=NOW)
    assert moved == 2
    assert env.agent_of("B1") is None and env.agent_of("A1") is None
    assert env.audits("reassign_bulk")[-1]["details"]["filter"] == {"blocked": "any"}


def test_bulk_reassign_leaves_debtors_in_a_call(env: LeadEnv) -> None:
    take_next(env.store, env.alice, now=NOW, settings=SETTINGS)  # A1
    assert lead.count_by_filter(env.store, env.lea, DebtorFilter(agent="alice"), now=NOW, to="bob") == 1
    assert lead.reassign_by_filter(env.store, env.lea, DebtorFilter(agent="alice"), to="bob", now=NOW) == 1
    assert env.agent_of("A1") == "alice" and env.agent_of("A2") == "bob"


def test_bulk_reassign_ignores_debtors_without_balance(env: LeadEnv) -> None:
    env.add_payments([("P1", "PAY-1", "2026-11-16", "80,00")])
    assert env.debtor("P1")["balance_cents"] == 0
    assert lead.reassign_by_filter(env.store, env.lea, DebtorFilter(pool=True), to="alice", now=NOW) == 1
    assert env.agent_of("P1") is None and env.agent_of("P2") == "alice"


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (DebtorFilter(), "sans aucun filtre"),
        (DebtorFilter(agent="bob", pool=True), "pas les deux"),
        (DebtorFilter(segment="B2X"), "segment inconnu"),
        (DebtorFilter(blocked="sleeping"), "blocage inconnu"),
        (DebtorFilter(min_balance_cents=500, max_balance_cents=100), "minimum dépasse"),
        (DebtorFilter(min_days_past_due=-1), "négatives"),
    ],
)
def test_bad_bulk_filters_are_refused(env: LeadEnv, flt: DebtorFilter, message: str) -> None:
    before = env.snapshot()
    with pytest.raises(LeadError, match=message):
        lead.reassign_by_filter(env.store, env.lea, flt, to="alice", now=NOW)
    assert env.snapshot() == before


# --- hold, do-not-call, disputes -----------------------------------------------------------------------


def alice_queue(env: LeadEnv, *, include_blocked: bool = False) -> dict[str, list[str]]:
    entries = list_queue(env.store, env.alice, now=NOW, settings=SETTINGS, limit=100, include_blocked=include_blocked)
    return {e.debtor_ref: e.blocked_by for e in entries}


def test_hold_and_release(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "A1", reason="  plan de redressement  ", now=NOW)
    d = env.debtor("A1")
    assert (d["on_hold"], d["hold_reason"]) == (1, "plan de redressement")
    assert "A1" not in alice_queue(env)
    assert "on_hold" in alice_queue(env, include_blocked=True)["A1"]
    later = NOW + timedelta(hours=1)
    lead.release_hold(env.store, env.lea, "A1", reason="jugement rendu", now=later)
    d = env.debtor("A1")
    assert (d["on_hold"], d["hold_reason"]) == (0, None)
    assert "A1" in alice_queue(env)
    hold, release = env.audits("hold")[0], env.audits("hold_release")[0]
    assert (hold["actor"], hold["at"], hold["entity_ref"]) == ("lea", NOW_DB, "A1")
    assert hold["details"] == {"reason": "plan de redressement", "previous_reason": None}
    assert (release["actor"], release["at"]) == ("lea", "2026-11-17 11:00:00")
    assert release["details"] == {"reason": "jugement rendu", "previous_reason": "plan de redressement"}


def test_hold_needs_a_reason_and_a_known_debtor(env: LeadEnv) -> None:
    with pytest.raises(LeadError, match="motif est obligatoire"):
        lead.set_hold(env.store, env.lea, "A1", reason="  ", now=NOW)
    with pytest.raises(LeadError, match="débiteur inconnu « ZZ »"):
        lead.set_hold(env.store, env.lea, "ZZ", reason="x", now=NOW)
    with pytest.raises(LeadError, match="n'est pas en attente"):
        lead.release_hold(env.store, env.lea, "A1", now=NOW)
    with pytest.raises(LeadError, match="trop long"):
        lead.set_hold(env.store, env.lea, "A1", reason="x" * 501, now=NOW)
    assert env.audits("hold") == []


def test_do_not_call_on_and_off(env: LeadEnv) -> None:
    lead.set_do_not_call(env.store, env.lea, "A2", on=True, reason="demande écrite du client", now=NOW)
    assert env.debtor("A2")["do_not_call"] == 1
    assert "do_not_call" in alice_queue(env, include_blocked=True)["A2"]
    with pytest.raises(LeadError, match="déjà en « ne pas appeler »"):
        lead.set_do_not_call(env.store, env.lea, "A2", on=True, now=NOW)
    lead.set_do_not_call(env.store, env.lea, "A2", on=False, now=NOW)
    assert env.debtor("A2")["do_not_call"] == 0
    assert [(a["action"], a["actor"], a["details"]) for a in env.audits() if "do_not_call" in a["action"]] == [
        ("do_not_call", "lea", {"reason": "demande écrite du client"}),
        ("do_not_call_off", "lea", {"reason": None}),
    ]


def test_close_dispute(env: LeadEnv) -> None:
    env.outcome(env.alice, "A1", "dispute", reason="dispute", note="conteste la livraison")
    assert env.debtor("A1")["dispute_open"] == 1
    assert "dispute" in alice_queue(env, include_blocked=True)["A1"]
    lead.close_dispute(env.store, env.lea, "A1", note="avoir émis par le commercial", now=NOW + timedelta(hours=2))
    assert env.debtor("A1")["dispute_open"] == 0
    (a,) = env.audits("dispute_close")
    assert (a["actor"], a["at"], a["entity_ref"], a["details"]) == (
        "lea",
        "2026-11-17 12:00:00",
        "A1",
        {"note": "avoir émis par le commercial", "invoices": ["F-A1"], "decision": "rejected"},
    )
    with pytest.raises(LeadError, match="aucun litige ouvert"):
        lead.close_dispute(env.store, env.lea, "A1", now=NOW)


# --- overrides and mise en demeure ----------------------------------------------------------------------


def test_overrides(env: LeadEnv) -> None:
    assert lead.set_overrides(env.store, env.lea, "A1", stage="worn", tone="neutre", now=NOW) == ("worn", "neutre")
    assert lead.set_overrides(env.store, env.lea, "A1", tone="ferme", now=NOW) == ("worn", "ferme")
    assert lead.set_overrides(env.store, env.lea, "A1", stage=None, now=NOW) == (None, "ferme")
    d = env.debtor("A1")
    assert (d["stage_override"], d["tone_override"]) == (None, "ferme")
    details = [a["details"] for a in env.audits("override")]
    assert details == [
        {"stage": "worn", "tone": "neutre", "previous_stage": None, "previous_tone": None},
        {"stage": "worn", "tone": "ferme", "previous_stage": "worn", "previous_tone": "neutre"},
        {"stage": None, "tone": "ferme", "previous_stage": "worn", "previous_tone": "ferme"},
    ]
    assert {a["actor"] for a in env.audits("override")} == {"lea"}


def test_override_codes_are_checked(env: LeadEnv) -> None:
    with pytest.raises(LeadError, match=r"étape inconnue « usé ».*ton inconnu « doux »"):
        lead.set_overrides(env.store, env.lea, "A1", stage="usé", tone="doux", now=NOW)
    assert env.audits("override") == []


def test_formal_notice_dated(env: LeadEnv) -> None:
    event_id = lead.record_formal_notice(env.store, env.lea, "A1", sent_on=date(2026, 11, 12), now=NOW)
    row = env.one(
        "SELECT at, has_time, channel, direction, outcome, kind, agent, created_by, source, created_at "
        "FROM events WHERE id = ?",
        (event_id,),
    )
    # Midnight in Paris (CET) on 12 November is 23:00 UTC the day before.
    assert row == (
        "2026-11-11 23:00:00",
        0,
        "letter",
        "out",
        "formal_notice",
        "reminder",
        "lea",
        "lea",
        "lead",
        NOW_DB,
    )
    assert is_formal_notice(row[2], row[3], row[4])
    (a,) = env.audits("formal_notice")
    assert (a["actor"], a["at"], a["entity_ref"]) == ("lea", NOW_DB, "A1")
    assert a["details"] == {
        "sent_on": "2026-11-12",
        "event_id": event_id,
        "note": None,
        "registered_letter": None,
        "overdue_cents": 100_000,  # A1: 1 000,00 € due 2026-10-01
        "repeat": False,
    }


def test_formal_notice_now_and_in_the_future(env: LeadEnv) -> None:
    event_id = lead.record_formal_notice(env.store, env.lea, "B1", note="LRAR n° 1A234", now=NOW)
    assert env.one("SELECT at, has_time, note FROM events WHERE id = ?", (event_id,)) == (NOW_DB, 1, "LRAR n° 1A234")
    with pytest.raises(LeadError, match="dans le futur"):
        lead.record_formal_notice(env.store, env.lea, "B1", sent_on=date(2026, 11, 18), now=NOW)
    assert len(env.audits("formal_notice")) == 1


def test_formal_notice_preview_shows_overdue_invoices_and_address(env: LeadEnv) -> None:
    env.import_csv(
        "invoices",
        ["debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"],
        [["A1", "F-LATER", "2026-11-10", "2026-12-10", "40,00"]],  # not due yet: not in the notice
    )
    p = lead.formal_notice_preview(env.store, env.lea, "A1", now=NOW)
    assert (p.ref, p.name, p.segment, p.address) == ("A1", "Société Générale de Nantes", "B2C", "75011")
    assert [(due, cents) for _ref, due, cents in p.overdue] == [(date(2026, 10, 1), 100_000)]
    assert (p.overdue_cents, p.last_notice_on, p.repeat) == (100_000, None, False)


def test_formal_notice_refused_without_overdue_amount(env: LeadEnv) -> None:
    # Owed (90,00 €) but not yet due on 17/11.
    env.add_debtors([("N1", "Sans Retard", "B2C", "", "75001", "06 11 22 33 44", "alice", "2026-12-10", "90,00")])
    with pytest.raises(LeadError, match="aucun montant échu pour le débiteur N1"):
        lead.record_formal_notice(env.store, env.lea, "N1", now=NOW)
    assert env.audits("formal_notice") == []
    assert env.one("SELECT COUNT(*) FROM events WHERE outcome = 'formal_notice'") == 0


def test_second_formal_notice_within_30_days_needs_force(env: LeadEnv) -> None:
    lead.record_formal_notice(env.store, env.lea, "B1", sent_on=date(2026, 10, 19), now=NOW)  # 29 days before
    assert lead.formal_notice_preview(env.store, env.lea, "B1", now=NOW).repeat
    with pytest.raises(lead.FormalNoticeRepeat, match="déjà été enregistrée le 19/10/2026"):
        lead.record_formal_notice(env.store, env.lea, "B1", now=NOW)
    assert len(env.audits("formal_notice")) == 1
    event_id = lead.record_formal_notice(
        env.store, env.lea, "B1", registered_letter=" 1A 234-567 ", force=True, now=NOW
    )
    assert env.one("SELECT note FROM events WHERE id = ?", (event_id,)) == "LRAR n° 1A 234-567"
    second = env.audits("formal_notice")[-1]["details"]
    assert (second["registered_letter"], second["repeat"]) == ("1A 234-567", True)


def test_formal_notice_30_days_after_is_not_a_repeat(env: LeadEnv) -> None:
    lead.record_formal_notice(env.store, env.lea, "B1", sent_on=date(2026, 10, 18), now=NOW)  # 30 days before
    assert not lead.formal_notice_preview(env.store, env.lea, "B1", now=NOW).repeat
    lead.record_formal_notice(env.store, env.lea, "B1", now=NOW)
    assert len(env.audits("formal_notice")) == 2


@pytest.mark.parametrize("letter", ["1A<script>", "x" * 41, "-12"])
def test_formal_notice_bad_registered_letter_changes_nothing(env: LeadEnv, letter: str) -> None:
    with pytest.raises(LeadError, match="numéro de recommandé"):
        lead.record_formal_notice(env.store, env.lea, "B1", registered_letter=letter, now=NOW)
    assert env.audits("formal_notice") == []


# --- team board and queues -------------------------------------------------------------------------------


def test_team_board(env: LeadEnv) -> None:
    yesterday = NOW - timedelta(days=1)
    env.outcome(env.alice, "P1", "refusal", now=yesterday)  # not today
    env.outcome(env.alice, "A1", "no_answer", now=NOW - timedelta(hours=2))
    env.outcome(env.alice, "A2", "promise", now=NOW - timedelta(hours=1), instalments=[(date(2026, 11, 27), 12_000)])
    heartbeat(env.store, env.alice, now=NOW - timedelta(seconds=30))
    take_next(env.store, env.bob, now=NOW, settings=SETTINGS)  # B1: « en appel »
    rows = {r.login: r for r in lead.team_board(env.store, env.lea, now=NOW)}
    assert list(rows) == ["alice", "bob", "lea"]
    alice, bob, lea = rows["alice"], rows["bob"], rows["lea"]
    assert (alice.state, alice.state_label, alice.case_ref) == ("available", "disponible", None)
    assert (alice.calls, alice.rpc, alice.promises, alice.promised_cents) == (2, 1, 1, 12_000)
    assert (alice.last_outcome, alice.last_outcome_label, alice.last_outcome_ref) == ("promise", "promesse", "A2")
    assert alice.last_outcome_at == NOW - timedelta(hours=1)
    assert (bob.state, bob.state_label, bob.case_ref, bob.case_name) == ("on_call", "en appel", "B1", "Martin Jeanne")
    assert (bob.calls, bob.last_outcome) == (0, None)
    assert (lea.state, lea.state_label) == ("away", "absent")
    js = alice.to_json()
    assert js["promised"] == 120.0 and js["state_label"] == "disponible"


def test_board_state_comes_from_the_session(env: LeadEnv) -> None:
    def state(now: datetime) -> str:
        return {r.login: r for r in lead.team_board(env.store, env.lea, now=now)}["alice"].state

    a1 = env.one("SELECT id FROM debtors WHERE ref = 'A1'")
    heartbeat(env.store, env.alice, now=NOW, state="on_case", debtor_id=a1)
    assert state(NOW + timedelta(seconds=299)) == "available"
    row = {r.login: r for r in lead.team_board(env.store, env.lea, now=NOW)}["alice"]
    assert (row.case_ref, row.case_name) == ("A1", "Société Générale de Nantes")
    assert state(NOW + timedelta(minutes=5, seconds=1)) == "away"  # silent for more than 5 minutes
    heartbeat(env.store, env.alice, now=NOW, state="paused")
    assert state(NOW) == "away"
    heartbeat(env.store, env.alice, now=NOW, state="idle")
    end_session(env.store, env.alice, now=NOW)
    assert state(NOW) == "away"


def test_queue_loads(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "B1", reason="x", now=NOW)
    loads = [q.to_json() for q in lead.queue_loads(env.store, env.lea)]
    assert loads == [
        {"agent": "alice", "name": "Alice", "debtors": 2, "balance": 1300.0, "blocked": 0},
        {"agent": "bob", "name": "Bob", "debtors": 2, "balance": 5150.0, "blocked": 1},
        {"agent": None, "name": "équipe (non affectés)", "debtors": 2, "balance": 2580.0, "blocked": 0},
    ]


# --- queue review ------------------------------------------------------------------------------------------


def test_review_queue_pages_through_everything_in_queue_order(env: LeadEnv) -> None:
    whole = lead.review_queue(env.store, env.lea, now=NOW, settings=SETTINGS, limit=100)
    assert whole.after is None
    order = [(e.priority_class, -e.score, e.debtor_ref) for e in whole.rows]
    assert order == sorted(order) and len(order) == 6
    seen, after = [], None
    for _ in range(10):
        page = lead.review_queue(env.store, env.lea, now=NOW, settings=SETTINGS, limit=4, after=after)
        seen += [e.debtor_ref for e in page.rows]
        after = page.after
        if after is None:
            break
    assert seen == [e.debtor_ref for e in whole.rows]
    exact = lead.review_queue(env.store, env.lea, now=NOW, settings=SETTINGS, limit=6)
    assert exact.after is not None
    assert lead.review_queue(env.store, env.lea, now=NOW, settings=SETTINGS, limit=6, after=exact.after).rows == []


def test_review_rows_say_why_a_debtor_is_not_callable(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "B1", reason="x", now=NOW)
    take_next(env.store, env.alice, now=NOW, settings=SETTINGS)  # A1
    rows = {e.debtor_ref: e for e in lead.review_queue(env.store, env.lea, now=NOW, settings=SETTINGS).rows}
    assert rows["B1"].callable is False and "on_hold" in rows["B1"].blocked_by
    assert rows["A1"].callable is False and rows["A1"].blocked_by == ["claimed"]
    assert rows["P2"].callable is True and rows["P2"].agent is None
    assert rows["A2"].days_past_due == 7 and rows["A2"].agent == "alice"


# --- sessions ----------------------------------------------------------------------------------------------


def test_heartbeats_audit_session_start_and_end_only(env: LeadEnv) -> None:
    assert heartbeat(env.store, env.alice, now=NOW, pid=4242) is True
    assert heartbeat(env.store, env.alice, now=NOW + timedelta(seconds=30), pid=4242) is False
    assert env.one("SELECT state, last_seen, started_at, pid FROM agent_sessions WHERE agent = 'alice'") == (
        "idle",
        "2026-11-17 10:00:30",
        NOW_DB,
        4242,
    )
    assert heartbeat(env.store, env.alice, now=NOW + timedelta(minutes=30), pid=4243) is True  # after a gap
    assert end_session(env.store, env.alice, now=NOW + timedelta(minutes=31)) is True
    assert end_session(env.store, env.alice, now=NOW + timedelta(minutes=32)) is False
    assert heartbeat(env.store, env.alice, now=NOW + timedelta(minutes=33)) is True  # after an end
    assert [(a["action"], a["actor"]) for a in env.audits() if a["action"].startswith("session")] == [
        ("session_start", "alice"),
        ("session_start", "alice"),
        ("session_end", "alice"),
        ("session_start", "alice"),
    ]
    with pytest.raises(SessionError, match="état de session inconnu"):
        heartbeat(env.store, env.alice, now=NOW, state="dancing")


# --- audit trail -------------------------------------------------------------------------------------------


def test_audit_pages_newest_first_with_filters(env: LeadEnv) -> None:
    lead.set_hold(env.store, env.lea, "A1", reason="r1", now=NOW)
    lead.set_do_not_call(env.store, env.lea, "B1", now=NOW + timedelta(minutes=1))
    lead.assign(env.store, env.lea, ["P1"], to="bob", now=NOW + timedelta(minutes=2))
    env.outcome(env.bob, "P1", "no_answer", now=NOW + timedelta(minutes=3))
    first = lead.audit_page(env.store, env.lea, limit=2)
    assert [(e.action, e.actor) for e in first] == [("outcome", "bob"), ("assign", "lea")]
    assert first[0].at == NOW + timedelta(minutes=3)
    assert first[1].details == {"from": None, "to": "bob"}
    second = lead.audit_page(env.store, env.lea, before_id=first[-1].id, limit=2)
    assert [e.action for e in second] == ["do_not_call", "hold"]
    assert [e.entity_ref for e in lead.audit_page(env.store, env.lea, actor_filter="lea", action="hold")] == ["A1"]
    assert [e.action for e in lead.audit_page(env.store, env.lea, actor_filter="bob")] == ["outcome"]
    assert first[0].to_json()["at"] == "2026-11-17T10:03:00+00:00"
