"""Write to the terminal only when what it shows changes.

An update repaints (with `layout`, the whole screen: ≈ 20 KB), and another session's commit
reloads every open screen. A session that repainted on each reload or clock tick would never
be silent, so sshd's `ClientAliveInterval` would never probe a frozen client.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static


def update_static(static: Static, content: Any, *, layout: bool = True) -> bool:
    """`static.update(content)` unless it already shows `content`; True when it updated."""
    if static.content == content:
        return False
    static.update(content, layout=layout)
    return True
