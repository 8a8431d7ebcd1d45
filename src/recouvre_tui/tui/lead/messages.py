"""Typed messages the lead screens' thread workers post back (see `tui.messages`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.message import Message

from ...domain.agents import Agent
from ...domain.wear import WearReport
from ...services.case_file import CaseFile
from ...services.credit_balances import CreditBalance
from ...services.lead import AuditEntry, KpiRow, QueueLoad, ReviewPage
from ...services.legal import PrescribingInvoice
from ...services.search import SearchHit
from ..backend import BoardData


@dataclass
class BoardLoaded(Message):
    data: BoardData


@dataclass
class ReviewLoaded(Message):
    page: ReviewPage
    request: int  # sequence number: older answers are ignored


@dataclass
class FilterCounted(Message):
    """How many debtors the review's filter matches (`to` unset) or would move to `to`."""

    count: int
    request: int
    purpose: str = "count"  # "count" (header) or "reassign" (confirmation)
    to: str | None = None
    to_label: str = ""


@dataclass
class TargetsLoaded(Message):
    agents: list[Agent]
    loads: list[QueueLoad]


@dataclass
class WearLoaded(Message):
    week: str
    report: WearReport


@dataclass
class WearTrendLoaded(Message):
    week: str
    trend: list[tuple[str, float | None]]


@dataclass
class KpisLoaded(Message):
    week: str
    rows: list[KpiRow]


@dataclass
class Exported(Message):
    what: str
    path: Path


@dataclass
class AuditLoaded(Message):
    entries: list[AuditEntry]
    request: int


@dataclass
class CreditsLoaded(Message):
    rows: list[CreditBalance]


@dataclass
class SearchDone(Message):
    text: str
    hits: list[SearchHit]
    request: int


@dataclass
class DebtorLoaded(Message):
    ref: str
    case: CaseFile


@dataclass
class LeadFailed(Message):
    """A load refused or failed: shown on the screen (and as a toast)."""

    what: str
    error: str


@dataclass
class LeadActionDone(Message):
    """A lead action (reassign, hold…) went through the services, or was refused."""

    kind: str  # assign, reassign_filter, hold, hold_release, do_not_call, do_not_call_off, dispute_close…
    refs: list[str]
    ok: bool
    toast: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class PrescriptionLoaded(Message):
    rows: list[PrescribingInvoice]
