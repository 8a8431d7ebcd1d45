"""The `recouvre` command. Each command is a thin layer over a service (no SQL here).

Errors go to stderr with a non-zero exit; JSON goes to stdout alone; every command that
depends on the clock takes `--now`.

Layout: `root.py` holds the `main` click group, `common.py` what every command shares (`Ctx`,
`echo`, `fail`, `handle_errors`, `_json`/`_table`/`_csv`, `NOW_OPTION`, `OUTPUT_OPTION`, the
acting-agent look-ups), and each other module one command group. To add a command:

1. write it in the module of its group, or in a new module `cli/<group>.py` that does
   `from .root import main` and decorates with `@main.command()` / `@main.group()`;
2. take `obj: Ctx` via `@click.pass_obj`, wrap it in `@handle_errors`, take `--now` with
   `@NOW_OPTION` if it reads the clock, print only through `echo`/`_json`/`_table`;
3. import services inside the function, not at the top of the module (a session's first paint
   imports this package: tests/test_startup_imports.py);
4. a new module is registered by adding it to the import list below.
"""

from __future__ import annotations

# Importing a command module attaches its commands to `main`.
from . import (  # noqa: F401
    agents,
    config,
    imports,
    lead,
    lead_views,
    legal,
    maintenance,
    promises,
    queue,
    reports,
    scripts,
    session,
    transfer,
)
from .common import Ctx, echo
from .root import main

__all__ = ["Ctx", "echo", "main"]
