"""What a dashboard session holds: the scenario being edited, built networks, and the live model.

Everything here is plain Python plus ``solara.reactive`` values, so the views stay thin and tests can
drive a ``Session`` directly. One ``Session`` per browser tab (``app.Page`` makes it): the scenario
being edited is shared by the Explore and Compare views.

Threads: building a network, laying it out and playing a run happen off the UI thread (Solara's
patched ``threading.Thread`` carries the session's kernel context along, so reactive values set
there update that tab). A ``LiveRun`` serialises every change of its model with one lock; a newer
build makes older ones give up (a generation counter).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import solara
from pydantic import ValidationError

import networks
from model import BehaviourModel, Scenario
from networks.io import TEXT_EXPANSION

from .messages import user_message
from .network_view import Layout, Picture

__all__ = [
    "DEFAULT_SCENARIO", "Session", "LiveRun", "LiveState", "check", "graph_for", "set_path",
    "save_upload", "UPLOAD_LIMIT", "user_message",
]

log = logging.getLogger("wellspread.dashboard")

#: what the Explore view opens with: a synthetic town where whom you recruit decides whether it tips
DEFAULT_SCENARIO: dict = {
    "seed": 1,
    "steps": 100,
    "engine": "numba",
    "network": {"kind": "town", "n": 5000},
    "behaviours": [{"name": "activity", "rule": "threshold", "threshold": {"dist": "normal", "mean": 0.3, "sd": 0.1}}],
    "seeding": {"strategy": "degree", "count": 50},
}

UPLOAD_LIMIT = int(float(os.environ.get("WELLSPREAD_UPLOAD_LIMIT_MB", "50")) * 1024 * 1024)
UPLOAD_DIR = Path(os.environ.get("WELLSPREAD_UPLOADS", Path(tempfile.gettempdir()) / "wellspread-uploads"))
#: memory an uploaded network may take once read (a graph takes about 40 bytes per byte of text)
UPLOAD_MEMORY = int(float(os.environ.get("WELLSPREAD_UPLOAD_MEMORY_MB", "2048")) * 1024 * 1024)


# --------------------------------------------------------------------------- scenarios
def check(draft: dict) -> tuple[Scenario | None, str | None]:
    """The draft as a validated ``Scenario``, or None and a one-line message naming the field.

    Of pydantic's errors the most specific one is shown (the deepest field): for a value that may be
    a number or a distribution, "threshold.mean: less than or equal to 1" beats "not a number".
    """
    scenario, problem = check_fields(draft)
    return scenario, (f"scenario: {'.'.join(map(str, problem[0])) or 'top level'}: {problem[1]}" if problem else None)


def check_fields(draft: dict) -> tuple[Scenario | None, tuple[tuple, str] | None]:
    """The validated ``Scenario``, or None and (path of the wrong field, what is wrong with it).

    Besides the schema, a first-adopter count above the number of people is refused here (the model
    would silently seed everyone).
    """
    try:
        scenario = Scenario.model_validate(draft)
    except ValidationError as exc:
        return None, _most_specific(exc)
    except Exception as exc:  # pragma: no cover - anything the schema did not foresee
        return None, ((), user_message(exc))
    outside = _outside_roots(scenario)
    if outside:
        return None, (("network", "path"), outside)
    n = getattr(scenario.network, "n", None)
    count = scenario.seeding.count
    if scenario.network.kind not in ("file", "dataset") and n and count is not None and count > n:
        return None, (("seeding", "count"), f"{count:,} first adopters is more than the {n:,} people in the network")
    return scenario, None


def network_roots() -> list[Path]:
    """Folders a dashboard scenario may read network files from: uploads, and the data sets' folder."""
    roots = [UPLOAD_DIR]
    try:
        roots.append(networks.datasets.data_dir())
    except networks.NetworkError:
        pass
    return [r.resolve() for r in roots]


def _outside_roots(scenario: Scenario) -> str | None:
    """A page may be driven by whoever reaches it: it names no file outside ``network_roots()``."""
    if scenario.network.kind != "file" or not scenario.network.path:
        return None
    path = Path(scenario.network.path).resolve()
    if any(path.is_relative_to(root) for root in network_roots()):
        return None
    return "the dashboard reads networks from uploads and the data folder only; drop the file on the page"


def _most_specific(exc: ValidationError) -> tuple[tuple, str]:
    from model.scenario import FieldError, _is_union_tag

    errors = exc.errors()
    err = max(errors, key=lambda e: len([p for i, p in enumerate(e["loc"]) if not _is_union_tag(e["loc"], i)]))
    loc = tuple(p for i, p in enumerate(err["loc"]) if not _is_union_tag(err["loc"], i))
    msg = err["msg"].removeprefix("Value error, ")
    found = (err.get("ctx") or {}).get("error")
    if isinstance(found, FieldError):  # found above the field (a number beyond int64, inf): its path is in it
        loc = loc + tuple(int(p) if p.isdigit() else p for p in found.where.split("."))
        msg = found.problem
    return loc, msg


def set_path(data: dict, path: tuple, value, remove: bool = False) -> dict:
    """A copy of ``data`` with ``value`` at ``path`` (keys and list indices); ``remove`` drops the key."""
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    if remove:
        if isinstance(node, dict):
            node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return out


# --------------------------------------------------------------------------- networks

class _Graphs:
    """A small cache of built networks and their layouts, shared by every session (graphs are read-only)."""

    def __init__(self, size: int = 2):
        self.size = size
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(scenario: Scenario) -> str:
        net = scenario.network.model_dump(mode="json")
        extra = ""
        if scenario.network.kind == "file" and scenario.network.path:
            try:
                st = os.stat(scenario.network.path)
                extra = f"{st.st_mtime_ns}:{st.st_size}"
            except OSError:
                extra = "missing"
        # generated networks follow from the scenario's seed (as in BehaviourModel); files and data sets do not
        seed = scenario.seed if scenario.network.kind not in ("file", "dataset") else None
        return json.dumps([net, seed, extra], sort_keys=True)

    def get(self, scenario: Scenario) -> dict | None:
        k = self.key(scenario)
        with self._lock:
            item = self._items.get(k)
            if item is not None:
                self._items.move_to_end(k)
            return item

    def put(self, scenario: Scenario, **values) -> dict:
        k = self.key(scenario)
        with self._lock:
            item = self._items.setdefault(k, {})
            item.update(values)
            self._items.move_to_end(k)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return item

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


GRAPHS = _Graphs()


def graph_for(scenario: Scenario):
    """The network ``wellspread run`` would build for ``scenario`` (cached): replicate 0's graph."""
    item = GRAPHS.get(scenario)
    if item is not None:
        return item["graph"]
    from experiments.replicates import build_graph

    graph = build_graph(scenario)
    if graph is not None:  # None: built as arrays, and each run builds its own
        GRAPHS.put(scenario, graph=graph)
    return graph


# --------------------------------------------------------------------------- uploads
def _safe_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(name)).name).strip("._") or "network.edgelist"
    return base[-120:]


def save_upload(name: str, data: bytes) -> Path:
    """Keep an uploaded file under ``UPLOAD_DIR/<sha256>/<name>`` (same content, same path)."""
    digest = hashlib.sha256(data).hexdigest()[:20]
    folder = UPLOAD_DIR / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _safe_name(name)
    if not path.exists():
        tmp = folder / f".{path.name}.part"
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def read_upload(file_info: dict, limit: int | None = None) -> tuple[Path | None, str]:
    """Check, store and parse an uploaded network file: (path, summary) or (None, error message)."""
    limit = UPLOAD_LIMIT if limit is None else limit
    name = str(file_info.get("name") or "upload")
    size = file_info.get("size")
    mb = limit / 1024 / 1024
    if size is not None and size > limit:
        return None, f"{name}: {size / 1024 / 1024:.1f} MB is over the upload limit of {mb:g} MB"
    data = file_info.get("data")
    if data is None:
        data = file_info["file_obj"].read(limit + 1)
    if len(data) > limit:
        return None, f"{name}: over the upload limit of {mb:g} MB"
    if not data:
        return None, f"{name}: the file is empty"
    path = save_upload(name, data)
    try:
        # the project's reader: every problem is a NetworkError naming it; text (unpacked) bounded by memory
        G = networks.load(path, max_text=UPLOAD_MEMORY // TEXT_EXPANSION)
    except Exception as exc:  # a NetworkError naming the file, or a reader bug, which must not take the page down
        _discard(path)
        return None, user_message(exc, path, shown=name)
    return path, f"{name}: {G.number_of_nodes():,} people, {G.number_of_edges():,} ties"


def _discard(path: Path) -> None:
    try:
        path.unlink()
        path.parent.rmdir()
    except OSError:
        pass


def seed_positions(model) -> np.ndarray:
    """CSR positions of everyone the seeding recruits (all phases), for the picture."""
    plan = getattr(model, "seed_plan", None)
    if plan is not None:
        return np.asarray(plan.positions, dtype=np.int64)
    return model.csr.positions(list(model.seeds))


# --------------------------------------------------------------------------- the live model

class BackgroundThreads:
    """Daemon threads doing a page's slow work (building, playing, sweeping) off the render thread."""

    def __init__(self, name: str):
        self.name = name
        self.threads: list[threading.Thread] = []

    def start(self, target, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True, name=self.name)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def wait(self, timeout: float) -> None:
        """Join them all within ``timeout`` seconds in total (tests, scripts)."""
        deadline = time.monotonic() + timeout
        for t in list(self.threads):
            t.join(max(deadline - time.monotonic(), 0.0))


@dataclasses.dataclass(frozen=True)
class LiveState:
    """What the Explore view shows about its model (a snapshot of ``LiveRun``'s reactive values)."""

    tick: int = 0  # bumped when the model changes in a way the controls show (built, ended)
    status: str = ""  # what a background thread is doing; "" when idle
    error: str | None = None  # why the last build failed
    playing: bool = False


class LiveRun:
    """One ``BehaviourModel`` the page steps, with its network picture.

    Attributes:
        model: the model (None before the first build or after a failed one).
        scenario: the scenario it was built from.
        picture: the ``Picture`` of its network with its seeds.
        status, error, playing, tick, version: reactive values the page shows (see ``state``).
    """

    SPEEDS = {"as fast as possible": 0.0, "10 rounds a second": 0.1, "2 rounds a second": 0.5}
    MAX_FPS = 30.0

    def __init__(self):
        self.model: BehaviourModel | None = None
        self.scenario: Scenario | None = None
        self.picture: Picture | None = None
        self.graph_info: str = ""
        # one reactive value per fact, each set whole (never read-modify-write across threads), and
        # never while holding a lock: setting one renders the page in the setting thread
        self.status = solara.reactive("")
        self.error = solara.reactive(None)
        self.playing = solara.reactive(False)
        self.tick = solara.reactive(0)
        self.delay = solara.reactive(0.0)
        self.version = solara.reactive(0)  # bumped when a build finishes (not every round)
        self._lock = threading.RLock()  # held while the model changes
        self._generation = 0
        self._playing = False
        self.rate = 0.0  # rounds per second over the current play
        self.rounds_shown = 0  # frames pushed to the page (tests and benchmarks read it)
        self._sinks: list = []
        self._sink_lock = threading.Lock()
        self._threads = BackgroundThreads("wellspread-live")
        self._job = None  # the child process choosing first adopters (slow strategies), Stop ends it
        self._building: Scenario | None = None

    @property
    def state(self) -> LiveState:
        """A snapshot of the reactive values (reading it inside a component subscribes to them)."""
        return LiveState(self.tick.value, self.status.value, self.error.value, self.playing.value)

    def _update(self, status=None, error=..., playing=None, tick: bool = False) -> None:
        if status is not None:
            self.status.value = status
        if error is not ...:
            self.error.value = error
        if playing is not None:
            self.playing.value = playing
        if tick:
            self.tick.value = self.tick.value + 1

    @property
    def busy(self) -> bool:
        return bool(self.status.value)

    def _start(self, target, *args) -> threading.Thread:
        return self._threads.start(target, *args)

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for this run's background threads (tests, scripts)."""
        self._threads.wait(timeout)

    # ---- building
    def build(self, scenario: Scenario) -> threading.Thread:
        """Build (or rebuild: Reset) the model for ``scenario`` in the background."""
        self._generation += 1
        self._playing = False
        self._end_job()  # an older build waiting on its seed choice gives up now
        self._building = scenario
        self._update(status="building the network", playing=False, error=None)
        return self._start(self._build, scenario, self._generation)

    @property
    def stoppable(self) -> bool:
        """A slow first-adopter choice is running (in a child process): Stop can end it."""
        job = self._job
        return job is not None and job.alive

    def stop(self) -> None:
        """Stop a build now (the child choosing first adopters ends): the page is idle, no model."""
        if not self.busy and self._job is None:
            return
        self._generation += 1
        self._end_job()
        self.model, self.picture = None, None
        self.scenario = self._building
        self.version.value += 1
        self._update(status="", error="Stopped: choosing the first adopters was cancelled. Reset starts it again.",
                     tick=True)

    def _end_job(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.cancel()
            job.finished.set()

    def _choose_seeds(self, scenario: Scenario, graph, generation: int):
        """Run ``seed_choice.choose_seeds`` in a child process; None when stopped or superseded."""
        from .jobs import JobError, ProcessJob
        from .seed_choice import choose_seeds

        out: dict = {}

        def done(value):
            out["value"] = value
            job.finished.set()

        def failed(message):
            out["error"] = message
            job.finished.set()

        job = ProcessJob(choose_seeds, (scenario, graph, scenario.engine == "python"), on_done=done, on_error=failed)
        job.finished = threading.Event()
        if generation != self._generation:
            return None
        self._job = job
        job.start()
        job.finished.wait()
        if self._job is job:
            self._job = None
        if generation != self._generation or job.cancelled.is_set():
            return None
        if "error" in out:
            raise JobError(out["error"])
        return out["value"]

    def _build(self, scenario: Scenario, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            try:
                item = GRAPHS.get(scenario) or {}
                graph = item.get("graph")
                if graph is None and scenario.network.kind not in ("file", "dataset"):
                    n = scenario.network.n or 0
                    self._update(status=f"building a {scenario.network.kind} network of {n:,} people")
                from .seed_choice import SLOW_STRATEGIES, PlannedModel

                if scenario.seeding.strategy in SLOW_STRATEGIES:
                    # minutes of simulations: in a child process that Stop ends (a thread cannot be killed)
                    fixed = _with_seed(scenario)
                    if generation != self._generation:
                        return
                    self._update(status=f"choosing {scenario.seeding.count or ''} first adopters by "
                                        f"{scenario.seeding.strategy} (simulates spread; Stop ends it)")
                    chosen = self._choose_seeds(fixed, graph, generation)
                    if chosen is None:
                        return
                    plan, built = chosen
                    graph = graph if built is None else built
                    model = PlannedModel(plan, fixed, graph=graph, agents=scenario.engine == "python")
                else:
                    model = BehaviourModel(scenario, graph=graph, agents=scenario.engine == "python")
                layout = item.get("layout")
                if layout is None:
                    if generation != self._generation:
                        return
                    self._update(status="laying out the network")
                    layout = Layout(model.csr)
                    # networks built as arrays have no networkx graph: the model takes the CSR itself
                    GRAPHS.put(scenario, graph=model.graph if model.graph is not None else model.csr, layout=layout)
                picture = Picture(layout, seed_positions(model))
            except Exception as exc:
                from .jobs import JobError

                if not isinstance(exc, (ValueError, KeyError, JobError)):
                    log.exception("building the model failed")
                if generation == self._generation:
                    self.model, self.picture, self.scenario = None, None, scenario
                    self.version.value += 1
                    self._update(status="", error=str(exc) if isinstance(exc, JobError) else user_message(exc),
                                 tick=True)
                return
            if generation != self._generation:
                return
            self.model, self.picture, self.scenario = model, picture, scenario
            self.graph_info = f"{model.csr.n:,} people, {len(model.csr.indices) // 2:,} ties"
        self.version.value += 1  # the page draws the new model (before it is told the build is over)
        self._update(status="", error=None, tick=True)

    # ---- stepping
    def can_step(self) -> bool:
        m = self.model
        return m is not None and not self.busy and m.running and m.population.t < m.spec.steps

    # ---- the page's live pictures: updated in place each round (no re-render of the page)
    def add_sink(self, sink) -> None:
        """Register ``sink(live)``, called after every round to update widgets directly."""
        with self._sink_lock:
            self._sinks.append(sink)

    def remove_sink(self, sink) -> None:
        with self._sink_lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def _refresh(self) -> None:
        with self._sink_lock:
            sinks = list(self._sinks)
        for sink in sinks:
            try:
                sink(self)
            except Exception:  # pragma: no cover - a closed widget must not stop the run
                log.exception("updating the live view failed")
        self.rounds_shown += 1

    def step(self) -> None:
        """One round, now (the UI thread): the Step button."""
        if not self.can_step() or self._playing:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self.model.step()
        finally:
            self._lock.release()
        self._refresh()
        if not self.can_step():
            self._update(tick=True)  # the run ended: the controls change

    def play(self) -> threading.Thread | None:
        """Run rounds in the background until the end, a steady state or ``pause()``."""
        if not self.can_step() or self._playing:
            return None
        self._playing = True
        self.rate = 0.0
        self._update(playing=True)
        return self._start(self._play, self._generation)

    def pause(self) -> None:
        self._playing = False
        self._update(playing=False)

    def reset(self) -> threading.Thread | None:
        """Rebuild the model of the current scenario: round 0, same seeds."""
        if self.scenario is None:
            return None
        return self.build(self.scenario)

    def _play(self, generation: int) -> None:
        started = time.perf_counter()
        rounds = 0
        try:
            while True:
                frame = time.perf_counter()
                with self._lock:
                    m = self.model
                    if generation != self._generation or not self._playing or m is None:
                        return
                    if not m.running or m.population.t >= m.spec.steps:
                        return
                    m.step()
                rounds += 1
                self.rate = rounds / max(time.perf_counter() - started, 1e-9)
                # pushes the new pictures to the page from this thread: the loop runs at the page's pace
                self._refresh()
                pause = max(self.delay.value, 1.0 / self.MAX_FPS) - (time.perf_counter() - frame)
                if pause > 0:
                    time.sleep(pause)
        except Exception as exc:  # pragma: no cover - a rule raising mid-run
            log.exception("playing the model failed")
            self._update(error=user_message(exc))
        finally:
            if generation == self._generation:
                self._playing = False
                self._update(playing=False, tick=True)

    # ---- what the views show
    def result(self):
        """The ``Result`` of the run so far (the same object ``simulate`` returns)."""
        from model.simulate import result_of

        with self._lock:
            return result_of(self.model) if self.model is not None else None


def _with_seed(scenario: Scenario) -> Scenario:
    """``scenario`` with its seed written in (a fresh one when it sets none, as the model would draw),
    so the child choosing first adopters and the page's model use the same one."""
    if "seed" in scenario.model_fields_set:
        return scenario
    return scenario.model_copy(update={"seed": int(np.random.default_rng().integers(2**63 - 1))})


# --------------------------------------------------------------------------- the session
class Session:
    """One browser tab: the scenario being edited (shared by the views) and the live model."""

    def __init__(self, scenario: dict | None = None):
        self.draft = solara.reactive(copy.deepcopy(scenario or DEFAULT_SCENARIO))
        self.live = LiveRun()
        self.upload_note = solara.reactive(None)  # ("ok" | "error", message) about the last dropped file
        self.kept = solara.reactive({})  # {"A": Scenario, "B": Scenario}: scenarios kept for Compare's A vs B
        self.weeks_per_round = solara.reactive(1.0)  # how the page reads a round (time axis, tables)
        self.kept_runs = solara.reactive([])  # Explore runs kept on the chart to overlay: [{label, mean, colour}]
        self._parts: dict = {}
        self._parts_lock = threading.Lock()

    def part(self, name: str, factory):
        """A per-session helper object (the Compare and Sweeps runs), made on first use."""
        with self._parts_lock:
            if name not in self._parts:
                self._parts[name] = factory()
            return self._parts[name]

    def scenario(self) -> tuple[Scenario | None, str | None]:
        return check(self.draft.value)

    def problem(self) -> tuple[tuple, str] | None:
        """(path, message) of the field that makes the draft invalid, or None."""
        return check_fields(self.draft.value)[1]

    def field_error(self, path: tuple) -> str | None:
        """The message for the input at ``path`` when it is the wrong field (or holds it)."""
        problem = self.problem()
        if problem is None:
            return None
        loc, msg = problem
        path = tuple(path)
        if loc[: len(path)] == path and len(path) > 0:
            rest = ".".join(map(str, loc[len(path):]))
            return f"{rest}: {msg}" if rest else msg
        return None

    def close(self) -> None:
        """Stop everything this tab started (child processes, playing, sweeps)."""
        self.live.pause()
        self.live.stop()
        for part in list(self._parts.values()):
            for name in ("cancel", "stop"):
                fn = getattr(part, name, None)
                if callable(fn):
                    try:
                        fn()
                    except Exception:  # pragma: no cover - closing must go on
                        log.exception("stopping %s failed", type(part).__name__)

    def keep(self, label: str, scenario: Scenario | None) -> None:
        """Keep ``scenario`` as A or B for Compare."""
        if scenario is not None:
            self.kept.value = {**self.kept.value, label: scenario}

    def edit(self, path: tuple, value, remove: bool = False) -> None:
        self.draft.value = set_path(self.draft.value, path, value, remove=remove)


def to_bytes_csv(df) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def to_bytes_parquet(df) -> bytes:
    import io

    buf = io.BytesIO()
    frame = df.copy()
    for col in frame.columns:  # categorical columns are fine; lists of floats too
        if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, np.ndarray)).any():
            frame[col] = frame[col].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    frame.to_parquet(buf, index=False)
    return buf.getvalue()
