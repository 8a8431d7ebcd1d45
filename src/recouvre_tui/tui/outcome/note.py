"""« Note d'appel » (`n`): a multi-line note with a visible counter and limit, and the
sensitive-data check (domain/sensitive.py) before it is kept.

Nothing is ever cut: beyond NOTE_MAX characters the counter turns red and the note is refused
until shortened. When the note holds words of the sensitive list, a dialog shows them and the
agent chooses « Réécrire » (the focused button: Entrée alone goes back to the text) or
« Garder la note »."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static, TextArea
from textual.widgets.text_area import Edit, EditResult

from ...domain.sensitive import find_sensitive
from ...domain.text import strip_control_chars
from ...services.outcome import NOTE_MAX
from .draft import NOTE_REMINDER
from .forms import FormScreen


def counter_text(n: int) -> Text:
    """« 1 234 / 2 000 caractères », red with the excess when over the limit."""
    shown = f"{n:,} / {NOTE_MAX:,} caractères".replace(",", "\u202f")
    if n > NOTE_MAX:
        return Text(f"{shown} — {n - NOTE_MAX} de trop : raccourcissez la note", style="bold red")
    return Text(shown, style="dim")


def sensitive_warning(words: list[str]) -> Text:
    t = Text("La note contient des mots sensibles : ", style="bold")
    t.append(", ".join(f"« {w} »" for w in words), style="bold red")
    t.append(
        "\n\nUne note reste factuelle : pas de santé, religion, opinions politiques ou syndicales, "
        "vie sexuelle, origine, infractions ou condamnations, ni d'injure ou de jugement (CNIL)."
        "\n\nRéécrire la note, ou la garder telle quelle ?"
    )
    return t


class SensitiveNoteDialog(ModalScreen[bool]):
    """Keep a note with sensitive words (True) or rewrite it (False, the focused button)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "rewrite", "réécrire", key_display="Échap", id="note.sensitive.rewrite"),
        Binding("right", "app.focus_next", show=False, id="note.sensitive.next"),
        Binding("left", "app.focus_previous", show=False, id="note.sensitive.previous"),
    ]

    def __init__(self, words: list[str]) -> None:
        super().__init__(id="sensitive-note")
        self.words = words

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="guard-dialog") as dialog:
            dialog.border_title = "Note : données sensibles"
            dialog.border_subtitle = "Entrée : réécrire · Tab puis Entrée : garder · Échap"
            yield Static(sensitive_warning(self.words), id="guard-text")
            with Horizontal(classes="form-buttons"):
                yield Button("Réécrire", id="rewrite", compact=True)
                yield Button("Garder la note", id="keep", variant="warning", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#rewrite", Button).focus()

    @on(Button.Pressed, "#rewrite")
    def _rewrite(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    @on(Button.Pressed, "#keep")
    def _keep(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    def action_rewrite(self) -> None:
        self.dismiss(False)


class NoteArea(TextArea):
    """The note's text: typed or pasted, no terminal control character gets in (line breaks do)."""

    def edit(self, edit: Edit) -> EditResult:
        edit.text = strip_control_chars(edit.text, keep_newlines=True)
        return super().edit(edit)

    async def _on_paste(self, event: events.Paste) -> None:
        # TextArea's own handler (called after this one) inserts the text; the event must not
        # bubble on to the screen, which would paste it a second time.
        event.stop()


class NoteForm(FormScreen):
    """A factual note for the outcome (returns the text; empty removes it). Entrée is a new
    line in the text: ctrl+s keeps the note."""

    ERROR_FIELDS = ("note",)

    def __init__(self, note: str | None, *, sensitive_words: Iterable[str] = (), cursor_blink: bool = True) -> None:
        super().__init__(cursor_blink=cursor_blink, id="note-form")
        self.note = note or ""
        self.sensitive_words = tuple(sensitive_words)

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog") as dialog:
            dialog.border_title = "Note d'appel"
            dialog.border_subtitle = "Échap annuler · ctrl+s garder · Entrée nouvelle ligne"
            yield Static(f"[b $warning]Rappel :[/] {NOTE_REMINDER}.", classes="form-hint")
            area = NoteArea(
                strip_control_chars(self.note, keep_newlines=True),
                id="note",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
            )
            area.cursor_blink = self._blink
            yield area
            yield Static(counter_text(len(self.note)), id="note-counter")
            yield self.error_box("note")
            with Horizontal(classes="form-buttons"):
                yield Button("Annuler (Échap)", id="cancel", compact=True)
                yield Button("Garder (ctrl+s)", id="save", variant="primary", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        area = self.query_one("#note", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @on(TextArea.Changed, "#note")
    def _changed(self, event: TextArea.Changed) -> None:
        n = len(event.text_area.text.strip())
        counter = self.query_one("#note-counter", Static)
        counter.update(counter_text(n))
        counter.set_class(n > NOTE_MAX, "-over")
        if n <= NOTE_MAX:
            self.show_errors({})

    def action_submit(self) -> None:
        text = self.query_one("#note", TextArea).text.strip()
        if len(text) > NOTE_MAX:
            too_long = f"note trop longue ({len(text)} caractères, {NOTE_MAX} au plus) : raccourcissez-la"
            self.show_errors({"note": [too_long]})
            return
        words = find_sensitive(text, self.sensitive_words)
        if not words:
            self.dismiss(text)
            return

        def chosen(keep: bool | None) -> None:
            if keep:
                self.dismiss(text)
            else:
                self.query_one("#note", TextArea).focus()

        self.app.push_screen(SensitiveNoteDialog(words), chosen)
