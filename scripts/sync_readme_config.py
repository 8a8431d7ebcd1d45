"""Rewrite the README's configuration block from the settings schema (`recouvre config defaults`).

    python scripts/sync_readme_config.py          # rewrite README.md in place
    python scripts/sync_readme_config.py --check  # exit 1 when the README is out of date

`tests/test_settings_schema.py` fails when the block and the schema differ; run this after
adding or changing a setting.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from recouvre_tui.domain.config import Settings
from recouvre_tui.settings import render_toml

README = Path(__file__).resolve().parent.parent / "README.md"


def synced(text: str) -> str:
    start = text.index("## Configuration")
    match = re.compile(r"```toml\n(.*?)```", re.S).search(text, start)
    if match is None:
        raise SystemExit("README.md: no ```toml block under « ## Configuration »")
    return text[: match.start(1)] + render_toml(Settings()) + text[match.end(1) :]


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = synced(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print("README.md: configuration block out of date (run scripts/sync_readme_config.py)")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
