"""The TUI's only door to the data: thin, synchronous calls to the services.

Screens call these from `@work(thread=True)` workers and post typed messages back
(`tui.messages`); no widget ever touches the store or SQL. Everything that depends on the
clock takes it from `clock()`, so tests run on a frozen instant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.call_scripts import CallScript, ScriptError
from ..domain.config import Settings
from ..services import case_file as case_service
from ..services import outcome as outcome_service
from ..services import script_guide, work_queue
from ..services.case_file import CaseFile
from ..services.outcome import Outcome, OutcomeResult
from ..services.work_queue import QueueEntry
from ..store.agents import Agent
from ..store.db import Store
from ..store.queue import QueueFilter

PAGE_SIZE = 50
MAX_PAGES = 20  # the queue screen shows a page, never the whole portfolio


@dataclass
class QueuePage:
    entries: list[QueueEntry]
    page: int
    has_more: bool


@dataclass
class Backend:
    store: Store
    agent: Agent
    settings: Settings
    clock: Callable[[], datetime]
    _scripts_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> datetime:
        return self.clock()

    # --- reads -----------------------------------------------------------------------

    def data_version(self) -> int:
        return self.store.data_version()

    def figures(self) -> dict[str, int]:
        return case_service.today_figures(self.store, self.agent, now=self.now())

    def queue_page(
        self,
        page: int,
        *,
        flt: QueueFilter | None,
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
        return case_service.load_case(self.store, self.agent, ref, now=self.now())

    def scripts(self) -> tuple[list[CallScript], list[ScriptError]]:
        """The call-script library, loaded once per process (shared with the CLI)."""
        with self._scripts_lock:
            return script_guide.library(self.settings)

    # --- writes ----------------------------------------------------------------------

    def take_next(self) -> QueueEntry | None:
        return work_queue.take_next(self.store, self.agent, now=self.now(), settings=self.settings)

    def renew(self) -> bool:
        return work_queue.renew(self.store, self.agent, now=self.now(), settings=self.settings)

    def release(self) -> str | None:
        return work_queue.release(self.store, self.agent, now=self.now())

    def validate(self, outcome: Outcome, balance_cents: int | None) -> list[tuple[str, str]]:
        """The service's own checks, without writing (pure)."""
        return outcome_service.validate(outcome, now=self.now(), settings=self.settings, balance_cents=balance_cents)

    def record(self, outcome: Outcome) -> OutcomeResult:
        return outcome_service.record_outcome(
            self.store, self.agent, outcome, now=self.now(), settings=self.settings, source="tui"
        )
