"""Retrieval and latency arithmetic for the benchmark, kept pure so it can be unit-tested."""

from __future__ import annotations

import math
from collections.abc import Sequence


def first_rank(ranked: Sequence[str], target: str) -> int | None:
    """1-based rank of the first result from ``target`` (a source file), or None."""
    for rank, source in enumerate(ranked, start=1):
        if source == target:
            return rank
    return None


def recall_at_k(rankings: Sequence[Sequence[str]], targets: Sequence[str], k: int) -> float:
    """Share of queries whose right document appears among the first k passages."""
    if len(rankings) != len(targets):
        raise ValueError("one ranking per target")
    if not targets:
        return 0.0
    hits = sum(1 for r, t in zip(rankings, targets, strict=True) if t in list(r)[:k])
    return hits / len(targets)


def mrr_at_k(rankings: Sequence[Sequence[str]], targets: Sequence[str], k: int = 10) -> float:
    """Mean reciprocal rank of the right document, counting only the first k passages."""
    if len(rankings) != len(targets):
        raise ValueError("one ranking per target")
    if not targets:
        return 0.0
    total = 0.0
    for ranked, target in zip(rankings, targets, strict=True):
        rank = first_rank(list(ranked)[:k], target)
        total += 1.0 / rank if rank else 0.0
    return total / len(targets)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation, as numpy's default does."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean in milliseconds, and how many samples they rest on."""
    return {
        "n": float(len(seconds)),
        "p50_ms": percentile(seconds, 50) * 1000,
        "p95_ms": percentile(seconds, 95) * 1000,
        "mean_ms": (sum(seconds) / len(seconds) * 1000) if seconds else math.nan,
    }
