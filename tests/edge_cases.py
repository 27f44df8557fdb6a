"""The inputs that once crashed or exhausted ``wellspread run`` (issue 15), as scenario files.

Each case is (name, scenario TOML, extra files); ``write_case`` lays them out in a folder. Tests
(``tests/test_edges.py``) and the long fuzz run (``tools/fuzz_cli.py``) share them.
"""

from __future__ import annotations

import gzip
from pathlib import Path

BASE = """seed = 1
steps = 20
[network]
kind = "erdos_renyi"
n = 200
mean_degree = 4.0
[[behaviours]]
name = "a"
rule = "independent_cascade"
p = 0.1
[seeding]
strategy = "degree"
count = 3
"""

SMALL_FILE_NET = """seed = 1
steps = 10
[network]
kind = "file"
path = "net.edgelist"
[[behaviours]]
name = "a"
rule = "independent_cascade"
p = 0.2
[seeding]
strategy = "{strategy}"
count = 2
"""


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


#: name -> (scenario text, {file name: bytes}); each must end in exit 2 and one line naming the file
CASES: dict[str, tuple[str, dict[str, bytes]]] = {
    "nested_500_deep": ("x = " + "[" * 500 + "]" * 500 + "\n" + BASE, {}),
    "seed_under_seeding": (replace(BASE, 'count = 3', "count = 3\nseed = 8"), {}),
    "unknown_key_with_file": (SMALL_FILE_NET.format(strategy="degree").replace('path = "net.edgelist"', 'path = "net.edgelist"\nbogus = 1'),
                              {"net.edgelist": b"0 1\n1 2\n"}),
    "budget_inf": (replace(BASE, "count = 3", "budget = inf"), {}),
    "ends_inf": (BASE + '[timeline]\ntemplate = "three_phase"\nends = [inf, 10.0, 20.0]\n', {}),
    "weeks_per_step_tiny": ("weeks_per_step = 1e-320\n" + BASE + '[timeline]\ntemplate = "three_phase"\n', {}),
    "k_10_30": (replace(BASE, 'rule = "independent_cascade"\np = 0.1', f'rule = "absolute_threshold"\nk = {10**30}'), {}),
    "steps_10_12": (replace(BASE, "steps = 20", f"steps = {10**12}\nstop_when_steady = false"), {}),
    "target_values_empty_table": (BASE + '[[interventions]]\nkind = "campaign"\ntarget = { attribute = "x", values = [{}] }\n', {}),
    "n_2_31": (replace(BASE, "n = 200", f"n = {2**31}"), {}),
    "n_2_63": (replace(BASE, "n = 200", f"n = {2**63 - 1}"), {}),
    "n_1e30": (replace(BASE, "n = 200", "n = 1e30"), {}),
    "diffusion_T_1e9": (replace(BASE, 'strategy = "degree"', 'strategy = "diffusion_centrality"\nT = 1000000000'), {}),
    "mean_degree_1e6": (replace(replace(BASE, "n = 200", "n = 2000000"), "mean_degree = 4.0", "mean_degree = 1e6"), {}),
    "dev_zero": (SMALL_FILE_NET.format(strategy="degree").replace('path = "net.edgelist"', 'path = "/dev/zero"\nformat = "edgelist"'), {}),
    "gzip_bomb": (SMALL_FILE_NET.format(strategy="degree").replace("net.edgelist", "bomb.edgelist.gz"), {"bomb.edgelist.gz": None}),
    "emoji_in_message": (replace(BASE, 'strategy = "degree"', 'strategy = "root:x:0"'), {}),
    "generator_message_names_file": (replace(BASE, 'kind = "erdos_renyi"', 'kind = "barabasi_albert"').replace("mean_degree = 4.0", "m = 300"), {}),
}
GENERATORS = ("erdos_renyi", "watts_strogatz", "barabasi_albert", "powerlaw_cluster", "stochastic_block",
              "configuration", "ring_lattice", "grid_2d", "town")
for _kind in GENERATORS:
    CASES[f"n_1e9_{_kind}"] = (BASE.replace('kind = "erdos_renyi"', f'kind = "{_kind}"').replace("n = 200", "n = 1000000000")
                               .replace("mean_degree = 4.0\n", ""), {})

#: inputs that are valid and must run
VALID: dict[str, tuple[str, dict[str, bytes]]] = {
    "bring_together_ties_1e9": (BASE + '[[interventions]]\nkind = "bring_together"\nscope = "online"\nties = 1000000000\n', {}),
    "node_ids_above_2_63": (SMALL_FILE_NET.format(strategy="degree"), {"net.edgelist": f"{2**63} {2**64 + 5}\n{2**64 + 5} 7\n".encode()}),
    "zero_costs": (replace(BASE, "count = 3", "budget = 10.0\ncost = {base = 0.0, per_degree = 0.0}"), {}),
    "zero_base_cost_positive_per_degree": (replace(BASE, "count = 3", "budget = 10.0\ncost = {base = 0.0, per_degree = 1.0}"), {}),
    "small_node_ids_file": (SMALL_FILE_NET.format(strategy="degree"), {"net.edgelist": b"0 1\n1 2\n2 3\n"}),
    "big_node_ids_random": (SMALL_FILE_NET.format(strategy="random"), {"net.edgelist": f"{2**63} {2**64 + 5}\n{2**64 + 5} 7\n".encode()}),
    # a valid edge list of 200,000 ties read straight into arrays (the 20 MB and 200 MB figures are in issue 15's note)
    "edge_list_200k_ties": (SMALL_FILE_NET.format(strategy="degree"), {"net.edgelist": lambda: edge_list(200_000, 40_000)}),
}


def edge_list(ties: int, people: int, seed: int = 1) -> bytes:
    """``ties`` random pairs among ``people`` (repeats and self-loops included), one ``u v`` a line."""
    import numpy as np

    pairs = np.random.default_rng(seed).integers(0, people, size=(ties, 2))
    return ("\n".join(f"{u} {v}" for u, v in pairs.tolist()) + "\n").encode()


def gzip_bomb(unpacked: int = 2 * 1024**3) -> bytes:
    """A gzip file of a few MB that unpacks to ``unpacked`` bytes of one edge repeated."""
    line = b"1 2\n" * 256 * 1024  # 1 MiB
    compressor = gzip.compress(line, compresslevel=9)
    return compressor * (unpacked // len(line))  # concatenated gzip members unpack one after another


def write_case(folder: Path, name: str, cases=None) -> Path:
    text, files = (cases or {**CASES, **VALID})[name]
    folder.mkdir(parents=True, exist_ok=True)
    for file, content in files.items():
        (folder / file).write_bytes(gzip_bomb() if content is None else content() if callable(content) else content)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def run_cli(args: list[str]) -> tuple[int, list[str]]:
    """``wellspread ARGS`` in this process: (exit status, stderr lines that are not blank)."""
    import contextlib
    import io

    from experiments.cli import app

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = app(args, standalone_mode=False) or 0
        except SystemExit as exc:
            code = exc.code
        except Exception as exc:  # noqa: BLE001 - what the user would see as a traceback
            import traceback

            traceback.print_exc()
            code = f"traceback {type(exc).__name__}"
    return code, [line for line in err.getvalue().splitlines() if line.strip()]


def main(argv: list[str]) -> None:
    """``python -m tests.edge_cases FOLDER [NAME ...]``: run cases under an 8 GB address-space cap,
    each stopped after 60 s; print one JSON line per case (name, exit, seconds, stderr lines)."""
    import json
    import resource
    import signal
    import time

    cap = 8 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    folder = Path(argv[0])
    names = argv[1:] or [*CASES, *VALID]

    class Hang(BaseException):
        pass

    def alarm(signum, frame):
        raise Hang

    signal.signal(signal.SIGALRM, alarm)
    for name in names:
        path = write_case(folder / name, name)
        started = time.monotonic()
        signal.alarm(60)
        try:
            code, lines = run_cli(["run", str(path)])
        except Hang:
            code, lines = "hang", []
        finally:
            signal.alarm(0)
        print(json.dumps({"name": name, "path": str(path), "exit": code, "seconds": round(time.monotonic() - started, 2),
                          "lines": lines[-50:]}), flush=True)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
