"""Buttons for the mouse that never take the keyboard focus (keys stay with the screen)."""

from __future__ import annotations

from typing import Literal

from textual.widgets import Button

Variant = Literal["default", "primary", "success", "warning", "error"]


class ActionButton(Button, can_focus=False):
    """A compact button that runs `action` (e.g. ``screen.validate``) when clicked."""

    def __init__(
        self,
        label: str,
        action: str,
        *,
        id: str | None = None,
        variant: Variant = "default",
        classes: str | None = None,
    ) -> None:
        super().__init__(label, variant, id=id, compact=True, action=action, classes=classes)
