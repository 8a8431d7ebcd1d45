"""`recouvre doctor`'s checks (`services.doctor.run_checks`), each with hand-counted figures on a
small database built through the imports; the states no service writes (a claim left behind, a
number to verify, a job lock, a past refresh) are set with a direct statement."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from queue_helpers import NOW, Debtor, Env, days_before, make_env
from recouvre_tui.cli import main
from recouvre_tui.domain.dates import to_db
from recouvre_tui.services.doctor import FAIL, OK, WARN, Check, run_checks
from recouvre_tui.store.schema import migrations
from stores import on_postgres


def checks_by_name(env: Env) -> dict[str, Check]:
    return {c.name: c for c in run_checks(env.store, now=NOW)}


def small_book(tmp_path: Path) -> Env:
    """D1 (Alice, 100 €, valid phone), D2 (pool, 50 €, no phone), D3 (30 € invoiced, 80 € paid:
    a credit of 50 €)."""
    env = make_env(tmp_path)
    env.add_debtors(
        [
            Debtor("D1", agent="alice", invoices=[("F1", days_before(40), "100")]),
            Debtor("D2", phone="", invoices=[("F2", days_before(10), "50")]),
            Debtor("D3", name="Crédit SARL", invoices=[("F3", days_before(10), "30")]),
        ]
    )
    env.add_payments([("D3", "P3", days_before(5), "80")])
    return env


def test_a_fresh_book_without_refresh(tmp_path: Path) -> None:
    checks = checks_by_name(small_book(tmp_path))
    latest = migrations._migrations[-1].name
    assert [(c.name, c.status) for c in checks.values()] == [
        ("intégrité", OK),
        ("clés étrangères", OK),
        ("schéma", OK),
        ("dossiers réservés expirés", OK),
        ("débiteurs sans numéro valide", WARN),
        ("numéros à vérifier", OK),
        ("comptes sans relance depuis 28 jours", WARN),
        ("soldes créditeurs (jamais proposés à l'appel)", WARN),
        ("clients douteux (416)", OK),
        ("débiteurs en surendettement (aucune relance)", OK),
        ("dernier rafraîchissement", WARN),
        *([] if on_postgres() else [("journal WAL", OK)]),  # the server keeps its own log
    ]
    assert checks["intégrité"].detail == "ok"
    assert checks["clés étrangères"].detail == "0 ligne(s) orpheline(s)"
    assert checks["schéma"].detail == f"version {latest} (à jour : {latest})"
    assert checks["débiteurs sans numéro valide"].detail == "1"  # D2 (D3 owes nothing)
    assert checks["comptes sans relance depuis 28 jours"].detail == "2"  # D1 and D2: no reminder at all
    assert checks["soldes créditeurs (jamais proposés à l'appel)"].detail == (
        "1 débiteur(s), 50,00 € à rembourser ou à imputer : D3 Crédit SARL (-50,00 €)"
    )
    assert checks["clients douteux (416)"].detail == "0 débiteur(s), 0,00 €"
    assert checks["débiteurs en surendettement (aucune relance)"].detail == "0"
    assert checks["dernier rafraîchissement"].detail == "jamais"
    if not on_postgres():
        assert re.fullmatch(r"\d+\.\d Mo", checks["journal WAL"].detail)


def test_claims_left_behind_numbers_to_verify_locks_and_refresh_age(tmp_path: Path) -> None:
    env = small_book(tmp_path)
    with env.store.write() as conn:
        ids = dict(conn.execute("SELECT ref, id FROM debtors"))
        # Alice's lease ran out a minute ago; Bob's runs for 10 more minutes.
        conn.execute(
            "INSERT INTO claims VALUES (?, 'alice', ?, ?)",
            (ids["D1"], to_db(NOW - timedelta(minutes=16)), to_db(NOW - timedelta(minutes=1))),
        )
        conn.execute(
            "INSERT INTO claims VALUES (?, 'bob', ?, ?)",
            (ids["D2"], to_db(NOW - timedelta(minutes=5)), to_db(NOW + timedelta(minutes=10))),
        )
        conn.execute("UPDATE phones SET to_verify = 1 WHERE debtor_id = ?", (ids["D1"],))
        conn.execute(
            "INSERT INTO job_locks VALUES ('refresh', 'host:42', ?, ?)",
            (to_db(NOW - timedelta(hours=2)), to_db(NOW - timedelta(hours=1))),
        )
        conn.execute(
            "INSERT INTO job_runs (job, started_at, finished_at) VALUES ('refresh', ?, ?)",
            (to_db(NOW - timedelta(hours=37)), to_db(NOW - timedelta(hours=36, minutes=30))),
        )
    checks = checks_by_name(env)
    assert checks["dossiers réservés expirés"] == Check(
        "dossiers réservés expirés", WARN, "1 (libérés au prochain « next » ou « refresh »)"
    )
    assert checks["numéros à vérifier"] == Check("numéros à vérifier", WARN, "1")
    # D1's only number is now to verify: two debtors owing money without a usable number.
    assert checks["débiteurs sans numéro valide"].detail == "2"
    assert checks["verrou du rafraîchissement"] == Check(
        "verrou du rafraîchissement",
        WARN,
        f"tenu par host:42 depuis {to_db(NOW - timedelta(hours=2))} UTC (expiré)",
    )
    # 36 h 30 ago: past the 36 hours a nightly job allows.
    assert checks["dernier rafraîchissement"] == Check(
        "dernier rafraîchissement", WARN, f"{to_db(NOW - timedelta(hours=36, minutes=30))} UTC"
    )


def test_a_recent_refresh_and_a_live_lock_are_fine(tmp_path: Path) -> None:
    env = small_book(tmp_path)
    with env.store.write() as conn:
        conn.execute(
            "INSERT INTO job_locks VALUES ('refresh', 'host:7', ?, ?)",
            (to_db(NOW - timedelta(minutes=3)), to_db(NOW + timedelta(minutes=27))),
        )
        conn.execute(
            "INSERT INTO job_runs (job, started_at, finished_at) VALUES ('refresh', ?, ?)",
            (to_db(NOW - timedelta(hours=8)), to_db(NOW - timedelta(hours=7))),
        )
    checks = checks_by_name(env)
    assert checks["verrou du rafraîchissement"] == Check(
        "verrou du rafraîchissement", OK, f"tenu par host:7 depuis {to_db(NOW - timedelta(minutes=3))} UTC"
    )
    assert checks["dernier rafraîchissement"].status == OK


def test_more_than_five_credit_balances_show_the_five_largest(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    # C1 … C7 each paid 10 € more than invoiced, C7 the most (70 €), C1 the least (10 €).
    env.add_debtors([Debtor(f"C{i}", invoices=[(f"F{i}", days_before(10), "10")]) for i in range(1, 8)])
    env.add_payments([(f"C{i}", f"P{i}", days_before(5), str(10 + 10 * i)) for i in range(1, 8)])
    detail = checks_by_name(env)["soldes créditeurs (jamais proposés à l'appel)"].detail
    # 10 + 20 + … + 70 = 280 €.
    assert detail.startswith("7 débiteur(s), 280,00 € à rembourser ou à imputer : C7 ")
    assert re.findall(r"(C\d) Débiteur C\d \((-\d+),00 €\)", detail) == [
        ("C7", "-70"),
        ("C6", "-60"),
        ("C5", "-50"),
        ("C4", "-40"),
        ("C3", "-30"),
    ]
    assert detail.endswith(" …")


def test_the_doctor_command_prints_the_checks_as_json(tmp_path: Path) -> None:
    from click.testing import CliRunner

    env = small_book(tmp_path)
    env.store.close()
    r = CliRunner().invoke(main, ["--db", str(env.db), "doctor", "--format", "json", "--now", "2026-11-17T10:00:00Z"])
    rows = json.loads(r.output)
    assert {row["name"]: row["status"] for row in rows}["débiteurs sans numéro valide"] == WARN
    assert FAIL not in {row["status"] for row in rows}
