"""Latency statistics of the load benchmark: percentiles and per-run summaries."""

from __future__ import annotations

import math
from typing import Dict, Iterable, Optional, Sequence


def percentile(values: Iterable[float], p: float) -> Optional[float]:
    """The p-th percentile (0..100) with linear interpolation between closest ranks.

    Same definition as numpy.percentile's default; None for no values.
    """
    data = sorted(values)
    if not data:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    rank = (len(data) - 1) * p / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(data[low])
    return data[low] + (data[high] - data[low]) * (rank - low)


def latency_summary(latencies_ms: Sequence[float]) -> Dict[str, Optional[float]]:
    def r(x):
        return None if x is None else round(x, 1)

    return {
        "count": len(latencies_ms),
        "p50_ms": r(percentile(latencies_ms, 50)),
        "p95_ms": r(percentile(latencies_ms, 95)),
        "p99_ms": r(percentile(latencies_ms, 99)),
        "max_ms": r(max(latencies_ms)) if latencies_ms else None,
        "mean_ms": r(sum(latencies_ms) / len(latencies_ms)) if latencies_ms else None,
    }
