"""The TUI's only door to the data: thin, synchronous calls to the services.

Screens call these through `run_backend` (`tui.backend_call`), in a thread worker that posts a
typed result or failure back; no widget ever touches the store or SQL. Everything that depends on the
clock takes it from `clock()`, so tests run on a frozen instant.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.agents import Agent
from ..domain.config import Settings
from ..domain.dates import iso_week_label, last_complete_week, paris_date, parse_iso_week
from ..domain.filters import DebtorFilter
from ..services import case_file as case_service
from ..services import sessions, work_queue
from ..services.agents import session_end_reason
from ..services.connection import Store
from ..services.roles import AccountDisabled, require_lead
from ..services.work_queue import QueueEntry
from .lazy import lazy_module

if TYPE_CHECKING:
    # What the welcome screen does not need is imported on first use (see tui.lazy).
    from ..domain.call_scripts import CallScript, ScriptError
    from ..domain.wear import WearReport
    from ..reports.export_table import ExportTable
    from ..services import credit_balances as credit_balance_service
    from ..services import lead as lead_service
    from ..services import legal as legal_service
    from ..services import outcome as outcome_service
    from ..services import promise_tracking, script_guide
    from ..services import search as search_service
    from ..services import wear_report as wear_service
    from ..services.case_file import CaseFile
    from ..services.credit_balances import CreditBalance
    from ..services.lead import AssignResult, AuditEntry, BoardRow, KpiRow, QueueLoad, ReviewPage
    from ..services.outcome import Outcome, OutcomeResult
    from ..services.promise_tracking import PromiseView
    from ..services.search import SearchHit
else:
    credit_balance_service = lazy_module("recouvre_tui.services.credit_balances")
    lead_service = lazy_module("recouvre_tui.services.lead")
    legal_service = lazy_module("recouvre_tui.services.legal")
    outcome_service = lazy_module("recouvre_tui.services.outcome")
    promise_tracking = lazy_module("recouvre_tui.services.promise_tracking")
    script_guide = lazy_module("recouvre_tui.services.script_guide")
    search_service = lazy_module("recouvre_tui.services.search")
    wear_service = lazy_module("recouvre_tui.services.wear_report")

PAGE_SIZE = 50
MAX_PAGES = 20  # the queue screen shows a page, never the whole portfolio
REVIEW_PAGE_SIZE = 50  # the lead's queue review: one keyset page at a time
AUDIT_PAGE_SIZE = 100
SEARCH_LIMIT = 50


@dataclass
class QueuePage:
    entries: list[QueueEntry]
    page: int
    has_more: bool


@dataclass
class BoardData:
    """The lead's team board: one row per account, the queue loads, and when it was read."""

    rows: list[BoardRow]
    loads: list[QueueLoad]
    at: datetime


@dataclass
class PromiseDetail:
    """One promise evaluated now, with the debtor's payments (oldest first) to explain it."""

    view: PromiseView
    recorded_on: date
    payments: list[tuple[date, int]]
    today: date
    grace_days: int


@dataclass
class Backend:
    store: Store
    agent: Agent
    settings: Settings
    clock: Callable[[], datetime]
    _scripts_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    export_dir: Path | None = None  # overrides `exports_dir` (tests)
    # Called (from the worker's thread) when a service refuses the session's account as
    # deactivated; the app ends the session. Every public method below reports it.
    on_account_disabled: Callable[[str], None] | None = None

    def now(self) -> datetime:
        return self.clock()

    # --- reads -----------------------------------------------------------------------

    def data_version(self) -> int:
        return self.store.data_version()

    def end_reason(self) -> str | None:
        """Why this session must end (account deactivated, role changed), checked whenever
        another session commits; None while it may go on."""
        return session_end_reason(self.store, self.agent)

    def figures(self) -> dict[str, int]:
        return case_service.today_figures(self.store, self.agent, now=self.now())

    def queue_page(
        self,
        page: int,
        *,
        flt: DebtorFilter | None,
        include_blocked: bool,
        page_size: int = PAGE_SIZE,
    ) -> QueuePage:
        page = max(0, min(page, MAX_PAGES - 1))
        wanted = (page + 1) * page_size
        entries = work_queue.list_queue(
            self.store,
            self.agent,
            now=self.now(),
            settings=self.settings,
            limit=wanted + 1,
            include_blocked=include_blocked,
            flt=flt,
        )
        shown = entries[page * page_size : wanted]
        has_more = len(entries) > wanted and page < MAX_PAGES - 1
        return QueuePage(shown, page, has_more)

    def held_case(self) -> QueueEntry | None:
        return work_queue.held_case(self.store, self.agent, now=self.now(), settings=self.settings)

    def load_case(self, ref: str) -> CaseFile:
        return case_service.load_case(self.store, self.agent, ref, now=self.now(), settings=self.settings)

    def scripts(self) -> tuple[list[CallScript], list[ScriptError]]:
        """The call-script library, loaded once per process (shared with the CLI)."""
        with self._scripts_lock:
            return script_guide.library(self.settings)

    def promises(self, *, agent: str | None = None) -> list[PromiseView]:
        """Promises evaluated now: the agent's portfolio and the pool; a lead sees everyone's."""
        return promise_tracking.list_promises(
            self.store, self.agent, now=self.now(), settings=self.settings, agent=agent
        )

    def promise_detail(self, ref: str) -> PromiseDetail | None:
        """The promise `ref` and its debtor's payments; None when it is not (or no longer) visible."""
        view = next((v for v in self.promises() if v.ref == ref), None)
        if view is None:
            return None
        case = self.load_case(view.debtor_ref)
        recorded = next((p["recorded_on"] for p in case.promises if p["ref"] == ref), None)
        recorded_on = date.fromisoformat(str(recorded)[:10]) if recorded else date.fromisoformat(view.created_at[:10])
        payments = sorted(
            (
                (date.fromisoformat(str(item.raw["paid_on"])[:10]), int(item.raw["amount_cents"]))
                for item in case.timeline
                if item.kind == "payment"
            ),
            key=lambda p: p[0],
        )
        return PromiseDetail(view, recorded_on, payments, paris_date(self.now()), self.settings.promises.grace_days)

    # --- writes ----------------------------------------------------------------------

    def take_next(self) -> QueueEntry | None:
        return work_queue.take_next(self.store, self.agent, now=self.now(), settings=self.settings)

    def renew(self) -> bool:
        return work_queue.renew(self.store, self.agent, now=self.now(), settings=self.settings)

    def release(self, reason: str = "release") -> str | None:
        return work_queue.release(self.store, self.agent, now=self.now(), reason=reason)

    def cancel_promise(self, ref: str, *, reason: str) -> None:
        """Cancel a promise (reason required; audited; refused outside the portfolio)."""
        promise_tracking.cancel_promise(
            self.store, self.agent, ref, reason=reason, now=self.now(), settings=self.settings
        )

    def heartbeat(self, *, on_case: bool) -> None:
        """Tell the team board this session is alive (and whether a case is open)."""
        sessions.heartbeat(
            self.store, self.agent, now=self.now(), state="on_case" if on_case else "idle", pid=os.getpid()
        )

    def end_session(self) -> None:
        sessions.end_session(self.store, self.agent, now=self.now())

    def validate(
        self, outcome: Outcome, balance_cents: int | None, *, area: Any = None, segment: str | None = None
    ) -> list[tuple[str, str]]:
        """The service's own checks, without writing (pure)."""
        return outcome_service.validate(
            outcome, now=self.now(), settings=self.settings, balance_cents=balance_cents, area=area, segment=segment
        )

    def record(self, outcome: Outcome) -> OutcomeResult:
        return outcome_service.record_outcome(
            self.store, self.agent, outcome, now=self.now(), settings=self.settings, source="tui"
        )

    # --- team lead (the services check the role; so do the reads below) ---------------

    def team_board(self) -> BoardData:
        now = self.now()
        rows = lead_service.team_board(self.store, self.agent, now=now)
        loads = lead_service.queue_loads(self.store, self.agent)
        return BoardData(rows, loads, now)

    def queue_loads(self) -> list[QueueLoad]:
        return lead_service.queue_loads(self.store, self.agent)

    def team_agents(self) -> list[Agent]:
        """Active accounts with the agent role (targets of a reassignment)."""
        return lead_service.team_agents(self.store, self.agent)

    def review(
        self,
        flt: DebtorFilter,
        *,
        after: tuple[int, float, str] | None = None,
        limit: int = REVIEW_PAGE_SIZE,
    ) -> ReviewPage:
        return lead_service.review_queue(
            self.store, self.agent, flt, now=self.now(), settings=self.settings, limit=limit, after=after
        )

    def count_filter(self, flt: DebtorFilter, **to: str | None) -> int:
        """How many debtors match `flt`; with `to=` (None = the pool), how many would move.
        (Keywords passed through: the service's « unchanged » default stays its own.)"""
        return lead_service.count_by_filter(self.store, self.agent, flt, now=self.now(), **to)

    def reassign_filter(self, flt: DebtorFilter, *, to: str | None) -> int:
        return lead_service.reassign_by_filter(self.store, self.agent, flt, to=to, now=self.now())

    def assign(self, refs: list[str], *, to: str | None) -> AssignResult:
        return lead_service.assign(self.store, self.agent, refs, to=to, now=self.now())

    def hold(self, ref: str, *, reason: str) -> None:
        lead_service.set_hold(self.store, self.agent, ref, reason=reason, now=self.now())

    def release_hold(self, ref: str, *, reason: str | None = None) -> None:
        lead_service.release_hold(self.store, self.agent, ref, reason=reason, now=self.now())

    def do_not_call(self, ref: str, *, on: bool, reason: str | None = None) -> None:
        lead_service.set_do_not_call(self.store, self.agent, ref, on=on, reason=reason, now=self.now())

    def close_dispute(
        self, ref: str, *, note: str | None = None, invoices: list[str] | None = None, decision: str = "rejected"
    ) -> None:
        lead_service.close_dispute(
            self.store, self.agent, ref, note=note, now=self.now(), invoices=invoices, decision=decision
        )

    def contested_invoices(self, ref: str) -> list[dict[str, Any]]:
        return lead_service.contested_invoices(self.store, self.agent, ref)

    def set_overrides(self, ref: str, **changes: str | None) -> tuple[str | None, str | None]:
        """`stage=` / `tone=`: a value or None (clear it); a keyword left out stays unchanged."""
        return lead_service.set_overrides(self.store, self.agent, ref, now=self.now(), **changes)

    def formal_notice_preview(self, ref: str) -> lead_service.FormalNoticePreview:
        return lead_service.formal_notice_preview(self.store, self.agent, ref, now=self.now())

    def formal_notice(
        self,
        ref: str,
        *,
        sent_on: date | None = None,
        note: str | None = None,
        registered_letter: str | None = None,
        force: bool = False,
    ) -> int:
        return lead_service.record_formal_notice(
            self.store,
            self.agent,
            ref,
            sent_on=sent_on,
            note=note,
            registered_letter=registered_letter,
            force=force,
            now=self.now(),
            settings=self.settings,
        )

    # Documents (services/letters.py, docs/letters.md).
    def letter_preview(self, ref: str) -> Any:
        from ..services import letters

        return letters.preview_formal_notice(self.store, self.agent, ref, now=self.now(), settings=self.settings)

    def generate_letter(self, ref: str) -> Any:
        from ..services import letters

        return letters.formal_notice(self.store, self.agent, ref, now=self.now(), settings=self.settings)

    def court_pack_preview(self, ref: str) -> str:
        from ..services import letters

        return letters.preview_court_pack(self.store, self.agent, ref, now=self.now(), settings=self.settings)

    def generate_court_pack(self, ref: str) -> Any:
        from ..services import letters

        return letters.court_pack(self.store, self.agent, ref, now=self.now(), settings=self.settings)

    def generate_statement(self, ref: str) -> Any:
        from ..services import letters

        return letters.statement(self.store, self.agent, ref, now=self.now(), settings=self.settings)

    def prescribing_soon(self) -> list[legal_service.PrescribingInvoice]:
        """Unpaid invoices prescribing within `[legal] prescription_warning_days` (lead only)."""
        require_lead(self.agent, "voir les factures bientôt prescrites")
        days = self.settings.legal.prescription_warning_days
        return legal_service.prescribing_soon(self.store, now=self.now(), within_days=days)

    def overindebted(self, ref: str, *, since: date | None, note: str | None = None) -> None:
        legal_service.set_overindebted(self.store, self.agent, ref, since=since, note=note, now=self.now())

    def default_week(self) -> str:
        """The last complete ISO week (Paris) before today."""
        return last_complete_week(self.now())

    @staticmethod
    def shift_week(week: str, weeks: int) -> str:
        monday, _ = parse_iso_week(week)
        return iso_week_label(monday + timedelta(weeks=weeks))

    def wear_report(self, week: str) -> WearReport:
        return wear_service.week_report(self.store, self.agent, week, settings=self.settings, now=self.now())

    def wear_trend(self, week: str, weeks: int | None = None) -> list[tuple[str, float | None]]:
        """The wear rate of the `weeks` weeks ending with `week` (oldest first)."""
        weeks = wear_service.TREND_WEEKS if weeks is None else weeks  # (a default would import it at start-up)
        return wear_service.week_trend(
            self.store, self.agent, week, settings=self.settings, weeks=weeks, now=self.now()
        )

    def kpis(self, week: str) -> list[KpiRow]:
        return lead_service.kpis(self.store, self.agent, week=week, now=self.now(), settings=self.settings)

    # --- exports (docs/exports.md): exports_dir/<login>/, never the working directory ---------

    def _export_settings(self) -> Settings:
        if self.export_dir is None:
            return self.settings
        return replace(self.settings, exports_dir=str(self.export_dir))

    def kpis_table(self, week: str) -> ExportTable:
        from ..reports.export_reports import kpis_table

        return kpis_table(self.kpis(week))

    def wear_table(self, report: WearReport) -> ExportTable:
        from ..reports.export_reports import wear_table

        lead_service.check_lead(self.store, self.agent, "exporter l'usure des relances")
        return wear_table(report)

    def review_table(self, flt: DebtorFilter) -> ExportTable:
        from ..reports.export_reports import review_table
        from ..services.exports import review_rows

        return review_table(review_rows(self.store, self.agent, flt, now=self.now(), settings=self.settings))

    def promises_table(self, keep: Callable[[PromiseView], bool] = lambda _v: True) -> ExportTable:
        """The promises this account sees (those `keep` accepts), for a lead's export."""
        from ..reports.export_reports import promises_table

        lead_service.check_lead(self.store, self.agent, "exporter les promesses")
        return promises_table([v for v in self.promises() if keep(v)])

    def save_export(self, table: ExportTable, fmt: str) -> Path:
        from ..services.exports import save_export

        return save_export(table, fmt, settings=self._export_settings(), login=self.agent.login, now=self.now())

    def mail_export(self, path: Path, report: str) -> str:
        """Send the file to this account's address; the address it went to."""
        from ..services.agents import agent_email
        from ..services.exports import send_export

        address = agent_email(self.store, self.agent.login)
        send_export(path, to=address, settings=self.settings, login=self.agent.login, report=report)
        assert address is not None
        return address

    def credit_balances(self) -> list[CreditBalance]:
        return credit_balance_service.credit_balances(self.store, self.agent)

    def audit(
        self,
        *,
        before_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = AUDIT_PAGE_SIZE,
    ) -> list[AuditEntry]:
        return lead_service.audit_page(
            self.store, self.agent, before_id=before_id, actor_filter=actor, action=action, limit=limit
        )

    def search(self, text: str, *, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
        return search_service.search_debtors(self.store, self.agent, text, limit=limit)


def _reporting_account_disabled(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def wrapper(self: Backend, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except AccountDisabled as exc:
            if self.on_account_disabled is not None:
                self.on_account_disabled(str(exc))
            raise

    return wrapper


# Whatever screen made the call, a refusal for a deactivated account ends the session.
for _name, _member in list(vars(Backend).items()):
    if not _name.startswith("_") and callable(_member) and not isinstance(_member, staticmethod | classmethod):
        setattr(Backend, _name, _reporting_account_disabled(_member))
