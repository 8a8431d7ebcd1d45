"""« Exporter » on the lead's report screens (wear, KPIs, promises, queue review):
choose `.xlsx` or CSV for French Excel, saved in `exports_dir/<login>/`, or sent by e-mail
to the lead's address (docs/exports.md). The table is built and the file written or sent in
a thread worker through the backend; the result is a toast (path, or address), and a
refusal (no address, SMTP down…) its French message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from ...reports.export_table import ExportTable
from ...services.exports import ExportError
from ..backend_call import BackendCalls, Refusal

CHOICES = (
    ("xlsx", False, "Exporter en .xlsx (Excel)"),
    ("csv-fr", False, "Exporter en CSV (Excel français)"),
    ("xlsx", True, "Envoyer par e-mail (.xlsx)"),
    ("csv-fr", True, "Envoyer par e-mail (CSV)"),
)


@dataclass(frozen=True)
class ExportRequest:
    fmt: str  # xlsx or csv-fr
    send: bool  # e-mail it to the lead as well


class ExportDialog(ModalScreen[ExportRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "annuler", key_display="Échap", id="export.cancel"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__(id="export-dialog")
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-box") as box:
            box.border_title = f"Exporter : {self.what}"
            box.border_subtitle = "↑↓ Entrée choisir · Échap annuler"
            yield OptionList(*(Option(Text(label), id=str(i)) for i, (_f, _s, label) in enumerate(CHOICES)))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        fmt, send, _label = CHOICES[int(event.option.id or 0)]
        self.dismiss(ExportRequest(fmt, send))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportsReports(BackendCalls):
    """Mixin for a screen with a report to export: `ask_export(what, build)` where `build`
    returns the `ExportTable` (called in the worker thread)."""

    app: Any

    def ask_export(self, what: str, build: Callable[[], ExportTable]) -> None:
        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.run_export(what, build, request)

        self.app.push_screen(ExportDialog(what), chosen)

    def run_export(self, what: str, build: Callable[[], ExportTable], request: ExportRequest) -> None:
        backend = self.app.backend

        def export() -> tuple[Path, str | None]:
            table = build()
            path = backend.save_export(table, request.fmt)
            return path, backend.mail_export(path, table.report) if request.send else None

        def done(result: tuple[Path, str | None]) -> None:
            path, sent_to = result
            body = f"envoyé à {sent_to}\n{path}" if sent_to else str(path)
            self.app.notify(body, title=f"Export : {what}", timeout=10)  # the path, the address: literal

        self.run_backend(
            export,
            what=f"export ({what})",
            group="export",
            refused=Refusal((ExportError,), title=f"Export impossible : {what}", timeout=12),
            on_ok=done,
        )
