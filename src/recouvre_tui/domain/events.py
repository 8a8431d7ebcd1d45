"""Classify contact events as reminders, responses or neither (docs/rules.md, "Reminder / response")."""

from __future__ import annotations

from enum import StrEnum

from .codes import (
    BAD_NUMBER_DISPOSITIONS,
    FORMAL_NOTICE_OUTCOME,
    NO_CONTACT_DISPOSITIONS,
    RPC_DISPOSITIONS,
    Channel,
    Direction,
)


class EventKind(StrEnum):
    REMINDER = "reminder"
    RESPONSE = "response"
    NEUTRAL = "neutral"  # bad-number calls, and anything that is neither


def classify(channel: str, direction: str, outcome: str | None) -> EventKind:
    """A reminder is an outbound attempt without right-party contact (call not RPC, or a
    letter/email/SMS); a response is any inbound event or an RPC call. Wrong/invalid-number
    calls are neither: they signal bad data.

    Payments and recorded promises are responses too; they live in their own tables and
    are turned into response events by the caller.
    """
    if direction == Direction.IN:
        return EventKind.RESPONSE
    if channel == Channel.CALL:
        if outcome in BAD_NUMBER_DISPOSITIONS:
            return EventKind.NEUTRAL
        if outcome in RPC_DISPOSITIONS:
            return EventKind.RESPONSE
        # Unknown/empty outcome of an outbound call: an attempt without contact.
        return EventKind.REMINDER
    return EventKind.REMINDER


def is_rpc(channel: str, direction: str, outcome: str | None) -> bool:
    return channel == Channel.CALL and direction == Direction.OUT and outcome in RPC_DISPOSITIONS


def is_call_attempt(channel: str, direction: str) -> bool:
    return channel == Channel.CALL and direction == Direction.OUT


def is_formal_notice(channel: str, direction: str, outcome: str | None) -> bool:
    return channel == Channel.LETTER and direction == Direction.OUT and outcome == FORMAL_NOTICE_OUTCOME


__all__ = [
    "NO_CONTACT_DISPOSITIONS",
    "EventKind",
    "classify",
    "is_call_attempt",
    "is_formal_notice",
    "is_rpc",
]
