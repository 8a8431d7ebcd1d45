"""`recouvre import KIND FILE [--dry-run]` through click: output, stderr, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from import_helpers import FEC_HEADER, INVOICES_HEADER, write
from recouvre_tui.cli import main
from recouvre_tui.store.db import open_db
from stores import dump, new_db

NOW_ARG = ["--now", "2026-07-15T12:00"]


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.db = new_db(tmp_path, "cli.db")
        self.config = tmp_path / "config.toml"
        self.config.write_text("", encoding="utf-8")

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(
            main,
            ["--db", str(self.db), "--config", str(self.config), *args],
            catch_exceptions=False,
        )

    def dump(self) -> list[str]:
        store = open_db(self.db)
        try:
            return dump(store)
        finally:
            store.close()


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = Env(tmp_path)
    assert e("init").exit_code == 0
    assert e("agents", "add", "alice", "--name", "Alice", "--role", "agent", *NOW_ARG).exit_code == 0
    debtors = write(
        tmp_path,
        "debtors.csv",
        ["debtor_ref;name;segment;agent;couleur", "D1;Dupont;B2C;alice;bleu", "D2;Durand;B2B;;"],
    )
    r = e("import", "debtors", str(debtors), *NOW_ARG)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ("debtors.csv (debtors) : 2 lignes — 2 ajout(s), 0 mise(s) à jour, 0 inchangée(s)\n")
    assert r.stderr == "avertissement : debtors.csv:1: couleur: colonne inconnue, ignorée\n"
    return e


def test_import_then_reimport(env: Env) -> None:
    path = write(
        env.dir,
        "invoices.csv",
        [INVOICES_HEADER, "D1;F1;01/05/2026;31/05/2026;1 234,56 €", "D2;F1;2026-06-01;2026-06-30;80"],
    )
    r = env("import", "invoices", str(path), *NOW_ARG, "--actor", "nuit")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == ("invoices.csv (invoices) : 2 lignes — 2 ajout(s), 0 mise(s) à jour, 0 inchangée(s)\n")
    r = env("import", "invoices", str(path), *NOW_ARG)
    assert r.stdout == ("invoices.csv (invoices) : 2 lignes — 0 ajout(s), 0 mise(s) à jour, 2 inchangée(s)\n")
    store = open_db(env.db)
    try:
        rows = list(
            store.conn.execute("SELECT actor, entity, entity_ref FROM audit WHERE action = 'import' ORDER BY id")
        )
    finally:
        store.close()
    assert rows[-2][0] == "nuit"
    assert rows[-2][1:] == ("invoices", "invoices.csv")


def test_bad_file_exit_1_messages_on_stderr_database_unchanged(env: Env) -> None:
    path = write(
        env.dir,
        "f.csv",
        [
            INVOICES_HEADER,
            "D1;F1;31/02/2026;31/03/2026;10",
            "D9;F2;01/03/2026;31/03/2026;10",
            "D1;F3;01/03/2026;31/03/2026;12,3,4",
        ],
    )
    before = env.dump()
    r = env("import", "invoices", str(path), *NOW_ARG)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        "f.csv:2: issue_date: date impossible « 31/02/2026 »",
        "f.csv:3: debtor_ref: débiteur inconnu « D9 » (importez d'abord les débiteurs)",
        "f.csv:4: amount: montant illisible « 12,3,4 »",
        "erreur : fichier rejeté (3 erreur(s)) ; la base n'a pas été modifiée",
    ]
    assert env.dump() == before


def test_bad_file_warnings_come_first(env: Env) -> None:
    path = write(env.dir, "d.csv", ["debtor_ref;name;segment;zone", "D5;Cinq;B2X;nord"])
    r = env("import", "debtors", str(path), *NOW_ARG)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "avertissement : d.csv:1: zone: colonne inconnue, ignorée",
        "d.csv:2: segment: valeur inconnue « B2X » (attendu : B2B, B2C)",
        "erreur : fichier rejeté (1 erreur(s)) ; la base n'a pas été modifiée",
    ]


def test_dry_run_output_and_nothing_written(env: Env) -> None:
    path = write(
        env.dir,
        "invoices.csv",
        [INVOICES_HEADER, "D1;F1;01/05/2026;31/05/2026;1 234,56 €", "D2;F1;2026-06-01;2026-06-30;80"],
    )
    before = env.dump()
    r = env("import", "invoices", str(path), "--dry-run", *NOW_ARG)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [
        "invoices.csv (invoices) : 2 lignes — 2 ajout(s), 0 mise(s) à jour, 0 inchangée(s)"
        " [simulation : rien n'a été écrit]",
        "ce qui changerait :",
        "  + facture D1/F1 1\u202f234,56 €",
        "  + facture D2/F1 80,00 €",
    ]
    assert env.dump() == before


def test_dry_run_of_a_bad_file(env: Env) -> None:
    path = write(env.dir, "f.csv", [INVOICES_HEADER, "D1;F1;01/03/2026;01/02/2026;10"])
    before = env.dump()
    r = env("import", "invoices", str(path), "--dry-run", *NOW_ARG)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "f.csv:2: due_date: échéance 01/02/2026 antérieure à l'émission 01/03/2026",
        "erreur : fichier rejeté (1 erreur(s)) ; la base n'a pas été modifiée",
    ]
    assert env.dump() == before


def test_fec_import(env: Env) -> None:
    line = (
        "VT|Ventes|1|20260105|411000|Clients|C001|Dupont SA|FA1|20260105|Facture|"
        " 000000000001200,00| 000000000000000,00|||20260105||"
    )
    path = write(env.dir, "FEC.txt", [FEC_HEADER, line], encoding="iso-8859-1", newline="\r\n")
    r = env("import", "fec", str(path), *NOW_ARG)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == (
        "FEC.txt (fec) : 1 lignes — 2 ajout(s), 0 mise(s) à jour, 0 inchangée(s)\n"
        "  comptes clients lus : 411, 416, 4191\n"
    )


def test_missing_file_and_missing_database(env: Env, tmp_path: Path) -> None:
    r = env("import", "invoices", str(tmp_path / "absent.csv"), *NOW_ARG)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "absent.csv:0: fichier introuvable",
        "erreur : fichier rejeté (1 erreur(s)) ; la base n'a pas été modifiée",
    ]
    other = tmp_path / "nowhere.db"
    r = CliRunner().invoke(
        main,
        ["--db", str(other), "--config", str(env.config), "import", "debtors", "x.csv"],
    )
    assert r.exit_code == 1
    assert r.stderr.startswith(f"erreur : base introuvable : {other}")
    assert not other.exists()


def test_unknown_kind_is_a_usage_error(env: Env) -> None:
    r = env("import", "factures", "x.csv")
    assert r.exit_code == 2
    assert "factures" in r.stderr
