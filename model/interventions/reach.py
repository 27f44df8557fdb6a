"""What interventions do to one round: who they reach, and the summed effects on the population arrays.

Runtime helpers shared by the intervention kinds, ``model.timeline`` and ``model.organisations``;
numpy only, so any module may import them without pulling in the scenario schema.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Effects", "Reached"]


class Effects:
    """What the active interventions do to one round: summed offsets and shifts, the prevalence seen."""

    def __init__(self, behaviours: int, n: int):
        self.offset = np.zeros((behaviours, n))
        self.shift = np.zeros((behaviours, n))
        self.visible = np.zeros((behaviours, n))

    def lift(self, behaviours: list[int], reached: Reached, effect: float, shift: float) -> None:
        """Add ``effect`` (log-odds) and ``shift`` (thresholds) for the people reached, in these behaviours."""
        for b in behaviours:
            if effect:
                self.offset[b] += effect * reached.weight  # dense: cheaper than scattered adds
            if shift:
                self.shift[b] += shift * reached.weight


class Reached:
    """People an intervention reaches: positions, and the same as a dense 0/1 weight per person."""

    def __init__(self, positions: np.ndarray, n: int):
        self.positions = np.sort(np.asarray(positions, dtype=np.int64))
        self.weight = np.zeros(n)
        self.weight[self.positions] = 1.0

    def __len__(self) -> int:
        return len(self.positions)
