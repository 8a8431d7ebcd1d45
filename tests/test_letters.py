"""Mise en demeure, court pack and relevé de compte end to end through the CLI on a real
database; PDFs read back with pypdf. Penalty figures hand-computed in tests/test_legal_cli.py
(F1 69,32 € and F2 110,68 € on 10/07/2025) and below for 30/07/2025."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner, Result

from recouvre_tui.cli import main
from recouvre_tui.domain.letters import L111_8_PARAGRAPHS_2_3
from recouvre_tui.store.db import open_db
from stores import new_db
from test_export_mail import cert, smtp_server  # noqa: F401 (fixtures: a real SMTP server)

NOW = "2025-07-10T10:00"
LATER = "2025-07-30T10:00"  # 20 days after the letter: a court pack is allowed

DEBTORS = """debtor_ref;name;segment;phone;agent;siren;postcode;address;city
B1;Garage Dupont SARL;B2B;01 44 55 66 77;alice;732829320;75011;3 rue Oberkampf;Paris
C1;Jean Plain;B2C;06 12 34 56 71;alice;;69003;8 cours Gambetta;Lyon
C2;Anne Grosse;B2C;06 12 34 56 72;alice;;;;
C3;Paul Surendetté;B2C;06 12 34 56 73;alice;;;;
C4;Lise Prescrite;B2C;06 12 34 56 74;alice;;;;
N1;Nina Àjour;B2C;06 12 34 56 75;alice;;;;
"""
INVOICES = """debtor_ref;invoice_ref;issue_date;due_date;amount
B1;F1;2025-05-20;2025-06-20;10000.00
B1;F2;2024-02-28;2024-03-31;1000.00
C1;I1;2025-04-15;2025-05-15;1000.00
C2;J1;2025-04-15;2025-05-15;6000.00
C3;K1;2025-04-15;2025-05-15;500.00
C4;L1;2022-12-15;2023-01-15;700.00
N1;M1;2025-06-15;2025-12-31;300.00
"""
PAYMENTS = """debtor_ref;payment_ref;date;amount;invoice_ref
B1;P1;2024-04-30;400.00;F2
"""
CONFIG = """creditor_name = "Recouvre Démo SAS"
creditor_address = "12 rue de la Paix\\n75002 Paris"
creditor_siren = "552100554"
payment_iban = "FR76 3000 6000 0112 3456 7890 189"
payment_means = "virement bancaire"
"""
AGENCY = (
    CONFIG
    + """collection_agency = true
agency_name = "Cabinet Amiable Œuvre"
agency_address = "5 place Bellecour\\n69002 Lyon"
"""
)


@dataclass(frozen=True)
class Db:
    """The test database (a file or a PostgreSQL URL: tests/stores.py) and the folder of the
    configuration files beside it."""

    target: Path | str
    dir: Path

    def __str__(self) -> str:
        return str(self.target)


@pytest.fixture
def db(tmp_path: Path) -> Db:
    path = Db(new_db(tmp_path, "letters.db"), tmp_path)
    ok(path, "init")
    ok(path, "agents", "add", "alice", "--name", "Alice Martin", "--role", "agent")
    ok(path, "agents", "add", "lea", "--name", "Léa Chef", "--role", "lead")
    for kind, text in (("debtors", DEBTORS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        f = tmp_path / f"{kind}.csv"
        f.write_text(text, encoding="utf-8")
        ok(path, "import", kind, str(f), "--now", NOW)
    (tmp_path / "c.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "agency.toml").write_text(AGENCY, encoding="utf-8")
    return path


def run(db: Db, *args: str, config: str = "c.toml") -> Result:
    return CliRunner().invoke(
        main, ["--db", str(db), "--config", str(db.dir / config), *args], catch_exceptions=False
    )


def ok(db: Db, *args: str, config: str = "c.toml") -> Result:
    r = (
        run(db, *args, config=config)
        if (db.dir / config).exists()
        else CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    )
    assert r.exit_code == 0, r.stderr + r.stdout
    return r


def refused(db: Db, *args: str, config: str = "c.toml") -> str:
    r = run(db, *args, config=config)
    assert r.exit_code == 1, r.stdout
    return r.stderr


def text_of(path: Path) -> str:
    """The PDF's text, one line per line, plain spaces."""
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def flat(text: str) -> str:
    return " ".join(text.split())


def rows(db: Db, sql: str, *params: object) -> list[tuple]:
    store = open_db(db.target)
    try:
        return store.conn.execute(sql, params).fetchall()
    finally:
        store.close()


def test_b2b_formal_notice_has_every_mandatory_mention_and_is_recorded(db: Db, tmp_path: Path) -> None:
    out = tmp_path / "med.pdf"
    r = ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(out))
    assert "MED-2025-00001" in r.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = text_of(out)
    lines = text.splitlines()
    # Creditor (sender) and debtor identities and addresses.
    assert lines[:4] == ["Recouvre Démo SAS", "12 rue de la Paix", "75002 Paris", "SIREN 552100554"]
    assert lines[4:8] == ["Garage Dupont SARL", "3 rue Oberkampf", "75011 Paris", "SIREN 732829320"]
    assert "Le 10/07/2025" in lines
    assert "Objet : mise en demeure de payer — réf. MED-2025-00001 — dossier B1" in lines
    # Each overdue invoice, its principal, penalties (L441-10) and 40 € indemnity (D441-5).
    assert "Facture Échéance Principal Pénalités Indemnité" in lines
    assert "F2 31/03/2024 600,00 € 110,68 € 40,00 €" in lines
    assert "F1 20/06/2025 10 000,00 € 69,32 € 40,00 €" in lines
    assert "Total 10 600,00 € 180,00 € 80,00 €" in lines
    body = flat(text)
    assert "article L441-10 du code de commerce" in body and "D441-5" in body
    # 10 600 + 180 + 80 = 10 860 €, deadline 8 days later.
    assert "nous vous mettons en demeure de payer la somme de 10 860,00 € au plus tard le 18/07/2025" in body
    assert "Modalités de paiement : virement bancaire." in body
    assert "IBAN : FR76 3000 6000 0112 3456 7890 189" in body
    assert lines[-4:] == [
        "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        "Pour Recouvre Démo SAS",
        "Léa Chef",
        "Signature :",
    ]
    assert "L111-8" not in body  # not an agency: no R124-4 mentions
    # The event, what it covered, and the audit row.
    (event,) = rows(
        db,
        "SELECT id, channel, direction, outcome, kind, letter_ref, amount_cents, agent FROM events "
        "WHERE letter_ref IS NOT NULL",
    )
    assert event[1:] == ("letter", "out", "formal_notice", "reminder", "MED-2025-00001", 1_086_000, "lea")
    covered = rows(db, "SELECT invoice_ref, amount_cents FROM letter_invoices WHERE event_id = ? ORDER BY id", event[0])
    assert covered == [("F2", 60_000), ("F1", 1_000_000)]
    (audit,) = rows(db, "SELECT actor, action, entity_ref, details FROM audit WHERE action = 'formal_notice'")
    details = json.loads(audit[3])
    assert audit[:3] == ("lea", "formal_notice", "B1")
    assert (details["letter_ref"], details["amount_cents"], details["invoices"]) == (
        "MED-2025-00001",
        1_086_000,
        ["F2", "F1"],
    )
    # Numbering goes on in the year.
    r2 = ok(db, "letter", "formal-notice", "C1", "--as", "lea", "--now", NOW, "--output", str(tmp_path / "c1.pdf"))
    assert "MED-2025-00002" in r2.stdout
    # A notice sent outside the program under a look-alike reference in lower case is not one
    # of ours: the numbering compares case too, on both stores (SQLite's LIKE did not).
    ok(db, "formal-notice", "C4", "--date", "2025-07-09", "--ref", "med-2025-00007", "--as", "lea", "--now", NOW)
    r3 = ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(tmp_path / "b1b.pdf"))
    assert "MED-2025-00003" in r3.stdout


def test_later_call_scripts_cite_the_letter_reference_and_date(db: Db, tmp_path: Path) -> None:
    ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(tmp_path / "m.pdf"))
    out = ok(db, "scripts", "show", "B1", "--as", "alice", "--tone", "ferme", "--now", LATER).stdout
    assert "« Notre mise en demeure du 10/07/2025 (réf. MED-2025-00001) est restée sans effet. »" in out


def test_b2c_letter_has_no_indemnity_and_no_penalties(db: Db, tmp_path: Path) -> None:
    out = tmp_path / "c1.pdf"
    ok(db, "letter", "formal-notice", "C1", "--as", "lea", "--now", NOW, "--output", str(out), "--deadline-days", "15")
    text = text_of(out)
    lines = text.splitlines()
    assert lines[4:7] == ["Jean Plain", "8 cours Gambetta", "69003 Lyon"]
    assert "Facture Échéance Principal" in lines and "I1 15/05/2025 1 000,00 €" in lines
    body = flat(text)
    assert "Indemnité" not in body and "40 €" not in body and "Pénalités" not in body
    assert "la somme de 1 000,00 € au plus tard le 25/07/2025" in body


def test_agency_letter_carries_the_r124_4_mentions(db: Db, tmp_path: Path) -> None:
    out = tmp_path / "agency.pdf"
    ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(out), config="agency.toml")
    text = text_of(out)
    lines = text.splitlines()
    body = flat(text)
    # 1° the agency's name, address, and that it collects amicably.
    assert lines[:3] == ["Cabinet Amiable Œuvre", "5 place Bellecour", "69002 Lyon"]
    assert "Société exerçant une activité de recouvrement amiable de créances." in body
    # 2° the creditor's name and address.
    assert "le créancier Recouvre Démo SAS, 12 rue de la Paix, 75002 Paris, SIREN 552100554" in body
    # 3° basis and amount split into principal, interest, other accessories; no fees charged.
    assert "Fondement : factures impayées à leur échéance (principal)" in body
    assert (
        "Décomposition de la somme due : principal 10 600,00 € ; intérêts 180,00 € ; autres accessoires 80,00 €."
        in body
    )
    assert "Aucun frais de recouvrement amiable n'est mis à votre charge" in body
    # 4° the demand to pay and the payment means.
    assert "mettons en demeure de payer la somme de 10 860,00 €" in body and "Modalités de paiement" in body
    # 5° L111-8 paragraphs 2 and 3, word for word.
    for paragraph in L111_8_PARAGRAPHS_2_3:
        assert f"« {paragraph} »" in body
    assert L111_8_PARAGRAPHS_2_3[0].startswith("Les frais de recouvrement entrepris sans titre exécutoire")
    assert "Pour Cabinet Amiable Œuvre" in body


@pytest.mark.parametrize(
    ("args", "ref", "message"),
    [
        ((), "N1", "N1 : aucune facture échue à réclamer"),
        ((), "C4", "C4 : toutes les factures échues sont prescrites"),
        ((), "ZZ", "débiteur inconnu « ZZ »"),
        (("--deadline-days", "3"), "B1", "délai de paiement : 3 jours (8 à 60 attendus)"),
    ],
)
def test_refused_letters_record_and_write_nothing(
    db: Db, tmp_path: Path, args: tuple[str, ...], ref: str, message: str
) -> None:
    out = tmp_path / "x.pdf"
    err = refused(db, "letter", "formal-notice", ref, "--as", "lea", "--now", NOW, "--output", str(out), *args)
    assert message in err
    assert not out.exists()
    assert rows(db, "SELECT COUNT(*) FROM events WHERE channel = 'letter'") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM audit WHERE action = 'formal_notice'") == [(0,)]


def test_overindebted_agent_and_missing_address_are_refused(db: Db, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    ok(db, "overindebted", "C3", "--since", "2025-06-01", "--as", "lea", "--now", NOW)
    err = refused(db, "letter", "formal-notice", "C3", "--as", "lea", "--now", NOW, "--output", str(out))
    assert "C3 : dossier de surendettement recevable depuis le 01/06/2025" in err
    err = refused(db, "letter", "formal-notice", "B1", "--as", "alice", "--now", NOW, "--output", str(out))
    assert "action réservée au responsable d'équipe" in err
    (tmp_path / "bare.toml").write_text("", encoding="utf-8")
    err = refused(db, "letter", "formal-notice", "B1", "--as", "lea", "--output", str(out), config="bare.toml")
    assert "adresse du créancier absente" in err
    assert not out.exists()
    assert rows(db, "SELECT COUNT(*) FROM events WHERE letter_ref IS NOT NULL") == [(0,)]


def test_tracking_number_is_stored_and_listed_in_the_court_pack(db: Db, tmp_path: Path) -> None:
    ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(tmp_path / "m.pdf"))
    assert "courrier « MED-2025-00009 » inconnu" in refused(
        db, "letter", "set-tracking", "B1", "MED-2025-00009", "1A0001", "--as", "lea"
    )
    ok(db, "letter", "set-tracking", "B1", "MED-2025-00001", "1A 234 567 8901 2", "--as", "lea", "--now", NOW)
    assert rows(db, "SELECT tracking_number FROM events WHERE letter_ref = 'MED-2025-00001'") == [
        ("1A 234 567 8901 2",)
    ]
    ok(db, "court-pack", "B1", "--as", "lea", "--now", LATER, "--output", str(tmp_path / "pack"))
    pieces = (tmp_path / "pack" / "pieces.txt").read_text(encoding="utf-8")
    assert "- Avis de réception du recommandé n° 1A 234 567 8901 2" in pieces


def test_court_pack_needs_a_notice_15_days_old(db: Db, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    assert "il faut une mise en demeure envoyée depuis 15 jours au moins" in refused(
        db, "court-pack", "B1", "--as", "lea", "--now", LATER, "--output", str(pack)
    )
    ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(tmp_path / "m.pdf"))
    err = refused(db, "court-pack", "B1", "--as", "lea", "--now", "2025-07-24T10:00", "--output", str(pack))
    assert "(la dernière est datée du 10/07/2025)" in err  # 14 days: one day short
    assert not pack.exists()


def test_b2b_court_pack_content_hand_computed(db: Db, tmp_path: Path) -> None:
    ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(tmp_path / "m.pdf"))
    pack = tmp_path / "pack"
    r = ok(db, "court-pack", "B1", "--as", "lea", "--now", LATER, "--output", str(pack))
    assert "requête en injonction de payer (tribunal de commerce)" in r.stdout
    for name in ("decompte.pdf", "formulaire.json", "pieces.txt"):
        assert stat.S_IMODE((pack / name).stat().st_mode) == 0o600
    data = json.loads((pack / "formulaire.json").read_text(encoding="utf-8"))
    assert data["route"] == {
        "code": "order_for_payment_commercial",
        "court": "tribunal de commerce",
        "procedure": "requête en injonction de payer",
        "cerfa": "12946",
    }
    # On 30/07/2025: F1 10 000 € × (10 d × 13.15 % + 30 d × 12.15 %) / 365 = 496 000 000 / 36 500 c
    # = 135,89 €; F2 = 110,68 € on 10/07 + 600 € × 20 d × 12.15 % / 365 = 3,9945 € → 114,68 €.
    assert data["invoices"] == [
        {"invoice_ref": "F2", "due_date": "2024-03-31", "principal": 600.0, "penalty": 114.68, "indemnity": 40.0},
        {"invoice_ref": "F1", "due_date": "2025-06-20", "principal": 10000.0, "penalty": 135.89, "indemnity": 40.0},
    ]
    assert data["amounts"] == {
        "principal": 10600.0,
        "penalties": 250.57,
        "indemnity": 80.0,
        "total": 10930.57,
        "payments_received": 400.0,
    }
    assert data["creditor"] == {
        "name": "Recouvre Démo SAS",
        "address": ["12 rue de la Paix", "75002 Paris"],
        "siren": "552100554",
    }
    assert data["debtor"]["name"] == "Garage Dupont SARL" and data["debtor"]["siren"] == "732829320"
    assert data["formal_notice"] == {"letter_ref": "MED-2025-00001", "sent_on": "2025-07-10", "tracking_number": None}
    assert "C. com. L441-10" in data["basis"] and "D441-5" in data["basis"]
    decompte = text_of(pack / "decompte.pdf")
    for line in (
        "F2 31/03/2024 600,00 € 114,68 € 40,00 €",
        "F1 20/06/2025 10 000,00 € 135,89 € 40,00 €",
        "Total 10 600,00 € 250,57 € 80,00 €",
        "30/04/2024 P1 400,00 €",
        "Somme réclamée : 10 930,57 €",
    ):
        assert line in decompte.splitlines(), line
    assert "Voie : requête en injonction de payer (tribunal de commerce, Cerfa n° 12946)" in decompte
    pieces = (pack / "pieces.txt").read_text(encoding="utf-8").splitlines()
    assert pieces[:3] == [
        "- Facture F2 du 31/03/2024 (échéance)",
        "- Facture F1 du 20/06/2025 (échéance)",
        "- Mise en demeure MED-2025-00001 du 10/07/2025",
    ]
    # History (a neutral event: not a reminder, not a letter the scripts cite) and audit.
    assert rows(db, "SELECT outcome, kind, amount_cents FROM events WHERE outcome = 'court_pack'") == [
        ("court_pack", "neutral", 1_093_057)
    ]
    (audit,) = rows(db, "SELECT actor, entity_ref, details FROM audit WHERE action = 'court_pack'")
    assert audit[:2] == ("lea", "B1") and json.loads(audit[2])["route"] == "order_for_payment_commercial"


@pytest.mark.parametrize(
    ("ref", "code", "cerfa", "total"),
    [("C1", "small_claims_procedure", None, 1000.0), ("C2", "order_for_payment_civil", "12948", 6000.0)],
)
def test_b2c_court_routes(db: Db, tmp_path: Path, ref: str, code: str, cerfa: str | None, total: float) -> None:
    ok(db, "letter", "formal-notice", ref, "--as", "lea", "--now", NOW, "--output", str(tmp_path / "m.pdf"))
    ok(db, "court-pack", ref, "--as", "lea", "--now", LATER, "--output", str(tmp_path / "p"))
    data = json.loads((tmp_path / "p" / "formulaire.json").read_text(encoding="utf-8"))
    assert (data["route"]["code"], data["route"]["cerfa"], data["amounts"]["total"]) == (code, cerfa, total)
    assert data["amounts"]["interest"] == 0.0 and data["amounts"]["indemnity"] == 0.0


def test_statement_lists_invoices_payments_and_balance(db: Db, tmp_path: Path) -> None:
    out = tmp_path / "releve.pdf"
    ok(db, "statement", "B1", "--as", "alice", "--now", LATER, "--output", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = text_of(out).splitlines()
    assert "Relevé de compte" in lines
    assert "Au 30/07/2025 — dossier B1 — mouvements depuis le 01/05/2025" in lines
    assert "28/02/2024 Facture F2 31/03/2024 1 000,00 €" in lines  # still open
    assert "20/05/2025 Facture F1 20/06/2025 10 000,00 €" in lines
    assert "Solde restant dû : 10 600,00 €" in lines
    assert rows(db, "SELECT COUNT(*) FROM events") == [(0,)]  # printing records nothing


# --- the letter by e-mail (a real SMTP server: aiosmtpd, STARTTLS and login) ------------------


def _mail_config(db: Db, server: Any) -> str:
    from test_export_mail import LOGIN, password_file

    pw = password_file(db.dir)
    smtp = (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nstarttls = true\nusername = "{LOGIN}"\n'
        f'password_file = "{pw}"\nfrom_address = "recouvrement@example.test"\nca_file = "{server.cert}"\n'
        "timeout_seconds = 5\n"
    )
    (db.dir / "mail.toml").write_text(CONFIG + smtp, encoding="utf-8")
    return "mail.toml"


def test_formal_notice_sent_by_email_to_the_debtor(db: Db, tmp_path: Path, smtp_server: Any) -> None:  # noqa: F811
    import email
    import email.policy

    store = open_db(db.target)
    with store.write() as conn:
        conn.execute("UPDATE debtors SET email = 'compta@dupont.test' WHERE ref = 'B1'")
    store.close()
    config = _mail_config(db, smtp_server)
    out = tmp_path / "med.pdf"
    r = ok(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output", str(out), "--email",
           config=config)  # fmt: skip
    assert "MED-2025-00001 envoyée par e-mail à compta@dupont.test" in r.stdout
    [(_session, raw)] = smtp_server.received.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"] == "compta@dupont.test"
    assert msg["Subject"] == "Mise en demeure — réf. MED-2025-00001"
    [attachment] = [p for p in msg.walk() if p.get_filename()]
    assert attachment.get_filename() == "med.pdf"
    assert attachment.get_payload(decode=True) == out.read_bytes()
    assert rows(db, "SELECT details FROM audit WHERE action = 'letter_emailed'") == [
        ('{"letter_ref": "MED-2025-00001", "to": "compta@dupont.test"}',)
    ]


def test_formal_notice_without_debtor_address_is_kept_and_says_why(
    db: Db,
    tmp_path: Path,
    smtp_server: Any,  # noqa: F811
) -> None:
    config = _mail_config(db, smtp_server)
    err = refused(db, "letter", "formal-notice", "B1", "--as", "lea", "--now", NOW, "--output",
                  str(tmp_path / "m.pdf"), "--email", config=config)  # fmt: skip
    assert "aucune adresse e-mail pour ce débiteur" in err
    # The letter itself was generated and recorded: the e-mail is only a copy.
    assert (tmp_path / "m.pdf").exists()
    assert rows(db, "SELECT COUNT(*) FROM audit WHERE action = 'formal_notice'") == [(1,)]
    assert smtp_server.received.messages == []
