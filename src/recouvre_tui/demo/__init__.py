"""Deterministic demo portfolio: debtors, invoices, payments, contact history and promises.

`generate_demo(today)` builds a realistic French collection portfolio, relative to `today`
so the demo always looks current, as the rows of the five CSV import formats of the README
("Import formats"): every value is a string as it would appear in a file (ISO dates, `at` as
`YYYY-MM-DD HH:MM` Paris local time, amounts with a decimal point). Pure data: no database.

Everything random comes from one `random.Random(seed)` and one `Faker("fr_FR")` seeded with
the same seed, so the same `(today, seed, debtors)` always gives the same rows. Faker is the
optional `demo` extra (`pip install 'recouvre-tui[demo]'`): only this package imports it.

Debtors follow behaviour archetypes (see `ARCHETYPES`): responsive payers, forgetful ones
who pay after the first reminder, temporary difficulty (instalment plan), promise-and-pay,
promise-and-break, disputers, silent/worn debtors (many reminders without any response),
bad faith, a payment-path problem, recently overdue debtors who got their first reminders,
and new debtors nobody has contacted yet.

Modules: `catalogue` (the team, archetypes, areas, phone plans, note texts), `model` (the
portfolio's records and `DemoData`), then the builder in layers, each adding one concern:
`base` (the seeded random sources) → `people` (debtors, names, phones, SIREN) and `ledger`
(invoices, credit notes, payments) → `contacts` (contact times and events) → `promises`
→ `stories` (one method per archetype) → `portfolio` (`DemoBuilder`: runs the stories and
numbers the rows; `generate_demo`). `csv_files` writes the rows as import files. The order
of the random draws is the output: moving code between layers is free, reordering calls is not
(tests/test_demo_golden.py).
"""

from __future__ import annotations

from .catalogue import AGENTS, ARCHETYPES, COLUMNS, DEFAULT_SEED, DEMO_AGENT, KINDS, LEAD_LOGIN
from .csv_files import write_csv_files
from .model import DemoData, siren_is_valid
from .portfolio import generate_demo

__all__ = [
    "AGENTS",
    "ARCHETYPES",
    "COLUMNS",
    "DEFAULT_SEED",
    "DEMO_AGENT",
    "KINDS",
    "LEAD_LOGIN",
    "DemoData",
    "generate_demo",
    "siren_is_valid",
    "write_csv_files",
]
