"""Rate tables shipped with the package (each CSV names its source in its header comments).

The ECB main refinancing rate (late-payment penalties, C. com. L441-10) and the French legal
interest rate (contract-rate floor, B2C interest): read once, extended by the configuration's
`[legal] ecb_rates` / `legal_rates` (see `domain.legal.RateTable`).
"""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from importlib import resources

from ..domain.config import LegalRules
from ..domain.legal import LegalRates, RateTable, contract_rate_floor


def _rows(name: str) -> list[list[str]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.reader(lines))[1:]  # the first line left is the header


@cache
def ecb_rates() -> tuple[tuple[date, float], ...]:
    """(effective date, main refinancing rate in % a year), oldest first."""
    return tuple((date.fromisoformat(d), float(r)) for d, r in _rows("ecb_rates.csv"))


@cache
def legal_rates() -> tuple[tuple[date, float, float], ...]:
    """(effective date, rate for individuals, rate for every other creditor), oldest first."""
    return tuple((date.fromisoformat(d), float(a), float(b)) for d, a, b in _rows("legal_interest_rates.csv"))


def rates_for(legal: LegalRules) -> LegalRates:
    """The shipped tables extended by the configuration, with its contractual rate."""
    return LegalRates(
        ecb=RateTable.merged(ecb_rates(), legal.ecb_rates),
        legal_individuals=RateTable.merged(
            ((d, a) for d, a, _ in legal_rates()), ((d, a) for d, a, _ in legal.legal_rates)
        ),
        legal_professionals=RateTable.merged(
            ((d, b) for d, _, b in legal_rates()), ((d, b) for d, _, b in legal.legal_rates)
        ),
        contract_rate=legal.contract_penalty_rate,
        b2c_legal_interest=legal.b2c_legal_interest,
    )


def legal_problems(legal: LegalRules) -> list[tuple[str, str]]:
    """(key, problem in French): a contractual rate below 3 × the latest legal rate known
    (professionals) is refused (C. com. L441-10 II)."""
    if legal.contract_penalty_rate is None:
        return []
    table = rates_for(legal).legal_professionals
    since, _ = table.latest
    floor = contract_rate_floor(table, since)
    if legal.contract_penalty_rate < floor:
        return [
            (
                "legal.contract_penalty_rate",
                f"{_pct(legal.contract_penalty_rate)} % est inférieur au plancher légal de {_pct(floor)} % "
                f"(3 fois le taux de l'intérêt légal de {_pct(table.rate_on(since))} % en vigueur depuis le "
                f"{since:%d/%m/%Y}, C. com. L441-10)",
            )
        ]
    return []


def _pct(rate: float) -> str:
    return f"{rate:g}".replace(".", ",")
