"""Notice when the session's input ends (terminal hung up, stdin closed) without reading it.

Textual's input thread treats an empty read as "nothing yet" and keeps polling, so a session
whose terminal is gone would run on (and keep its case) until a signal arrives. A thread
polls stdin for hang-up or error only (event mask 0: ordinary key presses do not wake it)
and calls back once.
"""

from __future__ import annotations

import select
import sys
import threading
from collections.abc import Callable

ENDED = getattr(select, "POLLHUP", 0) | getattr(select, "POLLERR", 0) | getattr(select, "POLLNVAL", 0)


def watch_end_of_input(on_end: Callable[[], None], fd: int | None = None) -> threading.Thread | None:
    """Start a daemon thread that calls `on_end()` once stdin hangs up; None where poll is missing."""
    if not hasattr(select, "poll"):
        return None
    if fd is None:
        try:
            fd = sys.stdin.fileno()
        except (OSError, ValueError):
            return None

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)
        while True:
            if any(mask & ENDED for _fd, mask in poller.poll()):
                on_end()
                return

    thread = threading.Thread(target=watch, name="end-of-input", daemon=True)
    thread.start()
    return thread
