"""CSV imports (README, "Import formats"): the five formats, encodings, separators, numbers,
dates and times, phones and areas, idempotence, updates and --dry-run.

Expectations are computed by hand in the comments; amounts are cents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from import_helpers import (
    EVENTS_HEADER,
    INVOICES_HEADER,
    NOW,
    PAYMENTS_HEADER,
    PROMISES_HEADER,
    counts,
    data_dump,
    debtor,
    full_dump,
    invoices_open,
    make_store,
    one,
    phones,
    q,
    run,
    seed_debtors,
    write,
)
from recouvre_tui.domain.areas import AREAS
from recouvre_tui.domain.dates import parse_date, parse_datetime, to_db
from recouvre_tui.domain.money import parse_amount
from recouvre_tui.domain.phones import normalise_phone
from recouvre_tui.importers.reader import Issue
from recouvre_tui.importers.values import fast_amount, fast_date, fast_paris_datetime
from recouvre_tui.store.db import Store
from stores import on_postgres

# --- debtors ------------------------------------------------------------------------------

FULL_DEBTORS = [
    "debtor_ref;name;segment;siren;postcode;country;phone;phone2;email;sales_rep;agent",
    "D1;Dupont Énergie;B2B;552 100 554;57000;FR;03 87 11 22 33;06 12 34 56 78;compta@dupont.fr;Paul Martin;alice",
    "D2;Marie Hoarau;B2C;;97400;;0692 12 34 56;;;;",
    "D3;Sans code postal;B2C;;;;0696 12 34 56;;;;",
    "D4;Mayotte SARL;B2B;;;;+262 639 01 23 45;;;;",
    "D5;Numéro faux;B2C;;75011;;12 34;;;;",
    "D6;Sans téléphone;B2C;;;;;;;;",
    "D7;Martinique par le code postal;B2C;;97200;;0696 12 34 57;;;;",
]


def test_debtors_all_columns_areas_and_phones(tmp_path: Path) -> None:
    store = make_store(tmp_path, "alice")
    res = run(store, "debtors", write(tmp_path, "debtors.csv", FULL_DEBTORS))
    assert counts(res) == (7, 0, 0)
    assert res.warnings == []

    d1 = debtor(store, "D1")
    assert (d1["name"], d1["segment"], d1["siren"], d1["postcode"], d1["country"]) == (
        "Dupont Énergie",
        "B2B",
        "552100554",  # spaces removed
        "57000",
        "FR",
    )
    assert (d1["email"], d1["sales_rep"], d1["agent"]) == ("compta@dupont.fr", "Paul Martin", "alice")
    # Moselle: its own holiday calendar, Paris time.
    assert (d1["area"], d1["tz"]) == ("57", "Europe/Paris")
    assert phones(store, "D1") == [
        (1, "03 87 11 22 33", "+33387112233", "fixe", 1, "FR", "Europe/Paris"),
        (2, "06 12 34 56 78", "+33612345678", "mobile", 1, "FR", "Europe/Paris"),
    ]

    # La Réunion from the postcode; the 0692 number read in Réunion.
    d2 = debtor(store, "D2")
    assert (d2["area"], d2["tz"]) == ("974", "Indian/Reunion")
    assert phones(store, "D2") == [(1, "0692 12 34 56", "+262692123456", "mobile", 1, "RE", "Indian/Reunion")]

    # No postcode: the area comes from the phone (a Martinique mobile).
    d3 = debtor(store, "D3")
    assert (d3["area"], d3["tz"], d3["postcode"]) == ("972", "America/Martinique", None)
    assert phones(store, "D3") == [(1, "0696 12 34 56", "+596696123456", "mobile", 1, "MQ", "America/Martinique")]

    # A +262 mobile of Mayotte (0639 …): the number's own region decides, not Réunion.
    d4 = debtor(store, "D4")
    assert (d4["area"], d4["tz"]) == ("976", "Indian/Mayotte")
    assert phones(store, "D4") == [(1, "+262 639 01 23 45", "+262639012345", "mobile", 1, "YT", "Indian/Mayotte")]

    # An invalid number is kept, flagged invalid, with no region or zone.
    d5 = debtor(store, "D5")
    assert (d5["area"], d5["tz"]) == ("FR", "Europe/Paris")
    [(pos, raw, _e164, kind, valid, region, tz)] = phones(store, "D5")
    assert (pos, raw, kind, valid, region, tz) == (1, "12 34", "inconnu", 0, None, None)

    # Nothing to go on: metropolitan France.
    d6 = debtor(store, "D6")
    assert (d6["area"], d6["tz"], d6["agent"]) == ("FR", "Europe/Paris", None)
    assert phones(store, "D6") == []

    d7 = debtor(store, "D7")
    assert (d7["area"], d7["tz"]) == ("972", "America/Martinique")
    assert phones(store, "D7")[0][2] == "+596696123457"


def test_debtors_comma_bom_quoted_and_case_insensitive_header(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = write(
        tmp_path,
        "clients.csv",
        [
            "Debtor_Ref,NAME,Segment,PostCode",
            'C1,"Durand, Fils & Cie",B2B,69003',
            'C2,"Élodie ""Lolo"" Payet",B2C,97 400',
        ],
        bom=True,
    )
    res = run(store, "debtors", path)
    assert counts(res) == (2, 0, 0)
    assert debtor(store, "C1")["name"] == "Durand, Fils & Cie"
    c2 = debtor(store, "C2")
    assert (c2["name"], c2["postcode"], c2["area"]) == ('Élodie "Lolo" Payet', "97400", "974")


def test_debtors_windows_1252_accents(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = write(
        tmp_path,
        "debiteurs.csv",
        [
            "debtor_ref;name;segment;sales_rep",
            "W1;Société Générale d'Électricité;B2B;Hélène Çelik",
            "W2;Zoé Lefèvre;B2C;",
        ],
        encoding="cp1252",
        newline="\r\n",
    )
    assert b"\xe9" in path.read_bytes()  # really Windows-1252, not UTF-8
    assert counts(run(store, "debtors", path)) == (2, 0, 0)
    w1 = debtor(store, "W1")
    assert (w1["name"], w1["sales_rep"]) == ("Société Générale d'Électricité", "Hélène Çelik")
    assert debtor(store, "W2")["name"] == "Zoé Lefèvre"


def test_optional_columns_absent_and_unknown_column_is_a_warning(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    path = write(tmp_path, "d.csv", ["debtor_ref;name;segment;couleur", "M1;Minimal;B2C;bleu"])
    res = run(store, "debtors", path)
    assert counts(res) == (1, 0, 0)
    assert res.warnings == [Issue("d.csv", 1, "couleur", "colonne inconnue, ignorée")]
    assert str(res.warnings[0]) == "d.csv:1: couleur: colonne inconnue, ignorée"
    m1 = debtor(store, "M1")
    assert [m1[c] for c in ("siren", "postcode", "country", "email", "sales_rep", "agent")] == [None] * 6
    assert (m1["area"], m1["tz"]) == ("FR", "Europe/Paris")


def test_debtor_update_detected_and_empty_agent_keeps_assignment(tmp_path: Path) -> None:
    store = make_store(tmp_path, "alice")
    header = "debtor_ref;name;segment;postcode;phone;agent"
    run(
        store,
        "debtors",
        write(
            tmp_path,
            "a.csv",
            [header, "U1;Avant;B2C;75011;06 12 34 56 78;alice", "U2;Stable;B2B;75011;;"],
        ),
    )
    created = debtor(store, "U1")
    later = NOW + timedelta(hours=1)
    res = run(
        store,
        "debtors",
        write(
            tmp_path,
            "b.csv",
            [header, "U1;Après;B2C;75011;06 12 34 56 79;", "U2;Stable;B2B;75011;;"],
        ),
        now=later,
    )
    assert counts(res) == (0, 1, 1)
    u1 = debtor(store, "U1")
    assert u1["name"] == "Après"
    assert u1["agent"] == "alice"  # an empty agent cell keeps the current assignment
    assert u1["created_at"] == created["created_at"]
    assert u1["updated_at"] == "2026-07-15 11:00:00"
    assert phones(store, "U1")[0][1:3] == ("06 12 34 56 79", "+33612345679")
    assert debtor(store, "U2")["updated_at"] == "2026-07-15 10:00:00"


def test_postcode_change_renormalises_unchanged_phone(tmp_path: Path) -> None:
    """The same raw number is read in the debtor's area: when the postcode moves the debtor
    to another area, the stored number follows even though the raw text did not change."""
    store = make_store(tmp_path)
    header = "debtor_ref;name;segment;postcode;phone"
    run(store, "debtors", write(tmp_path, "a.csv", [header, "R1;Payet;B2C;;0262 21 22 23"]))
    assert phones(store, "R1")[0][2] == "+262262212223"
    assert debtor(store, "R1")["area"] == "974"
    res = run(store, "debtors", write(tmp_path, "b.csv", [header, "R1;Payet;B2C;97100;0262 21 22 23"]))
    assert counts(res) == (0, 1, 0)
    assert debtor(store, "R1")["area"] == "971"
    info = normalise_phone("0262 21 22 23", AREAS["971"])
    assert phones(store, "R1") == [(1, "0262 21 22 23", info.e164, info.kind, int(info.valid), info.region, info.tz)]


def test_a_number_to_verify_stays_flagged_when_other_numbers_change(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    header = "debtor_ref;name;segment;postcode;phone;phone2"
    run(store, "debtors", write(tmp_path, "a.csv", [header, "V1;Vé;B2C;75011;06 12 34 56 78;01 23 45 67 89"]))
    with store.write() as conn:  # a wrong-number call flagged the mobile
        conn.execute("UPDATE phones SET to_verify = 1 WHERE e164 = '+33612345678'")
    # The landline changes: the mobile keeps its flag.
    res = run(store, "debtors", write(tmp_path, "b.csv", [header, "V1;Vé;B2C;75011;06 12 34 56 78;01 23 45 67 80"]))
    assert counts(res) == (0, 1, 0)
    flags = "SELECT position, e164, to_verify FROM phones ORDER BY position"
    assert q(store, flags) == [(1, "+33612345678", 1), (2, "+33123456780", 0)]
    # The numbers swap places: the flag follows the number.
    run(store, "debtors", write(tmp_path, "c.csv", [header, "V1;Vé;B2C;75011;01 23 45 67 80;06 12 34 56 78"]))
    assert q(store, flags) == [(1, "+33123456780", 0), (2, "+33612345678", 1)]
    # A new number replaces it: nothing to verify any more.
    run(store, "debtors", write(tmp_path, "d.csv", [header, "V1;Vé;B2C;75011;01 23 45 67 80;06 98 76 54 32"]))
    assert q(store, flags) == [(1, "+33123456780", 0), (2, "+33698765432", 0)]


# --- invoices: separators, encodings, amounts, dates ----------------------------------------

INVOICE_FILES = {
    "semicolon-utf8": (
        ";",
        "utf-8",
        False,
        [
            "D1;F1;01/05/2026;31/05/2026;1 234,56 €",
            "D1;F2;2026-06-01;2026-06-30;100.5",
            "D1;A1;05/06/2026;2026-06-05;-50,00",
        ],
    ),
    "comma-utf8-bom": (
        ",",
        "utf-8",
        True,
        [
            'D1,F1,01/05/2026,31/05/2026,"1 234,56 €"',
            "D1,F2,2026-06-01,2026-06-30,100.50",
            "D1,A1,05/06/2026,2026-06-05,-50",
        ],
    ),
    "semicolon-cp1252-nbsp-euro": (
        ";",
        "cp1252",
        False,
        [
            "D1;F1;01/05/2026;31/05/2026;1\u00a0234,56\u00a0€",
            "D1;F2;2026-06-01;2026-06-30;100,50 EUR",
            "D1;A1;05/06/2026;2026-06-05;- 50 €",
        ],
    ),
    "comma-cp1252-crlf": (
        ",",
        "cp1252",
        False,
        [
            'D1,F1,2026-05-01,2026-05-31,"1.234,56 €"',
            "D1,F2,01/06/2026,30/06/2026,100.5",
            'D1,A1,2026-06-05,05/06/2026,"-50,00"',
        ],
    ),
}


@pytest.mark.parametrize("variant", sorted(INVOICE_FILES))
def test_invoices_every_separator_encoding_and_number_form(tmp_path: Path, variant: str) -> None:
    sep, encoding, bom, rows = INVOICE_FILES[variant]
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    header = INVOICES_HEADER.replace(";", sep)
    path = write(
        tmp_path,
        "factures.csv",
        [header, *rows],
        encoding=encoding,
        bom=bom,
        newline="\r\n" if "crlf" in variant else "\n",
    )
    res = run(store, "invoices", path)
    assert counts(res) == (3, 0, 0)
    assert q(
        store,
        "SELECT ref, issue_date, due_date, amount_cents, open_cents, source FROM invoices ORDER BY ref",
    ) == [
        # The credit note (-50,00) settles the oldest invoice: F1 123456 − 5000 = 118456.
        ("A1", "2026-06-05", "2026-06-05", -5000, 0, "csv"),
        ("F1", "2026-05-01", "2026-05-31", 123456, 118456, "csv"),
        ("F2", "2026-06-01", "2026-06-30", 10050, 10050, "csv"),
    ]
    d1 = debtor(store, "D1")
    # 123456 + 10050 − 5000 = 128506.
    assert (d1["balance_cents"], d1["oldest_due"]) == (128506, "2026-05-31")


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1234,56", 123456),
        ("1234.56", 123456),
        ("1 234,56", 123456),
        ("1 234,56 €", 123456),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("1 234 567,8", 123456780),
        ("0,5", 50),
        ("12", 1200),
        ("-12,30", -1230),
        ("€ 12,30", 1230),
    ],
)
def test_invoice_amount_forms(tmp_path: Path, text: str, cents: int) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    run(
        store,
        "invoices",
        write(tmp_path, "f.csv", [INVOICES_HEADER, f"D1;F1;2026-06-01;2026-06-30;{text}"]),
    )
    assert one(store, "SELECT amount_cents FROM invoices") == cents


def test_invoice_reimport_is_idempotent_and_an_update_is_detected(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2"])
    rows = [
        INVOICES_HEADER,
        "D1;F1;01/05/2026;31/05/2026;100,00",
        "D1;F2;01/06/2026;30/06/2026;200,00",
        "D2;F1;01/06/2026;30/06/2026;300,00",  # same invoice_ref, another debtor
    ]
    path = write(tmp_path, "f.csv", rows)
    assert counts(run(store, "invoices", path)) == (3, 0, 0)
    before = data_dump(store)

    again = run(store, "invoices", path, now=NOW + timedelta(days=1))
    assert counts(again) == (0, 0, 3)
    assert data_dump(store) == before
    assert q(store, "SELECT inserted, updated, unchanged FROM imports ORDER BY id")[-2:] == [
        (3, 0, 0),
        (0, 0, 3),
    ]

    rows[2] = "D1;F2;01/06/2026;30/06/2026;250,00"
    res = run(store, "invoices", write(tmp_path, "f2.csv", rows), now=NOW + timedelta(days=1))
    assert counts(res) == (0, 1, 2)
    assert invoices_open(store, "D1") == {"F1": (10000, 10000), "F2": (25000, 25000)}
    assert debtor(store, "D1")["balance_cents"] == 35000
    assert one(store, "SELECT updated_at FROM invoices WHERE amount_cents = 25000") == ("2026-07-16 10:00:00")


# --- payments -------------------------------------------------------------------------------


def test_payments_with_and_without_invoice_ref(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    run(
        store,
        "invoices",
        write(
            tmp_path,
            "f.csv",
            [
                INVOICES_HEADER,
                "D1;F1;01/04/2026;30/04/2026;100",
                "D1;F2;01/05/2026;31/05/2026;100",
                "D1;F3;01/06/2026;30/06/2026;100",
            ],
        ),
    )
    res = run(
        store,
        "payments",
        write(
            tmp_path,
            "p.csv",
            [
                PAYMENTS_HEADER,
                "D1;P1;10/07/2026;30,00;F3",  # names F3
                "D1;P2;2026-07-11;150;",  # no invoice: F1 then F2
            ],
        ),
    )
    assert counts(res) == (2, 0, 0)
    assert q(store, "SELECT ref, paid_on, amount_cents, invoice_ref, source FROM payments") == [
        ("P1", "2026-07-10", 3000, "F3", "csv"),
        ("P2", "2026-07-11", 15000, None, "csv"),
    ]
    # F3: 100 − 30 = 70; pool 150 → F1 0, F2 100 − 50 = 50.
    assert invoices_open(store, "D1") == {
        "F1": (10000, 0),
        "F2": (10000, 5000),
        "F3": (10000, 7000),
    }
    d1 = debtor(store, "D1")
    assert (d1["balance_cents"], d1["oldest_due"]) == (12000, "2026-05-31")


def test_payment_amount_change_is_an_update(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    run(store, "invoices", write(tmp_path, "f.csv", [INVOICES_HEADER, "D1;F1;01/04/2026;30/04/2026;100"]))
    run(store, "payments", write(tmp_path, "p.csv", [PAYMENTS_HEADER, "D1;P1;10/07/2026;30;"]))
    res = run(store, "payments", write(tmp_path, "p2.csv", [PAYMENTS_HEADER, "D1;P1;10/07/2026;40;"]))
    assert counts(res) == (0, 1, 0)
    assert debtor(store, "D1")["balance_cents"] == 6000


# --- events ---------------------------------------------------------------------------------

EVENT_ROWS = [
    # at (Paris unless an offset is given) → stored UTC, has_time, kind
    ("E1;2026-07-01 10:00;call;out;no_answer;alice;", "2026-07-01 08:00:00", 1, "reminder"),
    ("E1;01/07/2026 14:30;call;out;promise;alice;Promet 200 €", "2026-07-01 12:30:00", 1, "response"),
    ("E1;2026-01-15 10:00;call;out;wrong_number;bob;", "2026-01-15 09:00:00", 1, "neutral"),
    ("E1;15/01/2026 10:05;call;out;invalid_number;bob;", "2026-01-15 09:05:00", 1, "neutral"),
    ("E1;2026-07-02;letter;out;formal_notice;;Mise en demeure", "2026-07-01 22:00:00", 0, "reminder"),
    ("E1;2025-12-24;email;out;;;", "2025-12-23 23:00:00", 0, "reminder"),
    ("E1;2026-07-03T09:15:00+02:00;email;in;;;Réponse", "2026-07-03 07:15:00", 1, "response"),
    ("E1;2026-07-04 08:00Z;sms;out;;;", "2026-07-04 08:00:00", 1, "reminder"),
    ("E1;2026-07-05 09:00:30;call;out;voicemail;alice;", "2026-07-05 07:00:30", 1, "reminder"),
    ("E1;2026-07-06 09:00;call;out;third_party;alice;", "2026-07-06 07:00:00", 1, "reminder"),
    ("E1;2026-07-06 10:00;call;out;callback;alice;", "2026-07-06 08:00:00", 1, "response"),
    ("E1;2026-07-06 11:00;call;in;;;", "2026-07-06 09:00:00", 1, "response"),
    ("E1;2026-07-07 11:00;call;out;;alice;", "2026-07-07 09:00:00", 1, "reminder"),
]


def test_events_times_are_paris_stored_utc_and_classified(tmp_path: Path) -> None:
    rows = EVENT_ROWS
    store = make_store(tmp_path, "alice", "bob")
    seed_debtors(store, tmp_path, ["E1"])
    res = run(store, "events", write(tmp_path, "e.csv", [EVENTS_HEADER, *(r[0] for r in rows)]))
    assert counts(res) == (len(rows), 0, 0)
    got = q(
        store,
        "SELECT at, has_time, kind, source, created_by FROM events ORDER BY id",
    )
    assert got == [(at, has_time, kind, "import", "test") for _, at, has_time, kind in rows]
    notes = q(store, "SELECT note FROM events WHERE note IS NOT NULL ORDER BY id")
    assert notes == [("Promet 200 €",), ("Mise en demeure",), ("Réponse",)]


def test_event_reimport_unchanged_and_note_change_is_an_update(tmp_path: Path) -> None:
    store = make_store(tmp_path, "alice")
    seed_debtors(store, tmp_path, ["E1"])
    rows = [EVENTS_HEADER, "E1;2026-07-01 10:00;call;out;no_answer;alice;", "E1;2026-07-02;sms;out;;;"]
    path = write(tmp_path, "e.csv", rows)
    run(store, "events", path)
    before = data_dump(store)
    assert counts(run(store, "events", path, now=NOW + timedelta(hours=2))) == (0, 0, 2)
    assert data_dump(store) == before
    rows[1] += "Pas de réponse"
    res = run(store, "events", write(tmp_path, "e2.csv", rows))
    assert counts(res) == (0, 1, 1)
    assert q(store, "SELECT note FROM events ORDER BY id") == [("Pas de réponse",), (None,)]


# --- promises -------------------------------------------------------------------------------


def test_promises_grouped_by_ref_into_instalments(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2"])
    run(
        store,
        "invoices",
        write(
            tmp_path,
            "f.csv",
            [INVOICES_HEADER, "D1;F1;01/04/2026;30/04/2026;500", "D2;F1;01/04/2026;30/04/2026;80"],
        ),
    )
    path = write(
        tmp_path,
        "pr.csv",
        [
            PROMISES_HEADER,
            "D1;PR1;2026-07-10 09:00;2026-08-20;100,00",  # out of order on purpose
            "D1;PR1;10/07/2026 09:00;2026-07-20;100,00",
            "D1;PR1;2026-07-10 09:00;20/09/2026;50",
            "D2;PR2;2026-06-30T23:30:00Z;2026-07-05;80",  # 01:30 on 1 July in Paris
        ],
    )
    res = run(store, "promises", path)
    assert counts(res) == (2, 0, 0)
    assert q(
        store,
        "SELECT d.ref, p.ref, p.created_at, p.recorded_on, p.total_cents, p.last_due, "
        "p.status, p.source FROM promises p JOIN debtors d ON d.id = p.debtor_id ORDER BY p.ref",
    ) == [
        ("D1", "PR1", "2026-07-10 07:00:00", "2026-07-10", 25000, "2026-09-20", "pending", "import"),
        # Due 5 July, grace 3 days: missed since 9 July; T = 15 July.
        ("D2", "PR2", "2026-06-30 23:30:00", "2026-07-01", 8000, "2026-07-05", "broken", "import"),
    ]
    assert q(
        store,
        "SELECT p.ref, i.seq, i.due_date, i.amount_cents, i.status FROM instalments i "
        "JOIN promises p ON p.id = i.promise_id ORDER BY p.ref, i.seq",
    ) == [
        ("PR1", 1, "2026-07-20", 10000, "pending"),
        ("PR1", 2, "2026-08-20", 10000, "pending"),
        ("PR1", 3, "2026-09-20", 5000, "pending"),
        ("PR2", 1, "2026-07-05", 8000, "missed"),
    ]
    # A broken promise not yet followed up puts the debtor in priority class 1.
    assert (debtor(store, "D1")["priority_class"], debtor(store, "D2")["priority_class"]) == (2, 1)

    before = data_dump(store)
    assert counts(run(store, "promises", path, now=NOW + timedelta(minutes=5))) == (0, 0, 2)
    assert data_dump(store) == before

    changed = path.read_text().replace("20/09/2026;50", "20/09/2026;60")
    res = run(store, "promises", write(tmp_path, "pr2.csv", changed))
    assert counts(res) == (0, 1, 1)
    assert one(store, "SELECT total_cents FROM promises WHERE ref = 'PR1'") == 26000
    assert one(store, "SELECT amount_cents FROM instalments WHERE due_date = '2026-09-20'") == 6000


# --- every format: idempotent re-import, --dry-run -------------------------------------------


PORTFOLIO: list[tuple[str, list[list[str]]]] = [
    (
        "debtors",
        [
            ["debtor_ref", "name", "segment", "postcode", "phone"],
            ["A1", "Alpha Énergie, SA", "B2B", "75011", "01 23 45 67 89"],
            ["A2", "Béta Lefèvre", "B2C", "97400", "0692 12 34 56"],
        ],
    ),
    (
        "invoices",
        [
            ["debtor_ref", "invoice_ref", "issue_date", "due_date", "amount"],
            ["A1", "F1", "01/05/2026", "31/05/2026", "100"],
            ["A2", "F1", "2026-05-01", "2026-06-30", "1 000,50 €"],
        ],
    ),
    (
        "payments",
        [
            ["debtor_ref", "payment_ref", "date", "amount", "invoice_ref"],
            ["A1", "P1", "01/07/2026", "40.5", "F1"],
            ["A2", "P1", "2026-07-02", "10", ""],
        ],
    ),
    (
        "events",
        [
            ["debtor_ref", "at", "channel", "direction", "outcome", "agent", "note"],
            ["A1", "2026-07-01 10:00", "call", "out", "no_answer", "", "Sonne dans le vide"],
            ["A2", "02/07/2026", "letter", "out", "", "", "Relance « amiable », envoyée"],
        ],
    ),
    (
        "promises",
        [
            ["debtor_ref", "promise_ref", "created_at", "due_date", "amount"],
            ["A1", "PR", "2026-07-10 10:00", "2026-07-30", "59,50"],
            ["A1", "PR", "10/07/2026 10:00", "30/08/2026", "0,50"],
        ],
    ),
]

# name: (separator, encoding, BOM, line end)
STYLES = {
    "semicolon-utf8": (";", "utf-8", False, "\n"),
    "comma-utf8-bom": (",", "utf-8", True, "\n"),
    "semicolon-cp1252-crlf": (";", "cp1252", False, "\r\n"),
    "comma-cp1252-crlf": (",", "cp1252", False, "\r\n"),
}


def _csv_line(cells: list[str], sep: str) -> str:
    return sep.join(f'"{c.replace(chr(34), chr(34) * 2)}"' if sep in c or '"' in c else c for c in cells)


def _all_files(tmp_path: Path, style: str = "semicolon-utf8") -> list[tuple[str, Path, int]]:
    """(kind, file, rows) for a small portfolio, in import order, written in `style`."""
    sep, encoding, bom, newline = STYLES[style]
    out = []
    for kind, rows in PORTFOLIO:
        lines = [_csv_line(r, sep) for r in rows]
        path = write(tmp_path, f"{kind}.csv", lines, encoding=encoding, bom=bom, newline=newline)
        out.append((kind, path, len(rows) - 1))
    return out


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_format_in_every_style_gives_the_same_database(tmp_path: Path, style: str) -> None:
    reference = make_store(tmp_path / "ref")
    for kind, path, _ in _all_files(tmp_path / "ref"):
        run(reference, kind, path)
    store = make_store(tmp_path)
    for kind, path, n in _all_files(tmp_path, style):
        res = run(store, kind, path)
        assert counts(res) == (1 if kind == "promises" else n, 0, 0), kind
        assert res.warnings == []
    assert data_dump(store) == data_dump(reference)
    # A few values, by hand.
    assert debtor(store, "A1")["name"] == "Alpha Énergie, SA"
    assert (debtor(store, "A2")["area"], phones(store, "A2")[0][2]) == ("974", "+262692123456")
    assert invoices_open(store, "A2") == {"F1": (100050, 99050)}
    assert invoices_open(store, "A1") == {"F1": (10000, 5950)}
    assert q(store, "SELECT at, has_time, kind, note FROM events ORDER BY id") == [
        ("2026-07-01 08:00:00", 1, "reminder", "Sonne dans le vide"),
        ("2026-07-01 22:00:00", 0, "reminder", "Relance « amiable », envoyée"),
    ]
    assert q(store, "SELECT due_date, amount_cents FROM instalments ORDER BY seq") == [
        ("2026-07-30", 5950),
        ("2026-08-30", 50),
    ]


def test_every_format_reimported_changes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    files = _all_files(tmp_path)
    for kind, path, _ in files:
        assert run(store, kind, path).inserted > 0
    before = data_dump(store)
    for kind, path, n in files:
        res = run(store, kind, path, now=NOW + timedelta(hours=3))
        expected_unchanged = 1 if kind == "promises" else n  # two rows, one promise
        assert counts(res) == (0, 0, expected_unchanged), kind
    assert data_dump(store) == before
    assert one(store, "SELECT COUNT(*) FROM imports") == 10
    sha = hashlib.sha256(files[0][1].read_bytes()).hexdigest()
    assert q(store, "SELECT kind, file_name, sha256, rows FROM imports ORDER BY id LIMIT 1") == [
        ("debtors", "debtors.csv", sha, 2)
    ]


def _file_bytes(store: Store) -> bytes:
    """The SQLite file, byte for byte, after a checkpoint (not even a page rewritten). A
    PostgreSQL database has no such file: there, the dump of every row is the check."""
    if on_postgres():
        return b""
    with store.lock:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(store.path).read_bytes()


def test_dry_run_reports_counts_and_changes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    for kind, path, _ in _all_files(tmp_path):
        db_bytes = _file_bytes(store)
        before = full_dump(store)
        dry = run(store, kind, path, dry_run=True)
        assert dry.dry_run is True
        assert full_dump(store) == before, kind
        assert _file_bytes(store) == db_bytes, kind
        real = run(store, kind, path)
        assert counts(dry) == counts(real), kind
        assert dry.examples == real.examples
        assert dry.examples and dry.examples[0].startswith("+ ")


def test_optional_columns_of_payments_and_events_absent(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    run(store, "invoices", write(tmp_path, "f.csv", [INVOICES_HEADER, "D1;F1;01/04/2026;30/04/2026;100"]))
    res = run(
        store, "payments", write(tmp_path, "p.csv", ["debtor_ref;payment_ref;date;amount", "D1;P1;2026-07-01;25"])
    )
    assert counts(res) == (1, 0, 0)
    res = run(
        store, "events", write(tmp_path, "e.csv", ["debtor_ref;at;channel;direction", "D1;2026-07-01 09:00;sms;out"])
    )
    assert counts(res) == (1, 0, 0)
    assert q(store, "SELECT invoice_ref FROM payments") == [(None,)]
    assert q(store, "SELECT outcome, agent, note, kind FROM events") == [(None, None, None, "reminder")]
    assert invoices_open(store, "D1") == {"F1": (10000, 7500)}


def test_dry_run_of_an_update(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    run(
        store,
        "invoices",
        write(tmp_path, "f.csv", [INVOICES_HEADER, "D1;F1;01/05/2026;31/05/2026;100", "D1;F2;01/05/2026;31/05/2026;5"]),
    )
    before = full_dump(store)
    res = run(
        store,
        "invoices",
        write(
            tmp_path,
            "g.csv",
            [
                INVOICES_HEADER,
                "D1;F1;01/05/2026;31/05/2026;120",
                "D1;F2;01/05/2026;31/05/2026;5",
                "D1;F3;01/06/2026;30/06/2026;7",
            ],
        ),
        dry_run=True,
    )
    assert counts(res) == (1, 1, 1)
    assert res.examples == ["~ facture D1/F1", "+ facture D1/F3 7,00 €"]
    assert full_dump(store) == before


def test_events_of_an_unknown_agent_are_kept_with_one_warning_per_login(tmp_path: Path) -> None:
    """`events.agent` is history (another tool, former agents): kept, but said once per login."""
    store = make_store(tmp_path, "alice")
    seed_debtors(store, tmp_path, ["E1"])
    path = write(
        tmp_path,
        "e.csv",
        [
            EVENTS_HEADER,
            "E1;2026-07-01 10:00;call;out;no_answer;alice;",
            "E1;2026-07-02 10:00;call;out;no_answer;ancien;",
            "E1;2026-07-03 10:00;call;out;busy;ancien;",
        ],
    )
    res = run(store, "events", path)
    assert counts(res) == (3, 0, 0)
    assert [str(w) for w in res.warnings] == ["e.csv:3: agent: agent inconnu « ancien » : événements gardés tels quels"]
    assert q(store, "SELECT agent FROM events ORDER BY id") == [("alice",), ("ancien",), ("ancien",)]


# --- fast paths agree with the reference parsers ----------------------------------------------

_DATEISH = st.one_of(
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z"),
    st.from_regex(r"\A\d{2}/\d{2}/\d{4}\Z"),
    st.text(alphabet="0123456789-/ .\u0661", min_size=8, max_size=11),
)
_AMOUNTISH = st.one_of(
    st.from_regex(r"\A-?\d{1,16}([.,]\d{1,3})?\Z"),
    st.from_regex(r"\A-?\d{1,3}([ \u00a0\u202f]\d{3}){0,3}([.,]\d{1,2})?( ?€)?\Z"),
    st.text(alphabet="0123456789-+., €\u00a0", min_size=1, max_size=12),
)
_INSTANTISH = st.one_of(
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\Z"),
    st.text(alphabet="0123456789-/: T", min_size=14, max_size=20),
)


def _reference(parse: Callable[[str], object], text: str) -> object:
    try:
        return parse(text)
    except ValueError:  # DateError, AmountError
        return "error"


@settings(max_examples=400, deadline=None)
@given(_DATEISH)
def test_fast_date_accepts_only_what_the_reference_reads_the_same(text: str) -> None:
    fast = fast_date(text)
    if fast is not None:
        assert _reference(parse_date, text) == fast


@settings(max_examples=400, deadline=None)
@given(_AMOUNTISH)
def test_fast_amount_accepts_only_what_the_reference_reads_the_same(text: str) -> None:
    fast = fast_amount(text)
    if fast is not None:
        assert _reference(parse_amount, text) == fast


@settings(max_examples=400, deadline=None)
@given(_INSTANTISH)
def test_fast_datetime_accepts_only_what_the_reference_reads_the_same(text: str) -> None:
    fast = fast_paris_datetime(text)
    if fast is not None:
        assert _reference(parse_datetime, text) == fast


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-29 02:30", "2026-03-29 01:30:00"),  # the spring-forward gap: read as winter time
        ("2026-10-25 02:30", "2026-10-25 00:30:00"),  # the repeated hour: its first (summer) one
        ("2026-12-31T23:59:59", "2026-12-31 22:59:59"),
    ],
)
def test_fast_datetime_on_daylight_saving_edges(text: str, expected: str) -> None:
    fast = fast_paris_datetime(text)
    assert fast is not None
    assert fast == parse_datetime(text)
    assert to_db(fast[0]) == expected
