"""Adoption by group: everyone, and each value of a node attribute such as the deprivation quintile.

Why here: inequality is an outcome, not an afterthought, so every run reports its adoption per
group. Labels read ``"all"`` and ``"<attribute>=<value>"`` (e.g. ``"deprivation=1"``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

DEFAULT_GROUP_ATTRIBUTES = ("deprivation", "age_band")


class GroupIndex:
    """Integer group codes per person for each reported attribute, and the matching labels."""

    def __init__(self, labels: list[str], codes: np.ndarray, sizes: np.ndarray):
        self.labels = labels  # column g of fractions() is labels[g]
        self._codes = codes  # (attributes, n) codes into the label columns, -1 for missing values
        self.sizes = sizes  # people per label

    @classmethod
    def from_graph(cls, G, csr, attributes: list[str] | None) -> GroupIndex:
        n = csr.n
        if G is None:  # built as arrays: people carry no attributes
            if attributes:
                raise ValueError(f"groups: a network built as arrays carries no attribute {attributes[0]!r}")
            attributes = []
        elif attributes is None:
            first = G.nodes[csr.nodes[0]] if n else {}
            attributes = [a for a in DEFAULT_GROUP_ATTRIBUTES if a in first]
        labels = ["all"]
        codes = np.full((len(attributes), n), -1, dtype=np.int64)
        for a, attribute in enumerate(attributes):
            values = [G.nodes[v].get(attribute) for v in csr.nodes]
            distinct = sorted({v for v in values if v is not None}, key=lambda v: (str(type(v)), v))
            if not distinct:
                raise ValueError(f"groups: no person carries the attribute {attribute!r}")
            start = len(labels)
            index = {v: start + i for i, v in enumerate(distinct)}
            labels += [f"{attribute}={v}" for v in distinct]
            codes[a] = [index.get(v, -1) for v in values]
        sizes = np.zeros(len(labels), dtype=np.int64)
        sizes[0] = n
        for row in codes:
            sizes += np.bincount(row[row >= 0], minlength=len(labels))
        return cls(labels, codes, sizes)

    @property
    def codes(self) -> np.ndarray:
        """(attributes, n) label column of each person per attribute, -1 where the value is missing."""
        return self._codes

    def counts(self, adopted: np.ndarray) -> np.ndarray:
        """(behaviours, groups) number adopting in each group."""
        if len(self.labels) == 1:  # everyone only: numpy's count is several times faster than the loop
            return adopting_per_row(adopted).astype(np.float64)[:, None]
        return _group_counts(self._codes, adopted, len(self.labels))

    def fractions(self, adopted: np.ndarray) -> np.ndarray:
        """(behaviours, groups) adopting share in each group."""
        return self.counts(adopted) / np.maximum(self.sizes, 1)


def adopting_per_row(adopted: np.ndarray) -> np.ndarray:
    """Number adopting in each row (behaviour) of a (behaviours, people) uint8 array, as int64.

    Row by row: ``count_nonzero`` is ~10x faster than ``sum`` on uint8, but with ``axis=1`` it is
    ~20x slower again.
    """
    return np.array([np.count_nonzero(row) for row in adopted], dtype=np.int64)


@njit(cache=True, inline="always")
def tally(codes, counts, i, delta):
    """Person i starts (delta 1) or stops (delta -1): keep the per-group counts of a run up to date.

    The compiled run loops call this on every change instead of recounting the population each
    round, so recording adoption by group costs work proportional to what changes.
    """
    counts[0] += delta
    for a in range(codes.shape[0]):
        g = codes[a, i]
        if g >= 0:
            counts[g] += delta


@njit(cache=True)
def _group_counts(codes, adopted, groups):
    """Adopters per behaviour and group in one pass over the population (column 0: everyone)."""
    B, n = adopted.shape
    counts = np.zeros((B, groups), dtype=np.float64)
    for b in range(B):
        for i in range(n):
            if adopted[b, i]:
                counts[b, 0] += 1.0
                for a in range(codes.shape[0]):
                    g = codes[a, i]
                    if g >= 0:
                        counts[b, g] += 1.0
    return counts
