"""Share a number of seeds among groups in proportion to weight x size (largest-remainder method).

Hamilton's largest-remainder apportionment: each group first gets the whole part of its quota, then the
seats left go one at a time to the group furthest below its quota (ties at random), never more than a
group's size. Used by ``community``, ``group`` and ``organisation``.
"""

from __future__ import annotations

import heapq

import numpy as np


def allocate(count: int, sizes, weights, rng) -> np.ndarray:
    """Seeds per group: about count * w_g s_g / sum(w s), capped at s_g; sums to min(count, capacity)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    mass = weights * sizes
    cap = np.where(weights > 0, sizes, 0)
    count = int(min(count, cap.sum()))
    alloc = np.zeros(len(sizes), dtype=np.int64)
    if count == 0:
        return alloc
    quota = count * mass / mass.sum()
    alloc = np.minimum(np.floor(quota).astype(np.int64), cap)
    tiebreak = rng.permutation(len(sizes))
    heap = [(-(quota[g] - alloc[g]), tiebreak[g], g) for g in range(len(sizes)) if alloc[g] < cap[g]]
    heapq.heapify(heap)
    left = count - int(alloc.sum())
    while left > 0:
        _, tb, g = heapq.heappop(heap)
        alloc[g] += 1
        left -= 1
        if alloc[g] < cap[g]:
            heapq.heappush(heap, (-(quota[g] - alloc[g]), tb, g))
    return alloc
