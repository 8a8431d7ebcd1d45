#!/usr/bin/env python3
"""The nightly job from a source checkout: the same program as the installed
`recouvre-nightly` command (src/recouvre_tui/nightly.py, where its options are documented).

    python scripts/nightly.py --drop /srv/recouvre/drop [--db PATH|URL] [--log FILE] [--now ISO]
"""

import sys

from recouvre_tui.nightly import main

if __name__ == "__main__":
    sys.exit(main())
