"""Typed messages the promises screens' thread workers post back (see `tui.messages`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..backend import PromiseDetail
from .model import PromiseBoard


@dataclass
class PromisesLoaded(Message):
    board: PromiseBoard
    request: int  # sequence number: older answers are ignored


@dataclass
class PromiseDetailLoaded(Message):
    detail: PromiseDetail | None  # None: the promise is no longer visible


@dataclass
class PromiseCancelled(Message):
    ref: str
    debtor_ref: str


@dataclass
class PromiseCancelRefused(Message):
    """The service refused (already cancelled, outside the portfolio…): French message."""

    ref: str
    error: str
