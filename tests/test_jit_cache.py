"""Numba's cache is keyed by the whole tree of compiled sources (networks/_jit_cache.py).

Numba checks a cached function against its own file only, so a cached caller kept a changed callee's
old code and crashed after an edit (issue 14). These tests check that any change to any source file
moves the cache to a new folder, and that a fresh process compiles into and reads from that folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from networks import _jit_cache

ROOT = Path(__file__).resolve().parent.parent


def _tree(tmp_path: Path) -> Path:
    for package, files in {"networks": ("a.py", "b.py"), "model": ("c.py",)}.items():
        (tmp_path / package / "sub").mkdir(parents=True)
        for name in files:
            (tmp_path / package / name).write_text(f"# {name}\n")
        (tmp_path / package / "sub" / "k.py").write_text("X = 1\n")
    return tmp_path


def test_any_edit_to_any_source_file_changes_the_digest(tmp_path):
    root = _tree(tmp_path)
    before = _jit_cache.source_digest(root)
    assert _jit_cache.source_digest(root) == before  # stable
    callee = root / "model" / "sub" / "k.py"
    callee.write_text("X = 2\n")  # an edit in a file other than the caller's
    after = _jit_cache.source_digest(root)
    assert after != before
    callee.write_text("X = 1\n")
    assert _jit_cache.source_digest(root) == before  # keyed by content, not by time
    (root / "networks" / "new.py").write_text("")
    assert _jit_cache.source_digest(root) != before


def test_a_fresh_process_compiles_into_this_versions_folder(tmp_path):
    code = (
        "import numba, networks, model\n"
        "from model import simulate\n"
        "simulate({'seed': 1, 'steps': 5, 'network': {'kind': 'erdos_renyi', 'n': 200, 'mean_degree': 4.0},"
        " 'behaviours': [{'name': 'a', 'rule': 'threshold', 'threshold': 0.2}],"
        " 'seeding': {'strategy': 'random', 'count': 5}})\n"
        "print(numba.config.CACHE_DIR)\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    env.pop("WELLSPREAD_NUMBA_CACHE", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    folder = Path(out.stdout.strip().splitlines()[-1])
    assert folder == tmp_path / f"wellspread-{_jit_cache.source_digest()}"
    assert list(folder.rglob("*.nbi")), "no cache index written in the versioned folder"
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # nothing cached outside it


def test_plain_leaves_numbas_choice_alone(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "WELLSPREAD_NUMBA_CACHE": "plain"}
    out = subprocess.run([sys.executable, "-c", "import numba, networks; print(numba.config.CACHE_DIR)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == str(tmp_path)
