"""The demo package's output is pinned: digests of every generated table for two fixed seeds,
computed from the single-module `demo.py` before it was split into the `demo/` package. A
change to the order of the random draws, or to any generated value, changes a digest (Faker is
pinned in pyproject.toml, so its data does not move under us)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from recouvre_tui.demo import DEFAULT_SEED, KINDS, generate_demo

TODAY = date(2026, 11, 23)
EXPECTED = {
    (DEFAULT_SEED, 300): {
        "debtors": (300, "916fa521a988aa2a1062f7065be39b14737b6382b017b69f47a36547b953b5a6"),
        "invoices": (1192, "63335cbe328d1b7ebf6fd045f3c128a902969b1b553b0f39d15d5da81ab64c68"),
        "payments": (682, "89979cfefc3d80aeaebf97677f860e7452b076071fbe6e42039aa443c61a8cdd"),
        "events": (914, "2f2d2c9adf27e57965d2b48c72df2f425320de9d9ed573bca61bbe2e442a1670"),
        "promises": (196, "cbf614194ba1de38f4700f5988eb369a4e420295671adcf2e111e250bd469b6b"),
    },
    (7, 150): {
        "debtors": (150, "b1a129999566b485a47bf3dce95a172e343263f1cd003fa8aa68defec90ad71f"),
        "invoices": (529, "0e491b970f452ad82ee5e0253f419aa3e3ef9ac256b062a8fe9a5d090f5fdaec"),
        "payments": (288, "248f9a89f0e7c1db7d09cc5e4a404e0d9da7c39064fa44fca89d9578c67a3e2d"),
        "events": (496, "954e991a7fe19c2418c3467fdc8b6a6db6c066334f05ff60d4c4650aece780b8"),
        "promises": (99, "feee29858a3c2e40ad740d0d8d4df3b14cc472409ce2e14a208c74a853d821f6"),
    },
}


def digest(rows: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize(("seed", "debtors"), list(EXPECTED))
def test_the_seeded_demo_is_the_one_pinned(seed: int, debtors: int) -> None:
    data = generate_demo(TODAY, seed=seed, debtors=debtors)
    got = {kind: (len(data.rows(kind)), digest(data.rows(kind))) for kind in KINDS}
    assert got == EXPECTED[seed, debtors]
