"""The demo portfolio generator: deterministic, realistic, and consistent with the import formats."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import phonenumbers
import pytest

from recouvre_tui.demo import (
    COLUMNS,
    DEMO_AGENT,
    DemoData,
    generate_demo,
    siren_is_valid,
    write_csv_files,
)
from recouvre_tui.domain.areas import area_for_postcode, holiday_name
from recouvre_tui.domain.codes import Channel, Direction, Disposition, PromiseStatus
from recouvre_tui.domain.dates import PARIS
from recouvre_tui.domain.events import EventKind, classify
from recouvre_tui.domain.money import parse_amount
from recouvre_tui.domain.phones import normalise_phone
from recouvre_tui.domain.promises import InstalmentIn, PaymentIn, evaluate_promise

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "sample"
OVERSEAS_PREFIXES = {
    "971": {"0590", "0690"},
    "972": {"0596", "0696"},
    "973": {"0594", "0694"},
    "974": {"0262", "0692", "0693"},
    "976": {"0269", "0639"},
}
AT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(TODAY)


def by_debtor(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        out[row["debtor_ref"]].append(row)
    return out


def cents(row: dict[str, str]) -> int:
    return parse_amount(row["amount"])


def balances(demo: DemoData) -> dict[str, int]:
    invoiced = Counter[str]()
    for row in demo.invoices:
        invoiced[row["debtor_ref"]] += cents(row)
    for row in demo.payments:
        invoiced[row["debtor_ref"]] -= cents(row)
    return {d["debtor_ref"]: invoiced[d["debtor_ref"]] for d in demo.debtors}


def kind_of(event: dict[str, str]) -> EventKind:
    return classify(event["channel"], event["direction"], event["outcome"] or None)


def paris_local(at: str, postcode: str) -> datetime:
    area = area_for_postcode(postcode)
    assert area is not None
    return datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS).astimezone(area.zone)


# ----------------------------------------------------------------------------- determinism


def test_same_inputs_give_identical_output() -> None:
    first = generate_demo(TODAY, seed=7, debtors=150)
    second = generate_demo(TODAY, seed=7, debtors=150)
    assert first == second


def test_seed_and_today_change_the_output() -> None:
    base = generate_demo(TODAY, seed=7, debtors=150)
    assert generate_demo(TODAY, seed=8, debtors=150).debtors != base.debtors
    later = generate_demo(TODAY + timedelta(days=7), seed=7, debtors=150)
    assert max(e["at"] for e in later.events) > max(e["at"] for e in base.events)


# ----------------------------------------------------------------------------- shape


def test_rows_have_exactly_the_design_columns_and_string_values(demo: DemoData) -> None:
    for kind, columns in COLUMNS.items():
        rows = demo.rows(kind)
        assert rows, kind
        for row in rows:
            assert tuple(row) == columns
            assert all(isinstance(v, str) for v in row.values())


def test_agents_include_the_demo_agent_and_a_lead(demo: DemoData) -> None:
    assert {"login": DEMO_AGENT, "name": "Agent Démo", "role": "agent", "team": "equipe-1"} in (demo.agents)
    roles = Counter(a["role"] for a in demo.agents)
    assert roles["lead"] == 1
    assert 5 <= roles["agent"] <= 8
    assert all(set(a) == {"login", "name", "role", "team"} for a in demo.agents)
    assert len({a["login"] for a in demo.agents}) == len(demo.agents)


def test_counts_and_proportions(demo: DemoData) -> None:
    n = len(demo.debtors)
    assert n == 2000
    assert 7000 <= len(demo.invoices) <= 9000
    assert 3000 <= len(demo.payments) <= 7000
    assert 4000 <= len(demo.events) <= 12000
    assert 500 <= len(demo.promises) <= 2500
    segments = Counter(d["segment"] for d in demo.debtors)
    assert 0.50 <= segments["B2C"] / n <= 0.60
    assert segments["B2C"] + segments["B2B"] == n
    assigned = sum(1 for d in demo.debtors if d["agent"]) / n
    assert 0.65 <= assigned <= 0.77
    archetypes = Counter(demo.profiles.values())
    assert archetypes["worn"] >= 250 and archetypes["responsive"] >= 250
    assert len(archetypes) == 11
    paid_up = sum(1 for b in balances(demo).values() if b == 0) / n
    assert 0.15 <= paid_up <= 0.45


def test_b2b_debtors_have_a_valid_siren_and_a_sales_rep(demo: DemoData) -> None:
    for d in demo.debtors:
        if d["segment"] == "B2B":
            assert siren_is_valid(d["siren"]), d
            assert d["sales_rep"]
        else:
            assert d["siren"] == "" and d["sales_rep"] == ""
    assert siren_is_valid("732829320")  # a real one
    assert not siren_is_valid("732829321")


def test_values_are_formatted_as_in_a_csv_file(demo: DemoData) -> None:
    for row in demo.invoices:
        date.fromisoformat(row["issue_date"])
        date.fromisoformat(row["due_date"])
        assert AMOUNT.match(row["amount"]), row
    for row in demo.payments:
        date.fromisoformat(row["date"])
        assert AMOUNT.match(row["amount"]) and cents(row) > 0, row
    for row in demo.events:
        assert AT.match(row["at"]), row
    for row in demo.promises:
        assert AT.match(row["created_at"]), row
        date.fromisoformat(row["due_date"])
        assert AMOUNT.match(row["amount"]) and cents(row) > 0, row


# ----------------------------------------------------------------------------- geography & phones


def test_overseas_share_and_alsace_moselle(demo: DemoData) -> None:
    n = len(demo.debtors)
    overseas = Counter(d["postcode"][:3] for d in demo.debtors if d["postcode"].startswith("97"))
    assert set(overseas) == set(OVERSEAS_PREFIXES)
    assert 0.10 <= sum(overseas.values()) / n <= 0.20
    alsace = sum(1 for d in demo.debtors if d["postcode"][:2] in {"57", "67", "68"})
    assert alsace >= 40
    assert all(re.fullmatch(r"\d{5}", d["postcode"]) for d in demo.debtors)


def test_every_intended_valid_phone_validates_for_its_postcode(demo: DemoData) -> None:
    for d in demo.debtors:
        area = area_for_postcode(d["postcode"])
        assert area is not None
        for column in ("phone", "phone2"):
            raw = d[column]
            if not raw:
                continue
            intended_valid = not (column == "phone" and d["debtor_ref"] in demo.invalid_phones)
            info = normalise_phone(raw, area)
            assert info.valid is intended_valid, (d["debtor_ref"], column, raw)
            if not intended_valid:
                continue
            parsed = phonenumbers.parse(raw, area.phone_region)
            assert phonenumbers.is_valid_number(parsed), raw
            if area.overseas:
                assert phonenumbers.region_code_for_number(parsed) == area.phone_region, raw
                national = phonenumbers.national_significant_number(parsed)
                assert "0" + national[:3] in OVERSEAS_PREFIXES[d["postcode"][:3]], raw


def test_phone_shares_and_raw_formats(demo: DemoData) -> None:
    n = len(demo.debtors)
    missing = sum(1 for d in demo.debtors if not d["phone"]) / n
    assert 0.015 <= missing <= 0.05
    assert 0.025 <= len(demo.invalid_phones) / n <= 0.06
    raws = [d["phone"] for d in demo.debtors if d["phone"]]
    assert any(re.fullmatch(r"0\d( \d\d){4}", r) for r in raws)
    assert any(re.fullmatch(r"0\d{9}", r) for r in raws)
    assert any(r.startswith("+33 ") for r in raws)
    assert any(re.fullmatch(r"0\d(\.\d\d){4}", r) for r in raws)
    assert any(r.startswith(("+590", "+596", "+594", "+262")) for r in raws)


# ----------------------------------------------------------------------------- references


def test_references_are_unique(demo: DemoData) -> None:
    for kind, column in (
        ("debtors", "debtor_ref"),
        ("invoices", "invoice_ref"),
        ("payments", "payment_ref"),
    ):
        refs = [row[column] for row in demo.rows(kind)]
        assert len(refs) == len(set(refs)), kind
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in demo.promises:
        owners[row["promise_ref"]].add((row["debtor_ref"], row["created_at"]))
    assert all(len(v) == 1 for v in owners.values())


def test_referential_integrity(demo: DemoData) -> None:
    debtors = {d["debtor_ref"] for d in demo.debtors}
    logins = {a["login"] for a in demo.agents}
    invoice_owner = {row["invoice_ref"]: row["debtor_ref"] for row in demo.invoices}
    for kind in ("invoices", "payments", "events", "promises"):
        assert {row["debtor_ref"] for row in demo.rows(kind)} <= debtors, kind
    for row in demo.payments:
        if row["invoice_ref"]:
            assert invoice_owner[row["invoice_ref"]] == row["debtor_ref"], row
    assert {d["agent"] for d in demo.debtors} <= logins | {""}
    assert {e["agent"] for e in demo.events} <= logins | {""}
    assert set(demo.profiles) == debtors
    assert demo.invalid_phones <= debtors


def test_payments_never_exceed_what_is_owed(demo: DemoData) -> None:
    assert all(b >= 0 for b in balances(demo).values())
    invoice_amount = {row["invoice_ref"]: cents(row) for row in demo.invoices}
    paid_on = Counter[str]()
    for row in demo.payments:
        if row["invoice_ref"]:
            paid_on[row["invoice_ref"]] += cents(row)
    for ref, paid in paid_on.items():
        assert 0 < paid <= invoice_amount[ref], ref
    first_issue: dict[str, str] = {}
    for row in demo.invoices:
        ref = row["debtor_ref"]
        first_issue[ref] = min(first_issue.get(ref, row["issue_date"]), row["issue_date"])
    for row in demo.payments:
        assert first_issue[row["debtor_ref"]] < row["date"] < TODAY.isoformat(), row


# ----------------------------------------------------------------------------- invoices


def test_invoices_age_terms_amounts_and_credit_notes(demo: DemoData) -> None:
    segment = {d["debtor_ref"]: d["segment"] for d in demo.debtors}
    credit_notes = 0
    for row in demo.invoices:
        issue, due = date.fromisoformat(row["issue_date"]), date.fromisoformat(row["due_date"])
        assert TODAY - timedelta(days=365) <= issue <= TODAY
        amount = cents(row)
        if amount < 0:
            credit_notes += 1
            assert row["invoice_ref"].startswith("AV-")
            continue
        assert (due - issue).days in (30, 45, 60), row
        low, high = (4_000, 300_000) if segment[row["debtor_ref"]] == "B2C" else (30_000, 6_000_000)
        assert low <= amount <= high, row
    assert 20 <= credit_notes <= 300


# ----------------------------------------------------------------------------- events


def test_events_cover_twelve_weeks_every_channel_and_the_codes(demo: DemoData) -> None:
    ats = sorted(e["at"][:10] for e in demo.events)
    assert ats[0] >= (TODAY - timedelta(days=84)).isoformat()
    assert ats[-1] < TODAY.isoformat()
    assert ats[0] <= (TODAY - timedelta(days=77)).isoformat()
    assert {e["channel"] for e in demo.events} == {c.value for c in Channel}
    directions = Counter(e["direction"] for e in demo.events)
    assert set(directions) == {d.value for d in Direction}
    assert directions["out"] > 5 * directions["in"]
    outcomes = {e["outcome"] for e in demo.events if e["channel"] == "call"}
    assert outcomes == {d.value for d in Disposition}
    assert any(e["channel"] == "letter" and e["outcome"] == "formal_notice" for e in demo.events)
    for e in demo.events:
        if e["channel"] != "call":
            assert e["outcome"] in ("", "formal_notice"), e
        else:
            assert e["outcome"] in {d.value for d in Disposition}, e
        assert e["note"], e
    callers = Counter(e["agent"] for e in demo.events if e["channel"] == "call")
    assert len(callers) >= 5 and "" not in callers


def test_calls_are_made_within_the_debtors_local_calling_hours(demo: DemoData) -> None:
    debtors = {d["debtor_ref"]: d for d in demo.debtors}
    for e in demo.events:
        if e["channel"] != "call" or e["direction"] != "out":
            continue
        d = debtors[e["debtor_ref"]]
        local = paris_local(e["at"], d["postcode"])
        minute = local.hour * 60 + local.minute
        area = area_for_postcode(d["postcode"])
        assert area is not None and holiday_name(area, local.date()) is None, e
        if d["segment"] == "B2C":
            assert local.weekday() < 6 and 9 * 60 <= minute < 20 * 60, e
        else:
            assert local.weekday() < 5, e
            assert 9 * 60 <= minute < 12 * 60 + 30 or 14 * 60 <= minute < 18 * 60, e


def test_wear_report_has_content(demo: DemoData) -> None:
    """At least 30 debtors silent for more than 14 days with 3 reminders or more since."""
    events, payments, promises = (
        by_debtor(demo.events),
        by_debtor(demo.payments),
        by_debtor(demo.promises),
    )
    balance = balances(demo)
    cutoff = (TODAY - timedelta(days=14)).isoformat()
    worn = 0
    for ref in balance:
        responses = [e["at"][:10] for e in events[ref] if kind_of(e) is EventKind.RESPONSE]
        responses += [p["date"] for p in payments[ref]]
        responses += [p["created_at"][:10] for p in promises[ref]]
        last = max(responses, default="")
        streak = [e for e in events[ref] if kind_of(e) is EventKind.REMINDER and e["at"][:10] > last]
        if balance[ref] > 0 and last < cutoff and len(streak) >= 3 and streak[0]["at"] <= cutoff:
            worn += 1
    assert worn >= 30


def test_worn_streaks_show_every_pattern_the_recommendations_need(demo: DemoData) -> None:
    debtors = {d["debtor_ref"]: d for d in demo.debtors}
    single_channel = same_agent_same_slot = 0
    for ref, evs in by_debtor(demo.events).items():
        if demo.profiles[ref] != "worn":
            continue
        reminders = [e for e in evs if kind_of(e) is EventKind.REMINDER]
        if len(reminders) < 3:
            continue
        if len({e["channel"] for e in reminders}) == 1:
            single_channel += 1
        calls = [e for e in reminders if e["channel"] == "call"]
        if len(calls) >= 3 and len({e["agent"] for e in calls}) == 1:
            minutes = [
                (t.hour * 60 + t.minute) for t in (paris_local(e["at"], debtors[ref]["postcode"]) for e in calls)
            ]
            if max(minutes) - min(minutes) < 120:
                same_agent_same_slot += 1
    assert single_channel >= 20
    assert same_agent_same_slot >= 20


# ----------------------------------------------------------------------------- promises


def test_promises_match_a_call_and_have_monthly_instalments(demo: DemoData) -> None:
    events = by_debtor(demo.events)
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in demo.promises:
        grouped[row["promise_ref"]].append(row)
    for ref, rows in grouped.items():
        debtor, created = rows[0]["debtor_ref"], rows[0]["created_at"]
        assert any(
            e["at"] == created and e["channel"] == "call" and e["outcome"] in ("promise", "plan")
            for e in events[debtor]
        ), ref
        dues = [date.fromisoformat(r["due_date"]) for r in rows]
        assert 1 <= len(dues) <= 6
        assert dues == sorted(dues) and dues[0] > date.fromisoformat(created[:10])
        for a, b in pairwise(dues):
            assert 27 <= (b - a).days <= 35, ref


def test_promises_are_kept_broken_and_pending_by_construction(demo: DemoData) -> None:
    payments = by_debtor(demo.payments)
    owed = Counter[str]()
    for row in demo.invoices:
        owed[row["debtor_ref"]] += cents(row)
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in demo.promises:
        grouped[row["promise_ref"]].append(row)
    statuses = Counter[PromiseStatus]()
    for rows in grouped.values():
        debtor = rows[0]["debtor_ref"]
        instalments = [InstalmentIn(date.fromisoformat(r["due_date"]), cents(r)) for r in rows]
        assert sum(i.amount_cents for i in instalments) <= owed[debtor]
        result = evaluate_promise(
            date.fromisoformat(rows[0]["created_at"][:10]),
            instalments,
            [PaymentIn(date.fromisoformat(p["date"]), cents(p)) for p in payments[debtor]],
            TODAY,
        )
        statuses[result.status] += 1
    assert statuses[PromiseStatus.KEPT] >= 50
    assert statuses[PromiseStatus.BROKEN] >= 50
    assert statuses[PromiseStatus.PENDING] >= 50
    assert any(date.fromisoformat(r["due_date"]) > TODAY for r in demo.promises), "some instalments are still to come"


# ----------------------------------------------------------------------------- files


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_write_csv_files_with_limit(tmp_path: Path) -> None:
    data = generate_demo(TODAY, debtors=60)
    paths = write_csv_files(data, tmp_path / "out", limit=5)
    assert [p.name for p in paths] == [f"{k}.csv" for k in COLUMNS]
    kept = {d["debtor_ref"] for d in data.debtors[:5]}
    for path, kind in zip(paths, COLUMNS, strict=True):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == ";".join(COLUMNS[kind])
        rows = read_csv(path)
        assert rows == [r for r in data.rows(kind) if r["debtor_ref"] in kept]
    assert len(read_csv(tmp_path / "out" / "debtors.csv")) == 5


def test_write_csv_files_without_limit_round_trips(tmp_path: Path) -> None:
    data = generate_demo(TODAY, debtors=40)
    write_csv_files(data, tmp_path)
    for kind in COLUMNS:
        assert read_csv(tmp_path / f"{kind}.csv") == data.rows(kind)


def test_committed_samples_match_the_generator(demo: DemoData, tmp_path: Path) -> None:
    """fixtures/sample/*.csv = `scripts/make_demo.py --today 2026-11-23 --limit 12`, written
    by another process: the output does not depend on hash seeds or call history."""
    write_csv_files(demo, tmp_path, limit=12)
    for kind in COLUMNS:
        committed = (SAMPLE / f"{kind}.csv").read_text(encoding="utf-8")
        assert committed == (tmp_path / f"{kind}.csv").read_text(encoding="utf-8"), kind
    shown = {demo.profiles[r["debtor_ref"]] for r in read_csv(SAMPLE / "debtors.csv")}
    assert len(shown) >= 10


# ----------------------------------------------------------------------------- FEC samples

FEC_COLUMNS = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
]


def test_fec_samples_are_well_formed_and_identical() -> None:
    raw = (SAMPLE / "fec_sample.txt").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    text = raw.decode("utf-8")
    latin = (SAMPLE / "fec_sample_tab_latin1.txt").read_bytes().decode("iso-8859-1")
    assert latin == text.replace("|", "\t")
    assert "Société Générale Électricité" in latin
    lines = text.split("\r\n")
    assert lines[-1] == ""
    rows = [line.split("|") for line in lines[:-1]]
    assert rows[0] == FEC_COLUMNS
    totals = Counter[str]()
    accounts = set()
    for row in rows[1:]:
        assert len(row) == 18
        datetime.strptime(row[3], "%Y%m%d")
        totals[row[2]] += parse_amount(row[11]) - parse_amount(row[12])
        if row[4].startswith("411"):
            accounts.add(row[4])
            assert row[6] and row[7]
    assert all(v == 0 for v in totals.values())
    assert len(accounts) == 3 and len({len(a) for a in accounts}) == 3
    assert any(row[11].startswith(" 0000") for row in rows[1:])
    assert {row[0] for row in rows[1:]} == {"VT", "BQ"}
    lettered = [r for r in rows[1:] if r[13]]
    assert lettered and all(r[14] for r in lettered)
    assert any(r[4].startswith("411") and not r[13] and r[11] != "0,00" for r in rows[1:])
    assert any(r[0] == "VT" and r[4].startswith("411") and parse_amount(r[12]) > 0 for r in rows[1:])
