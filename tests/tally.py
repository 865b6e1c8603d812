"""Cases tried, per test (and database), counted by the hardening tests and printed at the
end of the run by the root conftest (which also gathers the counts of parallel workers)."""

from __future__ import annotations

from collections import Counter

TALLY: Counter[str] = Counter()


def tried(label: str, n: int = 1) -> None:
    TALLY[label] += n
