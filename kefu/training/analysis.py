"""Classical item analysis (pure): difficulty and discrimination of each exam question.

``difficulty`` is the share of sittings that got the item right (p; high = easy).
``discrimination`` is the point-biserial correlation between getting the item right and the
sitting's total score; ``upper_lower`` is the share right among the top 27 % of sittings minus
the share among the bottom 27 % (Kelley), given when at least 8 sittings saw the item.
An item with discrimination below 0.2 does not separate strong trainees from weak ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

MIN_FOR_UPPER_LOWER = 8
WEAK = 0.2


@dataclass(frozen=True)
class ItemStats:
    item_id: str
    n: int
    difficulty: float
    discrimination: float | None
    upper_lower: float | None

    @property
    def weak(self) -> bool:
        return self.discrimination is not None and self.discrimination < WEAK


def analyse(rows: Iterable[tuple[str, bool, float]]) -> list[ItemStats]:
    """``rows``: (item id, answered right, the sitting's total score) per answered item."""
    by_item: dict[str, list[tuple[bool, float]]] = {}
    for item_id, right, total in rows:
        by_item.setdefault(item_id, []).append((bool(right), float(total)))
    out = []
    for item_id, obs in by_item.items():
        n = len(obs)
        p = sum(1 for r, _ in obs if r) / n
        out.append(ItemStats(item_id, n, round(p, 3), _point_biserial(obs), _upper_lower(obs)))
    return sorted(out, key=lambda s: s.item_id)


def _point_biserial(obs: list[tuple[bool, float]]) -> float | None:
    n = len(obs)
    right = [t for r, t in obs if r]
    wrong = [t for r, t in obs if not r]
    if n < 2 or not right or not wrong:
        return None
    mean = sum(t for _, t in obs) / n
    sd = math.sqrt(sum((t - mean) ** 2 for _, t in obs) / n)
    if sd == 0:
        return None
    p = len(right) / n
    r = (sum(right) / len(right) - sum(wrong) / len(wrong)) / sd * math.sqrt(p * (1 - p))
    return round(r, 3)


def _upper_lower(obs: list[tuple[bool, float]]) -> float | None:
    n = len(obs)
    if n < MIN_FOR_UPPER_LOWER:
        return None
    k = max(1, round(n * 0.27))
    ranked = sorted(obs, key=lambda o: o[1])
    lower, upper = ranked[:k], ranked[-k:]
    return round(sum(r for r, _ in upper) / k - sum(r for r, _ in lower) / k, 3)
