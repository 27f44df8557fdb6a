"""One colour and one marker per targeting strategy, the same in every chart of the app and the CLI.

The colours come from two palettes designed to stay distinct under the common colour-vision
deficiencies: Okabe & Ito's eight (2008) and Paul Tol's "muted" scheme (2021). Colour is never the only
cue: each strategy also has its own marker, so a legend still reads in grey or for red-green colour
blindness. ``random`` (the baseline every strategy is measured against) is black.

Names that are not strategies (scenario labels such as "A" and "B", values of a swept parameter) get
colours from :data:`SEQUENCE` in order of appearance via :func:`styles`, and a stable colour by name
via :func:`style` otherwise.

References
----------
M. Okabe and K. Ito (2008), Color Universal Design (CUD): how to make figures and presentations that
are friendly to colorblind people. https://jfly.uni-koeln.de/color/

P. Tol (2021), Colour schemes, SRON/EPS/TN/09-002 issue 3.2. https://personal.sron.nl/~pault/
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

__all__ = ["GLYPHS", "OKABE_ITO", "TOL_MUTED", "SEQUENCE", "MARKERS", "STRATEGY_STYLES", "Style", "style", "styles"]

#: Okabe & Ito (2008): black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple
OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
#: Paul Tol's muted scheme (2021): indigo, cyan, teal, green, olive, sand, rose, wine, purple, pale grey
TOL_MUTED = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499", "#DDDDDD"]
#: the order colours are handed out in (yellow and pale grey last: weak on white)
SEQUENCE = [c for c in OKABE_ITO if c != "#F0E442"] + [c for c in TOL_MUTED if c != "#DDDDDD"] + ["#F0E442", "#DDDDDD"]
#: matplotlib marker codes, one per strategy (the SVG charts draw the same shapes)
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "p", "<", ">", "d", "H", "8", "1", "2", "3"]


#: a text glyph for each marker, for legends and tables written in HTML or the terminal
GLYPHS = {"o": "●", "s": "■", "^": "▲", "D": "◆", "v": "▼", "P": "✚", "X": "✖", "*": "★", "h": "⬢", "p": "⬟",
          "<": "◀", ">": "▶", "d": "⬥", "H": "⬣", "8": "⯃", "1": "⋎", "2": "⋏", "3": "≻"}


class Style(NamedTuple):
    """How one series is drawn: a hex colour and a matplotlib marker code."""

    colour: str
    marker: str

    def mpl(self) -> dict:
        """Keyword arguments for ``Axes.plot``."""
        return {"color": self.colour, "marker": self.marker}

    @property
    def glyph(self) -> str:
        """The marker as a text character (for HTML legends and tables)."""
        return GLYPHS.get(self.marker, "●")


#: every strategy of model.targeting, each with its own colour and marker (fixed, whatever is compared)
STRATEGY_STYLES: dict[str, Style] = {
    "random": Style("#000000", "o"),
    "degree": Style("#0072B2", "s"),
    "degree_discount": Style("#56B4E9", "D"),
    "pagerank": Style("#E69F00", "^"),
    "eigenvector": Style("#D55E00", "v"),
    "betweenness": Style("#009E73", "P"),
    "celf": Style("#CC79A7", "X"),
    "imm": Style("#882255", "*"),
    "ris": Style("#AA4499", "h"),
    "kcore": Style("#332288", "p"),
    "diffusion_centrality": Style("#117733", "<"),
    "community": Style("#44AA99", ">"),
    "dispersed": Style("#999933", "d"),
    "clustered": Style("#88CCEE", "H"),
    "nomination": Style("#CC6677", "8"),
    "organisation": Style("#DDCC77", "1"),
    "group": Style("#F0E442", "2"),
    "given": Style("#7F7F7F", "3"),
}


def style(name: str) -> Style:
    """The style of a strategy; any other name gets a stable style derived from the name.

    Examples
    --------
    >>> style("degree")
    Style(colour='#0072B2', marker='s')
    >>> style("my label") == style("my label")
    True
    """
    key = str(name).split(" ")[0]
    if key in STRATEGY_STYLES:
        return STRATEGY_STYLES[key]
    i = zlib.crc32(str(name).encode()) % len(SEQUENCE)
    return Style(SEQUENCE[i], MARKERS[i % len(MARKERS)])


def styles(names) -> dict[str, Style]:
    """Styles for a list of series: strategies keep theirs; other names take free colours in order.

    Examples
    --------
    >>> s = styles(["A", "B"])
    >>> s["A"] != s["B"]
    True
    """
    names = [str(n) for n in names]
    taken = {STRATEGY_STYLES[n].colour for n in names if n in STRATEGY_STYLES}
    free = [Style(c, m) for c, m in zip(SEQUENCE, MARKERS, strict=False) if c not in taken]
    out, i = {}, 0
    for n in names:
        if n in STRATEGY_STYLES:
            out[n] = STRATEGY_STYLES[n]
        else:
            out[n] = free[i % len(free)]
            i += 1
    return out
