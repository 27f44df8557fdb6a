"""Live adoption charts drawn by blitting: axes, labels and legend once, only the curves per step.

A matplotlib figure redrawn from scratch costs ~50-150 ms (text layout dominates), which alone would
cap a live view at a few steps per second. ``LiveChart`` draws its background once (again only when
the round axis has to grow, doubling each time), then per frame restores it, draws the curves and
encodes a PNG: a few milliseconds. No pyplot: each chart owns its ``Figure``.
"""

from __future__ import annotations

import threading

import numpy as np

from .network_view import encode_png

__all__ = ["LiveChart", "BEHAVIOUR_COLOURS", "GROUP_COLOURS", "group_attribute"]

BEHAVIOUR_COLOURS = ["#1b6ca8", "#d1495b", "#66a182", "#edae49", "#8d6a9f", "#00798c", "#30638e", "#c05746"]
# deprivation quintile 1 (most deprived) .. 5: a diverging ramp, deprived in red
GROUP_COLOURS = ["#b2182b", "#ef8a62", "#a6a6a6", "#67a9cf", "#2166ac", "#1b7837", "#762a83", "#e08214"]


class LiveChart:
    """A line chart of shares (0..1) against rounds that redraws only its curves.

    Args:
        labels: one curve per label, in this order.
        colours: one colour per label.
        title: chart title.
        legend_title: optional title over the legend.
    """

    def __init__(self, labels: list[str], colours: list[str], title: str, legend_title: str | None = None,
                 size: tuple[float, float] = (4.8, 2.9), dpi: int = 90):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator, PercentFormatter

        self.labels = list(labels)
        self.fig = Figure(figsize=size, dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = ax = self.fig.subplots()
        self.lines = [ax.plot([], [], color=c, lw=2.0, label=lab)[0] for lab, c in zip(self.labels, colours, strict=True)]
        ax.set_ylim(0, 1.0)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("round")
        ax.set_ylabel("share adopting")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        if len(self.labels) > 1 or legend_title:
            ax.legend(loc="upper left", fontsize=8, title=legend_title, title_fontsize=8, framealpha=0.85)
        for line in self.lines:  # after the legend: its handles copy the lines' properties
            line.set_animated(True)
        self.xmax = 0
        self._background = None
        self._lock = threading.Lock()

    def _grow(self, rounds: int) -> None:
        xmax = max(self.xmax, 10)
        while xmax < rounds:
            xmax *= 2
        if xmax != self.xmax or self._background is None:
            self.xmax = xmax
            self.ax.set_xlim(0, xmax)
            self.fig.tight_layout()
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def png(self, series: np.ndarray) -> bytes:
        """PNG of the chart with ``series`` (curves x rounds+1) drawn against rounds 0..T."""
        series = np.asarray(series, dtype=float).reshape(len(self.labels), -1)
        rounds = series.shape[1] - 1
        with self._lock:
            self._grow(rounds)
            self.canvas.restore_region(self._background)
            x = np.arange(series.shape[1])
            for line, y in zip(self.lines, series, strict=True):
                line.set_data(x, y)
                if rounds == 0:
                    line.set_marker("o")
                    line.set_markersize(3)
                else:
                    line.set_marker("")
                self.ax.draw_artist(line)
            rgb = np.asarray(self.canvas.buffer_rgba())[:, :, :3]
            return encode_png(rgb)


def group_attribute(labels: list[str]) -> tuple[str | None, list[int]]:
    """The first grouping attribute among group labels ("deprivation=1", ...) and its columns."""
    for label in labels:
        if "=" in label:
            attribute = label.split("=", 1)[0]
            return attribute, [g for g, lab in enumerate(labels) if lab.startswith(attribute + "=")]
    return None, []
