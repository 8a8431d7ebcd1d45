"""The application log: one file shared by every process (one per SSH session, the CLI, the
nightly job), standard `logging` under the `recouvre_tui` logger.

Why this handler (see docs/architecture.md, "Logs"): `RotatingFileHandler` is not safe with
several processes (each one renames the file on its own and they lose each other's lines).
Here every process appends (`O_APPEND`: one `write` per line, lines never interleave); the one
that sees the file past `log_max_mb` renames it under an exclusive `flock`, and every process
notices the new inode before its next line and reopens (`WatchedFileHandler`). With
`log_max_mb = 0` nothing rotates here and an external logrotate (no `copytruncate` needed)
can do it. The file is created 0600: it names agents and debtor references.

What is logged: session start and end, imports, refreshes and nightly steps with their figures,
and every caught exception with its traceback. Never a note's text or a phone number: log
references and counts, not free text from users or data.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from platformdirs import user_log_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no rotation by this handler
    fcntl = None  # type: ignore[assignment]

APP = "recouvre"
ROOT = "recouvre_tui"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
BACKUPS = 5
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_installed: logging.Handler | None = None


def default_log_path() -> Path:
    return Path(user_log_dir(APP, appauthor=False)) / "recouvre.log"


class SharedFileHandler(logging.handlers.WatchedFileHandler):
    """Append-only, 0600, reopened when another process rotated it; rotates past `max_bytes`."""

    def __init__(self, path: Path, *, max_bytes: int = 0, backups: int = BACKUPS) -> None:
        self.max_bytes = max_bytes
        self.backups = backups
        super().__init__(str(path), encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with contextlib.suppress(OSError):  # an older file made with a looser mode
            os.fchmod(fd, 0o600)
        return open(fd, "a", encoding=self.encoding)

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if self.max_bytes and fcntl is not None and self.stream is not None:
            try:
                if os.fstat(self.stream.fileno()).st_size >= self.max_bytes:
                    self._rotate()
            except OSError:
                self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        # A line that cannot be written (disk full, file size limit) is dropped: the standard
        # handler would print a traceback on stderr, over an agent's screen or a command's output.
        return

    def _rotate(self) -> None:
        """Under the lock, and only if nobody rotated meanwhile: .4 → .5, …, file → .1."""
        base = self.baseFilename
        with open(os.open(base + ".lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if os.stat(base).st_size < self.max_bytes:
                    return
            except FileNotFoundError:
                return
            for i in range(self.backups - 1, 0, -1):
                with contextlib.suppress(FileNotFoundError):
                    os.replace(f"{base}.{i}", f"{base}.{i + 1}")
            os.replace(base, f"{base}.1")
        self.reopenIfNeeded()


def setup_logging(path: Path, *, level: str = "INFO", max_mb: int = 10) -> Path:
    """Send the `recouvre_tui` logger to `path` (replacing an earlier call's handler)."""
    global _installed
    logger = logging.getLogger(ROOT)
    if _installed is not None:
        logger.removeHandler(_installed)
        _installed.close()
        _installed = None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = SharedFileHandler(path, max_bytes=max_mb * 1024 * 1024)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    _installed = handler
    return path


def start_logging(log_file: str | None, *, level: str = "INFO", max_mb: int = 10) -> Path | str | None:
    """The entry points' call: the log path; or, for a configured `log_file` that cannot be
    written, why (French, for a warning); None when the default one cannot be (no log then).

    A log that cannot be opened never stops an agent's session or a command, and the default
    location failing (another account running a command, a read-only home) is no reason to
    add a line to a command's error output.
    """
    path = Path(log_file).expanduser() if log_file else default_log_path()
    try:
        opened = setup_logging(path, level=level, max_mb=max_mb)
    except OSError as exc:
        return f"journal inutilisable ({path}) : {exc.strerror or exc}" if log_file else None
    if not getattr(sys.excepthook, "_recouvre", False):
        sys.excepthook = _logging_excepthook(sys.excepthook)
    return opened


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


def _logging_excepthook(previous: ExceptHook) -> ExceptHook:
    """An exception nobody caught still reaches the log before the usual traceback on stderr."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            logging.getLogger(ROOT).critical("uncaught exception, the process stops", exc_info=(kind, exc, tb))
        previous(kind, exc, tb)

    hook._recouvre = True  # type: ignore[attr-defined]
    return hook


def stop_logging() -> None:
    """Close the file (tests, and processes that fork workers)."""
    global _installed
    if _installed is not None:
        logging.getLogger(ROOT).removeHandler(_installed)
        _installed.close()
        _installed = None


__all__ = ["LEVELS", "SharedFileHandler", "default_log_path", "setup_logging", "start_logging", "stop_logging"]
