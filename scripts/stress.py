#!/usr/bin/env python3
"""Stress test: many agent processes working one database while the nightly job and imports run.

The concurrency promise (docs/rules.md, "Claims"): many processes claiming and recording at once lose nothing and never
double-claim. `--agents` agent PROCESSES (multiprocessing "spawn", each its own connection, as
sshd gives each agent its own process) loop for `--seconds`: `take_next` → `record_outcome`
with a mix of no_answer, voicemail, promise (one instalment) and callback, as fast as they can
(no think time: far more load than 20 people). Meanwhile the real CLI runs `recouvre refresh`
and `recouvre import payments|events` of generated CSV files, again and again.

Each agent process logs every case to its own JSON-lines file: agent, debtor, claimed_at (just
after the claim committed), released_at (just before the outcome is recorded, both from the
system-wide monotonic clock), the outcome event id the service acknowledged, latencies, and
every exception. At the end:

- outcomes written (events of source "stress" in the database) = outcomes acknowledged by the
  processes (same ids), each with its audit row, its promise and instalment, its callback;
- double claims = 0: the logged holds of one debtor by two agents never overlap, and replaying
  the audit trail (claims and outcomes, in commit order) never finds a debtor claimed by a
  second agent before the first recorded its outcome;
- errors reaching a user = 0: any exception in an agent, or a failed refresh or import, counts
  ("nothing callable right now" is an answer, not an error);
- no claim is left behind, and the database is intact (SQLite's `PRAGMA integrity_check`; on
  PostgreSQL every table read back);
- the ledger holds: every debtor's stored balance, oldest due date and open amounts agree
  with its invoices and payments (`ledger.balance_mismatches`), and every debtor's
  `promise_rest` equals its first unpaid instalment of a pending promise, computed afresh.

`--db` is a SQLite file or a PostgreSQL URL: the agents, the refresh and the imports run the
same way on both (on PostgreSQL, takes run beside each other in shared mode).

Simulated clock: the database's rules depend on the time (calling windows, 4 hours between
two calls to one debtor), so each process derives `now` from the wall clock: every
`--day-seconds` of wall time is one business day of the debtors' calendar, 09:05–12:25 in
Paris (inside both the B2B and B2C windows), skipping weekends and French public holidays.
One debtor can thus be called once a simulated day. The claim lease is set to a year so that
no hold expires during the run (an expired lease may legally be taken over: that is tested by
scripts/crash_trials.py, not here).

    python scripts/stress.py --agents 20 --seconds 300              # generates a 2 000-debtor DB
    python scripts/stress.py --agents 20 --seconds 60 --db /tmp/x.db --start 2026-11-17T10:00Z
    python scripts/stress.py --agents 20 --seconds 60 --db 'postgresql://…' --generate
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing as mp
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

SOURCE = "stress"
IMPORT_ACTOR = "stress-import"
LEASE_MINUTES = 366 * 24 * 60
WINDOW = (dtime(9, 5), dtime(12, 25))  # Paris local: inside the B2B and B2C calling windows
DISPOSITIONS = (("no_answer", 40), ("voicemail", 30), ("promise", 15), ("callback", 15))
RECOUVRE = [sys.executable, "-m", "recouvre_tui.cli"]


# --- simulated clock ----------------------------------------------------------------------------


def business_days(first: date, count: int) -> tuple[date, ...]:
    """`count` days from `first` on, without weekends and French public holidays."""
    import holidays

    fr = holidays.country_holidays("FR")
    out: list[date] = []
    day = first
    while len(out) < count:
        if day.weekday() < 5 and day not in fr:
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)


@dataclass(frozen=True)
class SimClock:
    """Wall clock → debtors' clock: each `day_seconds` of wall time is one business day."""

    t0: float
    days: tuple[date, ...]
    day_seconds: float

    def at(self, wall: float) -> datetime:
        from recouvre_tui.domain.dates import PARIS

        k, into = divmod(max(0.0, wall - self.t0), self.day_seconds)
        if k >= len(self.days):
            k, into = len(self.days) - 1, self.day_seconds  # past the end: stay at its close
        day = self.days[int(k)]
        start = datetime.combine(day, WINDOW[0], PARIS)
        end = datetime.combine(day, WINDOW[1], PARIS)
        return (start + (end - start) * (into / self.day_seconds)).astimezone(UTC)

    def now(self) -> datetime:
        return self.at(time.time())


def cli_now(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- configuration and results -------------------------------------------------------------------


@dataclass
class StressConfig:
    db: str
    agents: list[str]
    seconds: float
    out_dir: str
    first_day: date
    day_seconds: float = 10.0
    seed: int = 1
    refresh_pause: float = 5.0  # seconds between two refresh runs
    refresh_runs: int | None = None  # at most this many (None: until the end)
    import_pause: float = 2.0  # seconds between two imports
    import_runs: int | None = None
    import_rows: int = 300
    idle_sleep: float = 0.05  # an agent with nothing callable waits this long


@dataclass
class JobRun:
    kind: str
    started: float
    seconds: float
    returncode: int
    stderr: str
    rows: int = 0


@dataclass
class StressReport:
    seconds: float
    agents: int
    acknowledged: int = 0
    written: int = 0
    missing: list[int] = field(default_factory=list)  # acknowledged, not in the database
    unacknowledged: list[int] = field(default_factory=list)  # in the database, never acknowledged
    audit_outcomes: int = 0
    promises_acknowledged: int = 0
    promises_written: int = 0
    instalments_bad: int = 0
    callbacks_acknowledged: int = 0
    callbacks_written: int = 0
    double_claims_log: list[str] = field(default_factory=list)
    double_claims_audit: list[str] = field(default_factory=list)
    claims_left: int = 0
    nothing_callable: int = 0
    errors: list[str] = field(default_factory=list)
    integrity: str = ""
    balances_wrong: list[int] = field(default_factory=list)  # debtor ids disagreeing with their ledger
    promise_rest_wrong: int = 0
    take_ms: list[float] = field(default_factory=list)
    outcome_ms: list[float] = field(default_factory=list)
    jobs: list[JobRun] = field(default_factory=list)
    by_disposition: dict[str, int] = field(default_factory=dict)
    sim_span: str = ""

    @property
    def double_claims(self) -> int:
        return len(self.double_claims_log) + len(self.double_claims_audit)

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged == self.written
            and not self.missing
            and not self.unacknowledged
            and self.audit_outcomes == self.acknowledged
            and self.promises_acknowledged == self.promises_written
            and self.instalments_bad == 0
            and self.callbacks_acknowledged == self.callbacks_written
            and self.double_claims == 0
            and self.claims_left == 0
            and not self.errors
            and self.integrity == "ok"
            and not self.balances_wrong
            and self.promise_rest_wrong == 0
            and self.acknowledged > 0
        )

    def lines(self) -> list[str]:
        refreshes = [j for j in self.jobs if j.kind == "refresh"]
        imports = [j for j in self.jobs if j.kind != "refresh"]
        rate = self.acknowledged / self.seconds if self.seconds else 0.0
        out = [
            f"agents (processes)            {self.agents}",
            f"duration                      {self.seconds:.1f} s (simulated {self.sim_span})",
            f"outcomes acknowledged         {self.acknowledged}",
            f"outcomes written (DB)         {self.written}"
            + (f"  MISSING {len(self.missing)} / EXTRA {len(self.unacknowledged)}" if self.missing else ""),
            f"  with their audit row        {self.audit_outcomes}",
            f"  promises ack/written        {self.promises_acknowledged}/{self.promises_written}"
            f" (bad instalments: {self.instalments_bad})",
            f"  callbacks ack/written       {self.callbacks_acknowledged}/{self.callbacks_written}",
            "  by disposition              " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_disposition.items())),
            f"double claims                 {self.double_claims} "
            f"(log overlaps {len(self.double_claims_log)}, audit replay {len(self.double_claims_audit)})",
            f"claims left behind            {self.claims_left}",
            f"errors reaching a user        {len(self.errors)}",
            f"'nothing callable' answers    {self.nothing_callable}",
            f"integrity                     {self.integrity}",
            f"balances against the ledger   {len(self.balances_wrong)} wrong",
            f"promise rests, recomputed     {self.promise_rest_wrong} wrong",
            f"throughput                    {rate:.1f} outcomes/s ({rate * 60:.0f}/min)",
            f"take_next ms p50/p99/max      {_pct(self.take_ms, 0.5):.1f} / {_pct(self.take_ms, 0.99):.1f} / "
            f"{max(self.take_ms, default=0):.1f}",
            f"record_outcome ms p50/p99/max {_pct(self.outcome_ms, 0.5):.1f} / {_pct(self.outcome_ms, 0.99):.1f} / "
            f"{max(self.outcome_ms, default=0):.1f}",
            f"refresh runs                  {len(refreshes)} (ok {sum(j.returncode == 0 for j in refreshes)}, "
            f"mean {_mean([j.seconds for j in refreshes]):.1f} s)",
            f"imports                       {len(imports)} (ok {sum(j.returncode == 0 for j in imports)}, "
            f"{sum(j.rows for j in imports if j.returncode == 0)} rows, "
            f"mean {_mean([j.seconds for j in imports]):.1f} s)",
        ]
        for e in self.errors[:10]:
            out.append("  error: " + e.strip().replace("\n", "\n         "))
        for d in (self.double_claims_log + self.double_claims_audit)[:10]:
            out.append("  double claim: " + d)
        out.append("RESULT                        " + ("OK" if self.ok else "FAILED"))
        return out


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


# --- agent process ---------------------------------------------------------------------------------


def _pick(rng: random.Random) -> str:
    codes, weights = zip(*DISPOSITIONS, strict=True)
    return rng.choices(codes, weights=weights)[0]


def agent_worker(cfg: StressConfig, login: str, seed: int, ready: Any, start: Any, t0: Any) -> None:
    """One agent session: take the next case, record an outcome, again, until the deadline."""
    log_path = Path(cfg.out_dir) / f"agent-{login}.jsonl"
    with log_path.open("w", encoding="utf-8", buffering=1) as log:

        def write(**rec: Any) -> None:
            log.write(json.dumps(rec) + "\n")

        try:
            from recouvre_tui.domain.areas import AREAS, is_working_day
            from recouvre_tui.domain.config import Settings
            from recouvre_tui.domain.dates import PARIS, paris_date
            from recouvre_tui.services.agents import require_agent
            from recouvre_tui.services.outcome import Outcome, record_outcome
            from recouvre_tui.services.work_queue import release, take_next
            from recouvre_tui.store.db import open_db

            settings = replace(Settings(), claim_lease_minutes=LEASE_MINUTES)
            rng = random.Random(seed)
            store = open_db(cfg.db)
            agent = require_agent(store, login)
        except BaseException:
            write(type="error", where="startup", error=traceback.format_exc())
            ready.put(login)
            return
        ready.put(login)
        start.wait(120)
        clock = SimClock(t0.value, business_days(cfg.first_day, _days_needed(cfg)), cfg.day_seconds)
        deadline = t0.value + cfg.seconds
        while time.time() < deadline:
            now = clock.now()
            t_take = time.monotonic_ns()
            try:
                entry = take_next(store, agent, now=now, settings=settings)
            except BaseException:
                write(type="error", where="take_next", error=traceback.format_exc())
                continue
            claimed_at = time.monotonic_ns()
            if entry is None:
                write(type="idle", take_ms=(claimed_at - t_take) / 1e6)
                time.sleep(cfg.idle_sleep * (0.5 + rng.random()))
                continue
            disposition = _pick(rng)
            now = clock.now()
            instalments = []
            callback_at = None
            if disposition == "promise":
                due = paris_date(now) + timedelta(days=rng.randint(1, 10))
                amount = max(1, min(entry.balance_cents // 2, rng.randint(2_000, 20_000)))
                instalments = [(due, amount)]
            elif disposition == "callback":
                # 10:xx the next working day in the debtor's own time (callbacks outside its
                # calling window, or on a public holiday of its area, are refused: a run that
                # reached Christmas counted those refusals as errors).
                zone = entry.local_time.tzinfo or PARIS
                day = now.astimezone(zone).date() + timedelta(days=1)  # the clock may have moved since the take
                while not all(is_working_day(area, day) for area in AREAS.values()):
                    day += timedelta(days=1)
                callback_at = datetime.combine(day, dtime(10, rng.randrange(0, 60, 5)), zone).astimezone(UTC)
            released_at = time.monotonic_ns()
            try:
                result = record_outcome(
                    store,
                    agent,
                    Outcome(entry.debtor_ref, disposition, instalments=instalments, callback_at=callback_at),
                    now=now,
                    settings=settings,
                    source=SOURCE,
                )
            except BaseException:
                write(
                    type="error",
                    where="record_outcome",
                    debtor=entry.debtor_ref,
                    claimed_at=claimed_at,
                    error=traceback.format_exc(),
                )
                try:
                    release(store, agent, now=now)
                except BaseException:
                    write(type="error", where="release", error=traceback.format_exc())
                continue
            done = time.monotonic_ns()
            write(
                type="outcome",
                agent=login,
                debtor=entry.debtor_ref,
                claimed_at=claimed_at,
                released_at=released_at,
                event_id=result.event_id,
                promise=result.promise_ref,
                callback=result.callback_id,
                released=result.released,
                disposition=disposition,
                take_ms=(claimed_at - t_take) / 1e6,
                outcome_ms=(done - released_at) / 1e6,
            )
        store.close()


def _days_needed(cfg: StressConfig) -> int:
    return math.ceil(cfg.seconds / cfg.day_seconds) + 2


# --- refresh and import, through the real CLI ---------------------------------------------------------


def _run_cli(args: list[str], kind: str, t0: float, rows: int = 0) -> JobRun:
    started = time.time()
    proc = subprocess.run(RECOUVRE + args, capture_output=True, text=True, timeout=600)
    return JobRun(kind, started - t0, time.time() - started, proc.returncode, proc.stderr, rows)


def _refresher(cfg: StressConfig, clock: SimClock, jobs: list[JobRun], stop: threading.Event) -> None:
    runs = 0
    while not stop.wait(cfg.refresh_pause if runs else min(1.0, cfg.seconds / 4)):
        if cfg.refresh_runs is not None and runs >= cfg.refresh_runs:
            return
        jobs.append(_run_cli(["--db", cfg.db, "refresh", "--now", cli_now(clock.now())], "refresh", clock.t0))
        runs += 1


def _importer(cfg: StressConfig, clock: SimClock, refs: list[str], jobs: list[JobRun], stop: threading.Event) -> None:
    from recouvre_tui.domain.dates import PARIS, paris_date

    rng = random.Random(cfg.seed * 7919)
    runs = 0
    while not stop.wait(cfg.import_pause if runs else min(1.5, cfg.seconds / 3)):
        if cfg.import_runs is not None and runs >= cfg.import_runs:
            return
        now = clock.now()
        kind = "payments" if runs % 2 == 0 else "events"
        path = Path(cfg.out_dir) / f"{kind}-{runs:04d}.csv"
        chosen = rng.sample(refs, min(cfg.import_rows, len(refs)))
        if kind == "payments":
            lines = ["debtor_ref;payment_ref;date;amount"] + [
                f"{ref};SP{runs:04d}-{i:05d};{paris_date(now).isoformat()};{rng.randint(100, 500) // 100},"
                f"{rng.randint(0, 99):02d}"
                for i, ref in enumerate(chosen)
            ]
        else:
            lines = ["debtor_ref;at;channel;direction;outcome;agent;note"]
            for i, ref in enumerate(chosen):
                at = (now - timedelta(minutes=5 + i)).astimezone(PARIS)
                channel = rng.choice(("letter", "email", "sms"))
                lines.append(f"{ref};{at:%Y-%m-%d %H:%M};{channel};out;;;relance {runs}-{i}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        args = ["--db", cfg.db, "import", kind, str(path), "--now", cli_now(now), "--actor", IMPORT_ACTOR]
        jobs.append(_run_cli(args, f"import {kind}", clock.t0, rows=len(chosen)))
        runs += 1


# --- running and checking ------------------------------------------------------------------------------


def prepare_agents(db: str, wanted: int) -> list[str]:
    """The first `wanted` active agents of the database (role agent), adding `stressNN` ones if short."""
    from recouvre_tui.services.agents import add_agent
    from recouvre_tui.store.db import open_db

    store = open_db(db)
    try:
        with store.read() as conn:
            logins = [r[0] for r in conn.execute("SELECT login FROM agents WHERE role = 'agent' AND active = 1")]
        n = 1
        while len(logins) < wanted:
            login = f"stress{n:02d}"
            n += 1
            if login in logins:
                continue
            add_agent(
                store,
                login=login,
                name=f"Stress {n}",
                role="agent",
                team=None,
                ssh_key_file=None,
                actor="stress",
                now=datetime.now(UTC),
            )
            logins.append(login)
        return sorted(logins)[:wanted]
    finally:
        store.close()


def run_stress(cfg: StressConfig) -> StressReport:
    """Run the agents, the refresh loop and the import loop; then check everything."""
    Path(cfg.out_dir).mkdir(parents=True, exist_ok=True)
    with _reading(cfg.db) as conn:
        mark = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0])
        refs = [r[0] for r in conn.execute("SELECT ref FROM debtors ORDER BY id")]
    ctx = mp.get_context("spawn")
    ready, start, t0 = ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0)
    procs = [
        ctx.Process(target=agent_worker, args=(cfg, login, cfg.seed * 1000 + i, ready, start, t0), daemon=True)
        for i, login in enumerate(cfg.agents)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    t0.value = time.time() + 0.2
    clock = SimClock(t0.value, business_days(cfg.first_day, _days_needed(cfg)), cfg.day_seconds)
    start.set()
    jobs: list[JobRun] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_refresher, args=(cfg, clock, jobs, stop), daemon=True),
        threading.Thread(target=_importer, args=(cfg, clock, refs, jobs, stop), daemon=True),
    ]
    for t in threads:
        t.start()
    hung: list[str] = []
    for p, login in zip(procs, cfg.agents, strict=True):
        p.join(timeout=max(1.0, t0.value + cfg.seconds + 60 - time.time()))
        if p.is_alive():
            hung.append(f"{login}: still running 60 s after the end")
            p.kill()
            p.join()
        elif p.exitcode != 0:
            hung.append(f"{login}: exit code {p.exitcode}")
    elapsed = time.time() - t0.value  # the agents' run: the throughput is over this
    stop.set()
    for t in threads:
        t.join(timeout=600)
    report = check(cfg, mark, jobs, elapsed)
    report.errors[:0] = hung
    first, last = clock.at(t0.value), clock.at(t0.value + cfg.seconds)
    report.sim_span = f"{first:%Y-%m-%d %H:%M} → {last:%Y-%m-%d %H:%M} UTC"
    return report


@contextmanager
def _reading(db: str) -> Iterator[Any]:
    """One read snapshot of `db` (SQLite file or PostgreSQL URL), through the product's store."""
    from recouvre_tui.store.db import open_db

    store = open_db(db)
    try:
        with store.read() as conn:
            yield conn
    finally:
        store.close()


def check(cfg: StressConfig, mark: int, jobs: list[JobRun], elapsed: float) -> StressReport:
    rep = StressReport(seconds=elapsed, agents=len(cfg.agents), jobs=jobs)
    outcomes: list[dict[str, Any]] = []
    for login in cfg.agents:
        path = Path(cfg.out_dir) / f"agent-{login}.jsonl"
        if not path.exists():
            rep.errors.append(f"{login}: no log file")
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec["type"] == "outcome":
                outcomes.append(rec)
                rep.take_ms.append(rec["take_ms"])
                rep.outcome_ms.append(rec["outcome_ms"])
            elif rec["type"] == "idle":
                rep.nothing_callable += 1
                rep.take_ms.append(rec["take_ms"])
            else:
                rep.errors.append(f"{login} {rec.get('where')}: {rec.get('error')}")
    for j in jobs:
        if j.returncode != 0:
            rep.errors.append(f"{j.kind} at +{j.started:.1f} s exited {j.returncode}: {j.stderr.strip()[-800:]}")
    acked = {r["event_id"] for r in outcomes}
    rep.acknowledged = len(outcomes)
    if len(acked) != len(outcomes):
        rep.errors.append("the same event id was acknowledged twice")
    rep.by_disposition = dict(sorted(_count(r["disposition"] for r in outcomes).items()))
    rep.promises_acknowledged = sum(1 for r in outcomes if r["promise"])
    rep.callbacks_acknowledged = sum(1 for r in outcomes if r["callback"])

    from recouvre_tui.store.health import integrity
    from recouvre_tui.store.ledger import balance_mismatches
    from recouvre_tui.store.schema import PROMISE_REST_OF

    with _reading(cfg.db) as conn:
        written = {r[0] for r in conn.execute("SELECT id FROM events WHERE source = ?", (SOURCE,))}
        rep.written = len(written)
        rep.missing = sorted(acked - written)
        rep.unacknowledged = sorted(written - acked)
        rep.audit_outcomes = conn.execute(
            "SELECT COUNT(*) FROM audit WHERE id > ? AND action = 'outcome' "
            f"AND actor IN ({', '.join('?' for _ in cfg.agents)})",
            (mark, *cfg.agents),
        ).fetchone()[0]
        rep.promises_written = conn.execute(
            "SELECT COUNT(*) FROM promises p JOIN events e ON e.id = p.event_id WHERE e.source = ?", (SOURCE,)
        ).fetchone()[0]
        rep.instalments_bad = conn.execute(
            "SELECT COUNT(*) FROM promises p JOIN events e ON e.id = p.event_id WHERE e.source = ? AND ("
            "(SELECT COUNT(*) FROM instalments i WHERE i.promise_id = p.id) <> 1 OR p.total_cents <> "
            "(SELECT COALESCE(SUM(amount_cents), 0) FROM instalments i WHERE i.promise_id = p.id))",
            (SOURCE,),
        ).fetchone()[0]
        rep.callbacks_written = conn.execute(
            "SELECT COUNT(*) FROM callbacks c JOIN events e ON e.id = c.event_id WHERE e.source = ?", (SOURCE,)
        ).fetchone()[0]
        rep.claims_left = conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        rep.integrity = "; ".join(integrity(conn))
        lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM debtors").fetchone()
        rep.balances_wrong = balance_mismatches(conn, lo, hi)
        rep.promise_rest_wrong = conn.execute(
            "SELECT COUNT(*) FROM debtors WHERE COALESCE(promise_rest, '') <> COALESCE("
            + PROMISE_REST_OF.format(debtor="debtors.id")
            + ", '')"
        ).fetchone()[0]
        audit_rows = list(
            conn.execute(
                "SELECT id, actor, action, entity_ref FROM audit WHERE id > ? AND entity = 'debtor' "
                "AND action IN ('claim', 'outcome', 'release', 'hangup', 'quit') ORDER BY id",
                (mark,),
            )
        )
    rep.double_claims_log = overlapping_holds(outcomes)
    rep.double_claims_audit = replay_claims(audit_rows)
    return rep


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for i in items:
        out[i] += 1
    return out


def overlapping_holds(outcomes: list[dict[str, Any]]) -> list[str]:
    """Holds (claimed_at, released_at) of one debtor by two agents that overlap in time."""
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for r in outcomes:
        spans[r["debtor"]].append((r["claimed_at"], r["released_at"], r["agent"]))
    found = []
    for ref, holds in spans.items():
        holds.sort()
        for (_, end, who), (begin, _, other) in itertools.pairwise(holds):
            if begin < end:
                found.append(f"{ref}: {who} and {other} ({(end - begin) / 1e6:.1f} ms)")
    return found


def replay_claims(rows: list[tuple[int, str, str, str]]) -> list[str]:
    """The audit trail in commit order: a debtor claimed while another agent holds it."""
    holder: dict[str, str] = {}
    found = []
    for audit_id, actor, action, ref in rows:
        if action == "claim":
            if ref in holder and holder[ref] != actor:
                found.append(f"{ref}: claimed by {actor} (audit {audit_id}) while held by {holder[ref]}")
            holder[ref] = actor
        elif holder.get(ref) == actor:
            del holder[ref]
    return found


def make_database(path: Path | str, debtors: int) -> date:
    """A fresh database by scripts/gen_bigdb.py; returns the first simulated day (the next one)."""
    from gen_bigdb import NOW, generate

    generate(path, debtors=debtors)
    return (NOW + timedelta(days=1)).date()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument(
        "--db", default=None, help="an existing SQLite file or PostgreSQL URL (default: generate a SQLite file)"
    )
    ap.add_argument("--generate", action="store_true", help="with --db: generate it first (replaces it)")
    ap.add_argument("--debtors", type=int, default=2_000, help="size of the generated database")
    ap.add_argument(
        "--start",
        default=None,
        help="with --db: the database's 'today' (ISO); the simulation starts the next business day",
    )
    ap.add_argument("--day-seconds", type=float, default=10.0, help="wall seconds per simulated business day")
    ap.add_argument("--refresh-pause", type=float, default=5.0)
    ap.add_argument("--import-pause", type=float, default=2.0)
    ap.add_argument("--import-rows", type=int, default=300)
    ap.add_argument("--out-dir", type=Path, default=None, help="logs and import files (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="recouvre-stress-"))
    out_dir = args.out_dir or work
    db: Path | str
    if args.db is None or args.generate:
        db = args.db or work / "stress.db"
        print(f"generating {db} ({args.debtors} debtors)…", file=sys.stderr)
        first_day = make_database(db, args.debtors)
    else:
        from recouvre_tui.domain.dates import paris_date, parse_now

        db = args.db
        first_day = paris_date(parse_now(args.start)) + timedelta(days=1)
    agents = prepare_agents(str(db), args.agents)
    cfg = StressConfig(
        db=str(db),
        agents=agents,
        seconds=args.seconds,
        out_dir=str(out_dir),
        first_day=first_day,
        day_seconds=args.day_seconds,
        seed=args.seed,
        refresh_pause=args.refresh_pause,
        import_pause=args.import_pause,
        import_rows=args.import_rows,
    )
    print(f"{len(agents)} agent processes for {args.seconds:.0f} s on {db}; logs in {out_dir}", file=sys.stderr)
    report = run_stress(cfg)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
