"""Rewrite the list of binding ids in docs/screens.md from the TUI's `BINDINGS`.

    python scripts/sync_keymap_doc.py          # rewrite docs/screens.md in place
    python scripts/sync_keymap_doc.py --check  # exit 1 when the list is out of date

`tests/tui/test_keymap.py` fails when the list and the code differ; run this after adding or
changing a binding.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from recouvre_tui.tui.keymap import markdown_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "screens.md"
BLOCK = re.compile(r"(<!-- keymap:start -->\n)(.*?)(<!-- keymap:end -->)", re.S)


def synced(text: str) -> str:
    if BLOCK.search(text) is None:
        raise SystemExit("docs/screens.md: no <!-- keymap:start --> … <!-- keymap:end --> block")
    return BLOCK.sub(lambda m: m.group(1) + markdown_table() + m.group(3), text, count=1)


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = synced(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print("docs/screens.md: binding ids out of date (run scripts/sync_keymap_doc.py)")
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
