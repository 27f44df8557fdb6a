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

# colour-blind-safe (Okabe & Ito 2008), as experiments.palette
BEHAVIOUR_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255"]
# deprivation quintile 1 (most deprived) .. 5: Paul Tol's sunset-like diverging ramp (colour-blind safe),
# deprived in red; each line also carries its own marker
GROUP_COLOURS = ["#A50026", "#F67E4B", "#A0A0A0", "#6EA6CD", "#364B9A", "#117733", "#882255", "#999933"]
LINE_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


class LiveChart:
    """A line chart of shares (0..1) against rounds that redraws only its curves.

    Args:
        labels: one curve per label, in this order.
        colours: one colour per label.
        title: chart title.
        legend_title: optional title over the legend.
    """

    def __init__(self, labels: list[str], colours: list[str], title: str, legend_title: str | None = None,
                 size: tuple[float, float] = (4.9, 2.7), dpi: int = 90, weeks_per_round: float = 1.0):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator, PercentFormatter

        self.labels = list(labels)
        self.fig = Figure(figsize=size, dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = ax = self.fig.subplots()
        self.colours = list(colours)
        self.weeks = float(weeks_per_round)
        self.lines = [ax.plot([], [], color=c, lw=2.0, label=lab, marker=LINE_MARKERS[i % len(LINE_MARKERS)],
                              markevery=0.1, markersize=4)[0]
                      for i, (lab, c) in enumerate(zip(self.labels, colours, strict=True))]
        ax.set_ylim(0, 1.0)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("week" if self.weeks == 1.0 else f"round ({self.weeks:g} weeks each)")
        ax.set_ylabel("share adopting")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        self.legend_title = legend_title
        self.overlays: list = []  # static artists: kept runs and replicate bands
        self._legend()
        for line in self.lines:  # after the legend: its handles copy the lines' properties
            line.set_animated(True)
        self.xmax = 0
        self._background = None
        self._lock = threading.Lock()

    def _legend(self) -> None:
        handles = list(self.lines) + [a for a in self.overlays if a.get_label() and not a.get_label().startswith("_")]
        if len(handles) > 1 or self.legend_title:
            # outside the data, to the right of the axes
            self.ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                           title=self.legend_title, title_fontsize=7, frameon=False, borderaxespad=0)

    def set_overlays(self, overlays: list[dict]) -> None:
        """Static curves under the live ones: ``{"label", "mean", "low"?, "high"?, "colour", "style"}`` each.

        Kept runs are dashed lines; a replicate band is a shaded 95% interval around its mean.
        """
        with self._lock:
            for a in self.overlays:
                a.remove()
            self.overlays = []
            longest = 0
            for o in overlays:
                mean = np.asarray(o["mean"], dtype=float)
                x = np.arange(len(mean)) * self.weeks
                longest = max(longest, len(mean) - 1)
                if o.get("low") is not None:
                    self.overlays.append(self.ax.fill_between(x, o["low"], o["high"], color=o["colour"], alpha=0.18,
                                                              lw=0, label="_band"))
                (line,) = self.ax.plot(x, mean, color=o["colour"], lw=1.3, ls=o.get("style", "--"), label=o["label"])
                self.overlays.append(line)
            self._legend()
            self._background = None
            self._grow(longest)

    def svg(self, series: np.ndarray) -> bytes:
        """The chart with ``series`` as an SVG (for download)."""
        import io

        series = np.asarray(series, dtype=float).reshape(len(self.labels), -1)
        with self._lock:
            x = np.arange(series.shape[1]) * self.weeks
            for line, y in zip(self.lines, series, strict=True):
                line.set_data(x, y)
                line.set_animated(False)
            buf = io.BytesIO()
            try:
                self.fig.savefig(buf, format="svg")
            finally:
                for line in self.lines:
                    line.set_animated(True)
                self._background = None
            return buf.getvalue()

    def _grow(self, rounds: int) -> None:
        xmax = max(self.xmax, 10)
        while xmax < rounds * self.weeks:
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
            x = np.arange(series.shape[1]) * self.weeks
            for line, y in zip(self.lines, series, strict=True):
                line.set_data(x, y)
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
