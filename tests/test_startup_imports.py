"""Start-up over SSH (issue 17, item 12): what a session's first screen does not need is not
imported before it paints. Speed itself is measured by scripts/measure_sessions.py; this test
pins the cause, so a top-level import added later fails here instead of slowing every login."""

from __future__ import annotations

import subprocess
import sys

FIRST_SCREEN = "import recouvre_tui.cli, recouvre_tui.tui.app, recouvre_tui.tui.welcome.screen"
NOT_AT_START = [
    "holidays",
    "phonenumbers",
    "faker",
    "recouvre_tui.services.lead",
    "recouvre_tui.services.search",
    "recouvre_tui.services.outcome",
    "recouvre_tui.services.script_guide",
    "recouvre_tui.domain.call_scripts",
    "recouvre_tui.store.wear",
    "recouvre_tui.importers.reader",
    "recouvre_tui.tui.case.screen",
    "recouvre_tui.tui.lead",
]


def test_the_first_screen_imports_none_of_the_later_ones() -> None:
    code = f"{FIRST_SCREEN}\nimport sys\nprint('\\n'.join(m for m in {NOT_AT_START!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == []


def test_they_still_load_on_first_use() -> None:
    code = (
        f"{FIRST_SCREEN}\nimport sys\nfrom recouvre_tui.tui import backend\n"
        "backend.lead_service.check_lead\nprint('recouvre_tui.services.lead' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
