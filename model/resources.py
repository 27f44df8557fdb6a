"""What a run will need before it starts: people, ties, rounds and bytes, refused when beyond the machine.

Why: a scenario with ``n = 2**31``, a mean degree of a million or ``steps = 10**12`` used to grow
until the machine gave out (or hang with no output). ``estimate`` sizes a run from its scenario
alone, without building anything; ``check`` refuses it with one line (``ResourceError``, a
``ValueError``) when the bytes exceed the memory this process may use: the machine's available
memory, the address-space limit (``ulimit -v``), or ``WELLSPREAD_MAX_MEMORY`` (the CLI's
``--max-memory``), whichever is least.

The byte figures are per-item costs measured on CPython 3.12 with networkx 3 (a ``networkx.Graph``
holds about 600 B a person and 150 B a tie; the CSR arrays about 200 B a person and 100 B a tie;
each round keeps about 100 B per behaviour and group). They are upper-end estimates to stop
impossible runs early, not a memory profile.
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Estimate", "ResourceError", "estimate", "check", "memory_limit", "parse_bytes", "MEMORY_ENV"]

#: the environment variable (set by ``--max-memory``) that caps the memory a run may plan to use
MEMORY_ENV = "WELLSPREAD_MAX_MEMORY"

NX_PERSON, NX_TIE = 600, 150  # bytes in a networkx.Graph
CSR_PERSON, CSR_TIE = 200, 100  # bytes in networks.CSR (positions, indptr, indices, degrees)
STATE_PERSON = 64  # per person and behaviour: adoption, thresholds, stamps
AGENT = 1200  # a Mesa Person agent and its cell
ROUND_CELL = 100  # per round, behaviour and group: compiled record, counts, fractions, history, table
BASE = 64 * 1024**2  # the rest of a run (tables, imports already paid for)
#: rounds are stamped in int32 (Population.marks): a run ends before 2**31 rounds
MAX_ROUNDS = 2**31 - 2
#: below this a run is never checked against the machine (the check itself costs a /proc read)
SMALL = 256 * 1024**2
#: text bytes per tie of the smallest edge-list line ("1 2\n"), XML formats need far more
FILE_BYTES_PER_TIE = {"edgelist": 4, "csv": 4, "pajek": 4, "gml": 30, "graphml": 40, "gexf": 40}


class ResourceError(ValueError):
    """A run or sweep would need more memory than it may use; the message says how much and why."""


@dataclass(frozen=True)
class Estimate:
    """Sizes of one run (people, ties, rounds, behaviours, groups) and the bytes they take."""

    people: int
    ties: int
    rounds: int
    behaviours: int = 1
    groups: int = 1
    networkx: bool = True
    agents: bool = False

    @property
    def network_bytes(self) -> int:
        nx_bytes = (NX_PERSON * self.people + NX_TIE * self.ties) if self.networkx else 0
        return nx_bytes + CSR_PERSON * self.people + CSR_TIE * self.ties

    @property
    def state_bytes(self) -> int:
        return self.people * (STATE_PERSON * self.behaviours + (AGENT if self.agents else 0))

    @property
    def rounds_bytes(self) -> int:
        return (self.rounds + 1) * self.behaviours * self.groups * ROUND_CELL

    @property
    def bytes(self) -> int:
        return BASE + self.network_bytes + self.state_bytes + self.rounds_bytes

    @property
    def field(self) -> str:
        """The scenario field behind most of the bytes."""
        parts = {"network": self.network_bytes, "network.n": self.state_bytes, "steps": self.rounds_bytes}
        return max(parts, key=parts.get)

    def describe(self) -> str:
        return (
            f"about {human(self.bytes)} ({self.people:,} people, {self.ties:,} ties, {self.rounds:,} rounds x "
            f"{self.behaviours} behaviour{'s' if self.behaviours != 1 else ''})"
        )


def human(n: float) -> str:
    """Bytes for people: ``human(3 * 2**30) == '3.0 GB'``."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EB"  # pragma: no cover


def parse_bytes(text) -> int:
    """``"8GB"``, ``"512 MB"``, ``"1.5g"`` or a number of bytes as an int; ValueError otherwise.

    Examples
    --------
    >>> parse_bytes("8GB"), parse_bytes("512m"), parse_bytes(1000)
    (8589934592, 536870912, 1000)
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value, unit = float(text), ""
    else:
        s = str(text).strip().lower().replace(" ", "").removesuffix("b").removesuffix("i")
        unit = s[-1] if s and s[-1] in "kmgtp" else ""
        try:
            value = float(s[: len(s) - len(unit)])
        except ValueError:
            raise ValueError(f"memory size {text!r}: use a number with a unit, e.g. 8GB or 512MB") from None
    scale = 1024 ** ("kmgtp".index(unit) + 1) if unit else 1
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"memory size {text!r} must be a positive number")
    return int(value * scale)


def memory_limit() -> tuple[int, str]:
    """The bytes a run may plan to use, and where that limit comes from."""
    limits = []
    if os.environ.get(MEMORY_ENV):
        limits.append((parse_bytes(os.environ[MEMORY_ENV]), f"--max-memory ({MEMORY_ENV})"))
    try:
        import psutil

        limits.append((int(psutil.virtual_memory().available), "the machine's available memory"))
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            used = psutil.Process().memory_info().vms
            limits.append((max(0, soft - used), "the address-space limit (ulimit -v) left"))
    except Exception:  # noqa: BLE001 - no psutil or no /proc: fall back to the physical memory
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        limits.append((pages * size, "the machine's memory"))
    return min(limits)


def _param(spec, name, default):
    value = spec.params.get(name, default)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else default


def network_size(spec, base_dir: Path | None = None) -> tuple[int, int]:
    """(people, ties) a ``NetworkSpec`` will build, from its parameters or its file's size."""
    n = int(spec.n or 0)
    kind = spec.kind
    if kind == "file":
        from networks.io import FILE_LIMIT_ENV, unpack_limit

        path = Path(spec.path)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            size = path.stat().st_size if path.is_file() else 0
        except OSError:
            size = 0
        from networks.io import FORMATS

        compressed = path.suffix.lower() in (".gz", ".bz2")
        if compressed:
            size = unpack_limit() if os.environ.get(FILE_LIMIT_ENV) else min(unpack_limit(), 20 * size)
        fmt = FORMATS.get((path.with_suffix("") if compressed else path).suffix.lower(), "edgelist")
        ties = size // FILE_BYTES_PER_TIE.get(fmt, 4) // 3  # typical lines are three times the shortest
        return max(1, ties // 4), ties
    if kind == "dataset":
        return 0, 0
    mean = {
        "erdos_renyi": _param(spec, "mean_degree", 4.0),
        "stochastic_block": _param(spec, "mean_degree", 6.0),
        "watts_strogatz": _param(spec, "k", 4),
        "ring_lattice": _param(spec, "k", 4),
        "barabasi_albert": 2 * _param(spec, "m", 3),
        "powerlaw_cluster": 2 * _param(spec, "m", 3),
        "configuration": 2 * _param(spec, "min_degree", 2),
        "grid_2d": 8 if spec.params.get("moore") else 4,
        "town": 12,
    }.get(kind, 10)
    return n, int(n * max(float(mean), 0.0) / 2)


def added_ties(scenario, people: int) -> int:
    """Ties ``bring_together`` interventions may add over the run (at most, if none fade)."""
    total = 0
    room = people * (people - 1) // 2
    for iv in scenario.interventions:
        if iv.kind == "bring_together":
            end = scenario.steps if iv.end is None else min(iv.end, scenario.steps)
            events = max(0, end - iv.start) // max(1, getattr(iv, "every", 1)) + 1
            total += events * min(iv.ties, room)
    return min(total, room)


def estimate(scenario, graph=None, *, agents: bool = False, base_dir: Path | None = None, ties_only: bool = False) -> Estimate:
    """The sizes of one run of ``scenario`` (on ``graph`` when it is already built; ``ties_only``: an
    edge-list file is to be read straight into arrays, see ``NetworkSpec.build``).

    Examples
    --------
    >>> from model import Scenario
    >>> sc = Scenario(network={"kind": "erdos_renyi", "n": 1000, "mean_degree": 4},
    ...               behaviours=[{"name": "a", "rule": "sis"}], steps=50)
    >>> e = estimate(sc)
    >>> e.people, e.ties, e.rounds
    (1000, 2000, 50)
    """
    if graph is None:
        people, ties = network_size(scenario.network, base_dir)
        networkx = not (scenario.network.arrays or (ties_only and scenario.network.reads_into_arrays))
    else:
        people = graph.n if hasattr(graph, "indptr") else len(graph)
        ties, networkx = 0, False  # already in memory
    groups = 5 if scenario.groups is None else 5 * max(1, len(scenario.groups))  # deprivation quintiles, or a guess
    return Estimate(
        people=people,
        ties=ties + added_ties(scenario, people),
        rounds=scenario.steps,
        behaviours=len(scenario.behaviours),
        groups=groups,
        networkx=networkx,
        agents=agents,
    )


def check(scenario, graph=None, *, agents: bool = False, base_dir: Path | None = None, ties_only: bool = False) -> Estimate:
    """``estimate`` the run and raise ``ResourceError`` if it cannot fit; returns the estimate."""
    e = estimate(scenario, graph, agents=agents, base_dir=base_dir, ties_only=ties_only)
    if e.rounds > MAX_ROUNDS:
        raise ResourceError(f"steps: {e.rounds:,} rounds; a run has at most {MAX_ROUNDS:,}")
    if e.bytes > SMALL or os.environ.get(MEMORY_ENV):
        limit, why = memory_limit()
        if e.bytes > limit:
            raise ResourceError(f"{e.field}: the run needs {e.describe()}, more than {human(limit)} may hold ({why})")
    return e
