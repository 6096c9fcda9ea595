"""SERVQUAL arithmetic (pure; no Django): perception − expectation with a t-based 95 % interval.

satisfaction.expectation_gap: satisfaction is perception compared with expectation, so every
figure here is a difference P − E; below zero the service fell short of what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import t as student_t


@dataclass(frozen=True)
class Interval:
    n: int
    mean: float
    low: float | None  # None when fewer than two answers: no interval can be given
    high: float | None

    @property
    def significant(self) -> bool:
        """The whole interval lies on one side of zero."""
        return self.low is not None and self.high is not None and (self.high < 0 or self.low > 0)


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Interval | None:
    """The mean of ``values`` and its two-sided t interval (n − 1 degrees of freedom)."""
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n < 2:
        return Interval(n, mean, None, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(student_t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(n, mean, mean - half, mean + half)


def gaps(pairs: Sequence[tuple[int, int]]) -> list[float]:
    """P − E for each (expectation, perception) pair."""
    return [float(p - e) for e, p in pairs]


def respondent_means(by_respondent: dict[int, list[tuple[int, int]]]) -> list[float]:
    """Each respondent's mean gap over the items they answered (one value per person, so a
    dimension's interval counts people, not items)."""
    return [sum(gaps(pairs)) / len(pairs) for pairs in by_respondent.values() if pairs]
