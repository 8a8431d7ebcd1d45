"""What a click on markup may run, and the App actions no session may run at all.

Textual runs the action named in a `[@click=…]` style on click. Data is always shown as
literal text (`fmt.lit`, `fmt.esc`), and as a second wall only the screen actions our own
markup uses can run from a click: a `[@click=app.screenshot(…)]` that slipped through still
does nothing. App actions that write files or drive the session (`screenshot` writes an SVG
anywhere the service account can write) are refused from every path (bindings, markup,
`run_action`).
"""

from __future__ import annotations

from typing import Any

from textual import actions

# (namespace, action) pairs used by our own `@click` markup (case legend, promises tabs,
# welcome's lead menu).
MARKUP_ACTIONS = frozenset(
    {
        ("screen", "dispo"),
        ("screen", "promise"),
        ("screen", "plan"),
        ("screen", "callback"),
        ("screen", "reason"),
        ("screen", "duplicate"),
        ("screen", "sales_rep"),
        ("screen", "note"),
        ("screen", "tone"),
        ("screen", "section"),
        ("screen", "lead"),
    }
)

# Textual's App actions an agent never needs: files, simulated keys, arbitrary screens,
# CSS classes, fake notifications.
REFUSED_APP_ACTIONS = frozenset(
    {
        "screenshot",
        "save_screenshot",
        "deliver_screenshot",
        "simulate_key",
        "push_screen",
        "switch_screen",
        "switch_mode",
        "add_class",
        "remove_class",
        "toggle_class",
        "notify",
    }
)


def markup_action_allowed(action: Any) -> bool:
    """Whether a `@click` value (a string or a parsed (name, params) pair) may run."""
    if isinstance(action, str):
        try:
            namespace, name, _params = actions.parse(action)
        except Exception:
            return False
    elif isinstance(action, tuple) and len(action) == 2 and isinstance(action[0], str):
        try:
            namespace, name, _params = actions.parse(action[0])
        except Exception:
            return False
    else:
        return False
    return (namespace, name) in MARKUP_ACTIONS
