"""Verdicts as ratios (issue 18, item 1): a page is judged against a base measured in the same run on the same
machine — its floor (the same rows by bare SQL through a minimal template, bench/floor.py), the fixed
reference page, or the bare dump of the export's rows — never against absolute milliseconds."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """``median ≤ factor × base + plus_ms``; ``base`` names what the page is compared with."""
    base: str  # "floor", "reference" or "dump"
    factor: float
    plus_ms: float = 0.0

    def limit(self, base_ms: float) -> float:
        return self.factor * base_ms + self.plus_ms

    def text(self) -> str:
        plus = f" + {self.plus_ms:g} ms" if self.plus_ms else ""
        return f"≤ {self.factor:g}× {self.base}{plus}"


#: Targets of issue 18: list, details and edit pages against their floor; the home pages (and the other pages
#: without an SQL equivalent) against the reference page; the full export against the bare dump.
FLOOR = Rule("floor", 3, 5)
REFERENCE = Rule("reference", 4)
DUMP = Rule("dump", 2.5)


def ratio(median_ms: float, base_ms: float | None) -> float:
    """The page's time over its base's (nan when there is no base to compare with)."""
    if base_ms is None or not base_ms > 0 or math.isnan(median_ms):
        return math.nan
    return median_ms / base_ms


def judge(median_ms: float, base_ms: float | None, rule: Rule | None) -> bool | None:
    """True/False against the rule, None (information only) without a rule or a measured base."""
    if rule is None or base_ms is None or math.isnan(base_ms) or math.isnan(median_ms):
        return None
    return median_ms <= rule.limit(base_ms)


def p95_ok(median_ms: float, p95_ms: float, base_spread: float | None = None) -> bool:
    """Issue 6's steadiness rule, a ratio too: the 95th percentile at most twice the median — or, on a machine
    that is itself unsteady, no more spread than the page's base measured in the same moments (``base_spread``:
    the base's p95 over its median; each request of the page is followed by one of its base, so a busy machine's
    pauses fall on both alike)."""
    return p95_ms <= max(2.0, base_spread or 0.0) * median_ms
