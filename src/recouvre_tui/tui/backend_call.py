"""One way to run a backend call from the TUI (the Harlequin pattern, docs/architecture.md).

`self.run_backend(fn, *args, what="file d'attente", on_ok=self._loaded)` runs `fn(*args)` in a
thread worker, so the event loop never waits on the database, and posts one typed message back
to the screen (or app) that asked:

- `BackendResult` when the call returns; the screen's `on_ok(value)` then runs on the event
  loop. A call superseded by a newer one of its exclusive group posts nothing.
- `BackendFailed` when it raises. The exception is logged here with its traceback (the log never
  holds more than the exception's text); the screen's `on_failed(message)` runs (stop a loading
  indicator…), and the message bubbles up to the app, which shows the French toast.

Both are handled in `BackendCalls`, the mixin of the app and of every screen that calls the
backend: no worker has its own try/except.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, get_current_worker

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """Exceptions a call may raise to refuse, with a French text meant for the user.

    They are shown under `title` (`{what}` is replaced), their text given by `text`; anything
    else raised is a fault, shown under « Erreur : {what} »."""

    errors: tuple[type[BaseException], ...]
    title: str = "Refusé : {what}"
    text: Callable[[BaseException], str] = str
    timeout: float = 8


@dataclass
class BackendResult(Message):
    """A backend call returned `value`; `on_ok(value)` runs on the event loop."""

    what: str
    value: Any
    on_ok: Callable[[Any], None] | None = field(default=None, repr=False)


@dataclass
class BackendFailed(Message):
    """A backend call raised (already logged): the app shows `error` under `title`."""

    what: str
    error: str
    title: str
    refused: bool  # a refusal the services explain (see `Refusal`), not a fault
    timeout: float = 8
    quiet: bool = False  # best effort (heartbeat…): logged only, no toast
    on_failed: Callable[[BackendFailed], None] | None = field(default=None, repr=False)
    node: object = field(default=None, repr=False)  # who asked: its `on_failed` runs there only


def describe(exc: BaseException) -> str:
    """The text of a fault: ours (and `ValueError`s) speak French, others get their type."""
    if type(exc).__module__.startswith("recouvre_tui.") or isinstance(exc, ValueError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def failure(
    exc: BaseException,
    *,
    what: str,
    refused: Refusal | None = None,
    quiet: bool = False,
    on_failed: Callable[[BackendFailed], None] | None = None,
    node: object = None,
) -> BackendFailed:
    """Log `exc` (with the traceback being handled) and build the message telling the user."""
    if refused is not None and isinstance(exc, refused.errors):
        log.info("backend call refused: %s", what, exc_info=exc)
        return BackendFailed(
            what,
            refused.text(exc),
            refused.title.replace("{what}", what),
            True,
            refused.timeout,
            quiet,
            on_failed,
            node,
        )
    if quiet:
        log.warning("backend call failed: %s", what, exc_info=exc)
    else:
        log.error("backend call failed: %s", what, exc_info=exc)
    return BackendFailed(what, describe(exc), f"Erreur : {what}", False, 8, quiet, on_failed, node)


class BackendCalls:
    """Mixin for the app and the screens: `run_backend`, and the two messages' handlers.

    Textual calls handlers along the MRO, so a class mixing this in must not define
    `on_backend_result` / `on_backend_failed` itself (use `on_ok` / `on_failed`)."""

    def run_backend(
        self,
        fn: Callable[..., T],
        *args: Any,
        what: str,
        on_ok: Callable[[T], None] | None = None,
        on_failed: Callable[[BackendFailed], None] | None = None,
        refused: Refusal | None = None,
        group: str | None = None,
        exclusive: bool = True,
        quiet: bool = False,
    ) -> Worker[None]:
        """Run `fn(*args)` in a thread worker of `group` (default: `what`); a new call cancels
        the running one of its group when `exclusive`, and a cancelled call's result is dropped.

        `what` names the call in French (toast titles, the log); `refused` lists the exceptions
        shown as refusals; `quiet` calls (best effort) are only logged when they fail."""
        node = cast(DOMNode, self)

        def call() -> None:
            try:
                value = fn(*args)
            except Exception as exc:
                node.post_message(failure(exc, what=what, refused=refused, quiet=quiet, on_failed=on_failed, node=node))
                return
            if not get_current_worker().is_cancelled:
                node.post_message(BackendResult(what, value, on_ok))

        return node.run_worker(
            call, name=what, group=group or what, exclusive=exclusive, thread=True, exit_on_error=False
        )

    def on_backend_result(self, message: BackendResult) -> None:
        message.stop()  # answered here: it must not run again in the app
        if message.on_ok is not None:
            message.on_ok(message.value)

    def on_backend_failed(self, message: BackendFailed) -> None:
        # Not stopped: the app shows the toast (`RecouvreApp._backend_failed`).
        if message.node is self and message.on_failed is not None:
            message.on_failed(message)
