"""The builder's seeded random sources (`random.Random` and `Faker`, same seed) and the
draw helpers every layer uses."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import count

from faker import Faker

from recouvre_tui.domain.config import PromiseRules


class BuilderBase:
    """Seeded randomness and the demo's time frame (12 weeks of history ending yesterday)."""

    def __init__(self, today: date, seed: int, debtors: int) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.n = debtors
        self.w0 = today - timedelta(days=84)  # 12 weeks of contact history
        self.last = today - timedelta(days=1)  # nothing happens on `today` itself
        self.keys = count()
        self.promise_rules = PromiseRules()
        self.invalid_phones: set[str] = set()

    def rint(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: Sequence[tuple[str, float]]) -> str:
        values = [v for v, _ in weighted]
        weights = [w for _, w in weighted]
        return self.rng.choices(values, weights)[0]

    def days(self, n: int) -> timedelta:
        return timedelta(days=n)

    def spread(self, start: date, end: date, n: int) -> list[date]:
        """Up to n increasing distinct days in [start, end], evenly spread with jitter."""
        span = (end - start).days + 1
        if span <= 0 or n <= 0:
            return []
        n = min(n, span)
        step = span / n
        out = []
        for i in range(n):
            lo = math.floor(i * step)
            hi = max(lo, math.floor((i + 1) * step) - 1)
            out.append(start + self.days(self.rint(lo, hi)))
        return out
