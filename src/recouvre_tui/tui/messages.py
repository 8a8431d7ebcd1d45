"""Typed messages that thread workers post back to the screens (Harlequin-style)."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # annotations only: the first screen need not import the case services
    from ..domain.call_scripts import CallScript, ScriptError
    from ..services.case_file import CaseFile
    from ..services.outcome import Outcome, OutcomeResult
    from ..services.work_queue import QueueEntry
    from .backend import QueuePage

log = logging.getLogger(__name__)


@dataclass
class DataChanged(Message):
    """Another session committed: what is shown may be stale."""

    version: int


@dataclass
class FiguresLoaded(Message):
    figures: dict[str, int]


@dataclass
class HeldCaseChecked(Message):
    entry: QueueEntry | None


@dataclass
class QueueLoaded(Message):
    result: QueuePage
    request: int  # sequence number: older answers are ignored


@dataclass
class NextCaseTaken(Message):
    entry: QueueEntry | None
    failed: bool = False


@dataclass
class CaseLoaded(Message):
    entry: QueueEntry
    case: CaseFile
    scripts: list[CallScript]
    script_errors: list[ScriptError]


@dataclass
class OutcomeSaved(Message):
    outcome: Outcome
    result: OutcomeResult


@dataclass
class OutcomeRejected(Message):
    outcome: Outcome
    errors: list[tuple[str, str]]


@dataclass
class LeaseRenewed(Message):
    kept: bool


@dataclass
class CaseReleased(Message):
    ref: str | None


@dataclass
class ServiceFailed(Message):
    """An unexpected problem in a worker (shown as an error toast; the UI keeps going).

    Workers build it in their `except` block: the traceback being handled goes to the log
    here, in one place for every worker.
    """

    what: str
    error: str

    def __post_init__(self) -> None:
        super().__post_init__()
        exc = sys.exc_info()[1]
        log.error("worker failed: %s", self.what, exc_info=exc)


@dataclass
class AccountClosed(Message):
    """The session's account was deactivated (or removed): the session ends with `text`."""

    text: str
