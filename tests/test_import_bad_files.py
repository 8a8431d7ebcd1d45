"""Bad input (docs/rules.md, "Data in"): the whole file is rejected with every error as
`file:line: column: problem`, and the database is unchanged (`stores.dump` equal before and
after, checked by `rejected`). Line 1 is the header; line 0 means the whole file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from import_helpers import (
    EVENTS_HEADER,
    FEC_HEADER,
    INVOICES_HEADER,
    PAYMENTS_HEADER,
    PROMISES_HEADER,
    full_dump,
    make_store,
    rejected,
    run,
    seed_debtors,
    write,
    write_bytes,
)
from recouvre_tui.importers.reader import ImportRejected
from recouvre_tui.store.db import Store

CALL_CODES = (
    "already_paid, busy, callback, dispute, hardship, invalid_number, no_answer, paid, plan, promise, "
    "refusal, third_party, voicemail, wrong_number"
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Agent alice; debtors D1, D2; invoice D1/F1 — so that references can be checked."""
    s = make_store(tmp_path, "alice")
    seed_debtors(s, tmp_path, ["D1", "D2"])
    run(s, "invoices", write(tmp_path, "seed_f.csv", [INVOICES_HEADER, "D1;F1;01/05/2026;31/05/2026;100"]))
    return s


# (kind, lines of f.csv, expected messages)
CASES: dict[str, tuple[str, list[str], list[str]]] = {
    "missing required column": (
        "invoices",
        ["debtor_ref;invoice_ref;issue_date;amount", "D1;F2;01/05/2026;10"],
        ["f.csv:1: due_date: colonne obligatoire absente"],
    ),
    "several missing columns": (
        "debtors",
        ["debtor_ref;nom", "D9;Neuf"],
        [
            "f.csv:1: name: colonne obligatoire absente",
            "f.csv:1: segment: colonne obligatoire absente",
        ],
    ),
    "duplicate column": (
        "invoices",
        [INVOICES_HEADER + ";amount", "D1;F2;01/05/2026;31/05/2026;10;10"],
        ["f.csv:1: amount: colonne en double dans l'en-tête"],
    ),
    "impossible date": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;31/02/2026;31/03/2026;10"],
        ["f.csv:2: issue_date: date impossible « 31/02/2026 »"],
    ),
    "unreadable date": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;2026/03/01;31/03/2026;10"],
        ["f.csv:2: issue_date: date illisible « 2026/03/01 » (attendu jj/mm/aaaa ou aaaa-mm-jj)"],
    ),
    "bad amount": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;31/03/2026;12,3,4"],
        ["f.csv:2: amount: montant illisible « 12,3,4 »"],
    ),
    "three decimals": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;31/03/2026;12,345"],
        ["f.csv:2: amount: plus de deux décimales dans « 12,345 »"],
    ),
    "zero amount": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;31/03/2026;0,00"],
        ["f.csv:2: amount: montant nul"],
    ),
    "empty required value": (
        "invoices",
        [INVOICES_HEADER, "D1;;01/03/2026;31/03/2026;10"],
        ["f.csv:2: invoice_ref: valeur obligatoire manquante"],
    ),
    "unknown debtor": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;31/03/2026;10", "D9;F3;01/03/2026;31/03/2026;10"],
        ["f.csv:3: debtor_ref: débiteur inconnu « D9 » (importez d'abord les débiteurs)"],
    ),
    "duplicate reference in the file": (
        "invoices",
        [
            INVOICES_HEADER,
            "D1;F2;01/03/2026;31/03/2026;10",
            "D2;F2;01/03/2026;31/03/2026;10",  # another debtor: fine
            "D1; F2 ;01/04/2026;30/04/2026;20",
        ],
        ["f.csv:4: invoice_ref: référence en double dans le fichier « D1 / F2 » (déjà à la ligne 2)"],
    ),
    "duplicate debtor": (
        "debtors",
        ["debtor_ref;name;segment", "D7;Sept;B2C", "D8;Huit;B2C", "D7;Sept bis;B2C"],
        ["f.csv:4: debtor_ref: référence en double dans le fichier « D7 » (déjà à la ligne 2)"],
    ),
    "header only": (
        "invoices",
        [INVOICES_HEADER],
        ["f.csv:0: aucune ligne de données après l'en-tête"],
    ),
    "header and blank lines only": (
        "invoices",
        [INVOICES_HEADER, "", ";;;;", ""],
        ["f.csv:0: aucune ligne de données après l'en-tête"],
    ),
    "tab separator in a CSV": (
        "invoices",
        [INVOICES_HEADER.replace(";", "\t"), "D1\tF2\t01/03/2026\t31/03/2026\t10"],
        ["f.csv:1: séparateur non reconnu dans l'en-tête : tabulation (attendu « ; » ou « , »)"],
    ),
    "negative payment": (
        "payments",
        [PAYMENTS_HEADER, "D1;P1;01/06/2026;-5;"],
        ["f.csv:2: amount: montant négatif non autorisé (-5)"],
    ),
    "truncated line": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;31/03/2026;10", "D1;F3;01/03/2026;31/03/2026"],
        ["f.csv:3: ligne tronquée : 4 champs au lieu de 5"],
    ),
    "too many fields": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;31/03/2026;10;en trop"],
        ["f.csv:2: ligne trop longue : 6 champs au lieu de 5"],
    ),
    "decimal comma in a comma-separated file": (
        "invoices",
        [INVOICES_HEADER.replace(";", ","), "D1,F2,01/03/2026,31/03/2026,10,50"],
        ["f.csv:2: ligne trop longue : 6 champs au lieu de 5 (virgule décimale sans guillemets ?)"],
    ),
    "unknown agent on a debtor": (
        "debtors",
        ["debtor_ref;name;segment;agent", "D5;Cinq;B2C;alice", "D6;Six;B2C;bob"],
        ["f.csv:3: agent: agent inconnu « bob » (recouvre agents add)"],
    ),
    "unknown invoice_ref on a payment": (
        "payments",
        [PAYMENTS_HEADER, "D1;P1;01/06/2026;5;F1", "D2;P1;01/06/2026;5;F1"],
        ["f.csv:3: invoice_ref: facture inconnue « F1 » pour le débiteur D2"],
    ),
    "bad segment": (
        "debtors",
        ["debtor_ref;name;segment", "D5;Cinq;B2X"],
        ["f.csv:2: segment: valeur inconnue « B2X » (attendu : B2B, B2C)"],
    ),
    "bad call outcome": (
        "events",
        [EVENTS_HEADER, "D1;2026-07-01 10:00;call;out;répondeur;alice;"],
        [f"f.csv:2: outcome: issue d'appel inconnue « répondeur » (attendu : {CALL_CODES})"],
    ),
    "bad channel and direction": (
        "events",
        [EVENTS_HEADER, "D1;2026-07-01 10:00;fax;sortant;;;"],
        [
            "f.csv:2: channel: valeur inconnue « fax » (attendu : call, email, letter, sms)",
            "f.csv:2: direction: valeur inconnue « sortant » (attendu : in, out)",
        ],
    ),
    "impossible time": (
        "events",
        [EVENTS_HEADER, "D1;2026-07-01 25:00;call;out;no_answer;;"],
        ["f.csv:2: at: heure impossible « 25:00 »"],
    ),
    "due date before issue date": (
        "invoices",
        [INVOICES_HEADER, "D1;F2;01/03/2026;01/02/2026;10"],
        ["f.csv:2: due_date: échéance 01/02/2026 antérieure à l'émission 01/03/2026"],
    ),
    "unterminated quote": (
        "invoices",
        [
            INVOICES_HEADER,
            "D1;F2;01/03/2026;31/03/2026;10",
            'D1;"F3;01/03/2026;31/03/2026;10',
            "D1;F4;01/03/2026;31/03/2026;10",
        ],
        ["f.csv:3: guillemet ouvert jamais refermé (le champ court jusqu'à la fin du fichier)"],
    ),
    "event in the future (date)": (
        "events",
        [EVENTS_HEADER, "D1;2026-07-16;letter;out;;;"],  # tomorrow in Paris
        ["f.csv:2: at: date dans le futur (16/07/2026)"],
    ),
    "event in the future (time)": (
        "events",
        # 12:30 Paris, half an hour after NOW (12:00 Paris)
        [EVENTS_HEADER, "D1;2026-07-15 11:00;call;out;no_answer;;", "D1;15/07/2026 12:30;sms;out;;;"],
        ["f.csv:3: at: date dans le futur (15/07/2026 12:30, heure de Paris)"],
    ),
    "event twice in the file": (
        "events",
        [EVENTS_HEADER, "D1;2026-07-01 10:00;call;out;busy;;", "D1;01/07/2026 10:00;call;out;busy;;"],
        ["f.csv:3: at: événement en double dans le fichier (déjà à la ligne 2)"],
    ),
    "bad siren, postcode and email": (
        "debtors",
        [
            "debtor_ref;name;segment;siren;postcode;email",
            "D5;Cinq;B2B;12345;7500;compta@",
        ],
        [
            "f.csv:2: siren: SIREN invalide « 12345 » (9 chiffres)",
            "f.csv:2: postcode: code postal invalide « 7500 » (5 chiffres)",
            "f.csv:2: email: adresse e-mail invalide « compta@ »",
        ],
    ),
    "value too long": (
        "invoices",
        [INVOICES_HEADER, f"D1;{'F' * 65};01/03/2026;31/03/2026;10"],
        ["f.csv:2: invoice_ref: valeur trop longue (65 caractères, maximum 64)"],
    ),
    "promise instalments disagree on the creation date": (
        "promises",
        [
            PROMISES_HEADER,
            "D1;PR1;2026-07-01 10:00;2026-07-20;50",
            "D1;PR1;2026-07-02 10:00;2026-08-20;50",
        ],
        ["f.csv:3: created_at: date de la promesse « PR1 » différente de la ligne 2"],
    ),
    "promise due before it was made": (
        "promises",
        [PROMISES_HEADER, "D1;PR1;2026-07-10 10:00;2026-07-09;50"],
        ["f.csv:2: due_date: échéance antérieure à l'enregistrement de la promesse"],
    ),
    "promise made in the future": (
        "promises",
        [PROMISES_HEADER, "D1;PR1;2026-07-16 10:00;2026-07-20;50"],
        ["f.csv:2: created_at: promesse enregistrée dans le futur"],
    ),
    "same instalment twice": (
        "promises",
        [
            PROMISES_HEADER,
            "D1;PR1;2026-07-10 10:00;2026-07-20;50",
            "D1;PR1;2026-07-10 10:00;2026-07-20;60",
        ],
        ["f.csv:3: promise_ref: référence en double dans le fichier « D1 / PR1 / 2026-07-20 » (déjà à la ligne 2)"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_csv_is_rejected_whole(store: Store, tmp_path: Path, case: str) -> None:
    kind, lines, expected = CASES[case]
    path = write(tmp_path, "f.csv", lines)
    assert rejected(store, kind, path) == expected


@pytest.mark.parametrize("case", ["unknown debtor", "bad amount", "unterminated quote"])
def test_dry_run_of_a_bad_file_is_rejected_too(store: Store, tmp_path: Path, case: str) -> None:
    kind, lines, expected = CASES[case]
    assert rejected(store, kind, write(tmp_path, "f.csv", lines), dry_run=True) == expected


# --- files that are not CSV text ----------------------------------------------------------

BYTES_CASES: dict[str, tuple[bytes, list[str]]] = {
    "empty file": (b"", ["f.csv:0: fichier vide"]),
    "blank file": (b" \r\n\n", ["f.csv:0: fichier vide"]),
    "BOM only": (b"\xef\xbb\xbf\n", ["f.csv:0: fichier vide"]),
    "UTF-16 with BOM": (
        (INVOICES_HEADER + "\nD1;F2;01/03/2026;31/03/2026;10\n").encode("utf-16"),
        ["f.csv:0: fichier encodé en UTF-16 : enregistrez-le en UTF-8 ou en Windows-1252"],
    ),
    "UTF-16 without BOM": (
        (INVOICES_HEADER + "\n").encode("utf-16-le"),
        ["f.csv:0: fichier encodé en UTF-16 : enregistrez-le en UTF-8 ou en Windows-1252"],
    ),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        ["f.csv:0: fichier binaire (octets nuls) : ce n'est pas un fichier texte CSV"],
    ),
    "undecodable bytes": (
        b"debtor_ref;name;segment\nD5;\x81\x8d;B2C\n",
        ["f.csv:2: octets sans caractère en Windows-1252 (lignes 2) : fichier corrompu ou binaire ?"],
    ),
}


@pytest.mark.parametrize("case", list(BYTES_CASES))
def test_not_a_csv_text_file(store: Store, tmp_path: Path, case: str) -> None:
    data, expected = BYTES_CASES[case]
    assert rejected(store, "invoices", write_bytes(tmp_path, "f.csv", data)) == expected


def test_missing_file(store: Store, tmp_path: Path) -> None:
    assert rejected(store, "invoices", tmp_path / "absent.csv") == ["absent.csv:0: fichier introuvable"]


# --- every error at once ------------------------------------------------------------------


def test_every_error_of_the_file_is_reported_at_once(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.csv",
        [
            INVOICES_HEADER,
            "D1;F2;31/02/2026;31/03/2026;10",
            "D1;F3;01/03/2026;31/03/2026;10",  # fine
            "D1;F4;01/03/2026;31/03/2026;1,2,3",
            "D1;F5;01/03/2026;01/02/2026;10",
        ],
    )
    assert rejected(store, "invoices", path) == [
        "f.csv:2: issue_date: date impossible « 31/02/2026 »",
        "f.csv:4: amount: montant illisible « 1,2,3 »",
        "f.csv:5: due_date: échéance 01/02/2026 antérieure à l'émission 01/03/2026",
    ]


def test_reference_errors_are_reported_with_format_errors(store: Store, tmp_path: Path) -> None:
    """An unknown debtor is found in the database, a bad date in the file: both are told."""
    path = write(
        tmp_path,
        "p.csv",
        [
            PAYMENTS_HEADER,
            "D9;P1;01/06/2026;5;",
            "D1;P2;31/06/2026;5;",
            "D1;P3;01/06/2026;5;F9",
            "D1;P4;01/06/2026;5;F1",
            "D1;P5;01/06/2026;-5;",
            "D1;P6;01/06/2026",
        ],
    )
    assert rejected(store, "payments", path) == [
        "p.csv:2: debtor_ref: débiteur inconnu « D9 » (importez d'abord les débiteurs)",
        "p.csv:3: date: date impossible « 31/06/2026 »",
        "p.csv:4: invoice_ref: facture inconnue « F9 » pour le débiteur D1",
        "p.csv:6: amount: montant négatif non autorisé (-5)",
        "p.csv:7: ligne tronquée : 3 champs au lieu de 5",
    ]


def test_many_errors_in_a_debtors_file(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.csv",
        [
            "debtor_ref;name;segment;agent;inconnue",
            "D5;;B2C;;x",
            "D6;Six;b2b;zoe;x",
            "D7;Sept;B2C;;x;y",
        ],
    )
    before = full_dump(store)
    with pytest.raises(ImportRejected) as info:
        run(store, "debtors", path)
    assert [str(i) for i in info.value.issues] == [
        "d.csv:2: name: valeur obligatoire manquante",
        "d.csv:3: agent: agent inconnu « zoe » (recouvre agents add)",
        "d.csv:4: ligne trop longue : 6 champs au lieu de 5",
    ]
    # The warnings travel with the rejection, for the CLI to print.
    assert [str(w) for w in info.value.warnings] == ["d.csv:1: inconnue: colonne inconnue, ignorée"]
    assert full_dump(store) == before


# --- FEC ------------------------------------------------------------------------------------

FEC_OK = "VT|Ventes|1|20260105|411000|Clients|C001|Dupont SA|FA1|20260105|Facture|1200,00|0,00|||20260105||"


def _fec(tmp_path: Path, lines: list[str], header: str = FEC_HEADER) -> Path:
    return write(tmp_path, "FEC.txt", [header, *lines], encoding="iso-8859-1", newline="\r\n")


def test_fec_missing_column(store: Store, tmp_path: Path) -> None:
    header = FEC_HEADER.replace("|DateLet", "")
    line = FEC_OK.replace("|||20260105||", "||20260105||")
    assert rejected(store, "fec", _fec(tmp_path, [line], header)) == [
        "FEC.txt:1: DateLet: colonne FEC obligatoire absente"
    ]


def test_fec_wrong_separator(store: Store, tmp_path: Path) -> None:
    path = _fec(tmp_path, [FEC_OK.replace("|", ";")], FEC_HEADER.replace("|", ";"))
    assert rejected(store, "fec", path) == [
        "FEC.txt:1: séparateur non reconnu dans l'en-tête : « ; » (attendu « | » ou tabulation)"
    ]


def test_fec_bad_lines_all_reported(store: Store, tmp_path: Path) -> None:
    lines = [
        FEC_OK,
        FEC_OK.replace("|1200,00|0,00|", "|12,,00|0,00|"),
        FEC_OK.replace("|20260105|411000|", "|20260231|411000|"),
        FEC_OK.replace("|1200,00|0,00|", "|1200,00|5,00|"),
        FEC_OK.replace("|FA1|", "||"),
        FEC_OK.replace("|1200,00|0,00|", "|-1200,00|0,00|"),
        FEC_OK + "|",
        # Other accounts are read only for their entry: their oddities do not matter.
        FEC_OK.replace("|411000|", "|706000|").replace("|1200,00|", "|n'importe quoi|"),
    ]
    assert rejected(store, "fec", _fec(tmp_path, lines)) == [
        "FEC.txt:3: Debit: montant illisible « 12,,00 »",
        "FEC.txt:4: EcritureDate: date impossible « 20260231 »",
        "FEC.txt:5: Debit: débit et crédit renseignés sur la même ligne",
        # Line 6: an empty PieceRef gives way to EcritureNum; line 7: a negative debit is a credit.
        "FEC.txt:8: ligne trop longue : 19 champs au lieu de 18",
    ]


def test_fec_utf16_is_rejected(store: Store, tmp_path: Path) -> None:
    data = (FEC_HEADER + "\r\n" + FEC_OK + "\r\n").encode("utf-16")
    assert rejected(store, "fec", write_bytes(tmp_path, "FEC.txt", data)) == [
        "FEC.txt:0: fichier encodé en UTF-16 : enregistrez-le en UTF-8 ou en ISO-8859-15"
    ]


def test_rows_before_an_unterminated_quote_are_checked_too(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.csv",
        [
            INVOICES_HEADER,
            "D1;F2;31/02/2026;31/03/2026;10",
            'D1;"F3;01/03/2026;31/03/2026;10',
            "D1;F4;01/03/2026;31/03/2026;10",
        ],
    )
    assert rejected(store, "invoices", path) == [
        "f.csv:2: issue_date: date impossible « 31/02/2026 »",
        "f.csv:3: guillemet ouvert jamais refermé (le champ court jusqu'à la fin du fichier)",
    ]


def test_line_numbers_count_physical_lines_of_quoted_multiline_cells(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.csv",
        [
            EVENTS_HEADER,
            'D1;2026-07-01 10:00;call;out;no_answer;alice;"Rappeler le service',
            'comptable ; demander ""Mme Durand"""',
            "",
            "D1;2026-07-01 25:00;call;out;no_answer;alice;",
            'D1;2026-07-02 10:00;call;out;"répondeur";alice;"une',
            'note"',
        ],
    )
    assert rejected(store, "events", path) == [
        "e.csv:5: at: heure impossible « 25:00 »",
        f"e.csv:6: outcome: issue d'appel inconnue « répondeur » (attendu : {CALL_CODES})",
    ]
