"""`python -m recouvre_tui.cli` runs the `recouvre` command."""

from recouvre_tui.cli import main

main()
