"""Short stress run (scripts/stress.py): agents, the nightly refresh and imports all at once.

6 agent processes loop take_next → record_outcome (no answer, voicemail, promise, callback)
for about 10 seconds on a 2 000-debtor database while `recouvre refresh` and two
`recouvre import` runs (payments, then events) go through the real CLI. Then: every outcome
acknowledged is in the database with its audit row, promise and callback (and nothing more),
no debtor was ever held by two agents (logged holds and the audit trail replayed), no error
reached an agent, no claim is left, the database is intact, every balance agrees with its
ledger and every promise rest with its instalments. On both stores: on PostgreSQL the takes
run beside each other (shared write lock), beside the outcomes, the refresh's chunks and the
imports. The full-size run is `python scripts/stress.py --agents 20 --seconds 300`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import stress
from stores import new_db

pytestmark = pytest.mark.slow


def test_agents_refresh_and_imports_together_lose_nothing(tmp_path: Path) -> None:
    db = new_db(tmp_path, "stress.db")
    first_day = stress.make_database(db, 2_000)
    cfg = stress.StressConfig(
        db=str(db),
        agents=stress.prepare_agents(str(db), 6),
        seconds=10.0,
        out_dir=str(tmp_path / "logs"),
        first_day=first_day,
        day_seconds=4.0,
        refresh_runs=1,
        import_runs=2,
        import_pause=0.2,
        import_rows=200,
    )
    report = stress.run_stress(cfg)
    text = "\n".join(report.lines())

    assert report.errors == [], text
    assert report.acknowledged > 50, text
    assert report.written == report.acknowledged, text
    assert report.missing == [] and report.unacknowledged == [], text
    assert report.audit_outcomes == report.acknowledged, text
    assert report.promises_written == report.promises_acknowledged > 0, text
    assert report.instalments_bad == 0, text
    assert report.callbacks_written == report.callbacks_acknowledged > 0, text
    assert report.double_claims_log == [], text
    assert report.double_claims_audit == [], text
    assert report.claims_left == 0, text
    assert report.integrity == "ok", text
    assert report.balances_wrong == [] and report.promise_rest_wrong == 0, text
    kinds = sorted(j.kind for j in report.jobs)
    assert kinds == ["import events", "import payments", "refresh"], text
    assert all(j.returncode == 0 for j in report.jobs), text
    # The refresh and the imports ran while the agents were working.
    assert all(j.started < cfg.seconds for j in report.jobs), text
    assert report.ok, text


def test_overlapping_holds_and_audit_replay_find_double_claims() -> None:
    """The two detectors of the stress run do find a double claim when there is one."""
    log = [
        {"debtor": "D1", "agent": "a", "claimed_at": 100, "released_at": 200},
        {"debtor": "D1", "agent": "b", "claimed_at": 150, "released_at": 300},
        {"debtor": "D2", "agent": "a", "claimed_at": 300, "released_at": 400},
        {"debtor": "D2", "agent": "b", "claimed_at": 400, "released_at": 500},
    ]
    assert stress.overlapping_holds(log) == ["D1: a and b (0.0 ms)"]
    audit = [
        (1, "a", "claim", "D1"),
        (2, "b", "claim", "D2"),
        (3, "b", "claim", "D1"),
        (4, "a", "outcome", "D1"),
        (5, "b", "outcome", "D2"),
        (6, "a", "claim", "D2"),
    ]
    assert stress.replay_claims(audit) == ["D1: claimed by b (audit 3) while held by a"]


def test_the_simulated_clock_stays_in_the_calling_window() -> None:
    from datetime import date, datetime

    from recouvre_tui.domain.dates import PARIS

    days = stress.business_days(date(2026, 12, 23), 4)
    assert days == (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29))  # 25/12: holiday
    clock = stress.SimClock(1000.0, days, 10.0)
    seen = [clock.at(1000.0 + t / 4).astimezone(PARIS) for t in range(0, 200)]
    assert seen == sorted(seen)
    assert all(datetime.combine(s.date(), stress.WINDOW[0], PARIS) <= s for s in seen)
    assert all(s.time() <= stress.WINDOW[1] for s in seen)
    assert seen[-1].date() == date(2026, 12, 29)
