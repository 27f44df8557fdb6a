"""Numba's on-disk cache: one folder per version of the compiled sources.

What: before any of the project's kernels is compiled, ``use_versioned_cache`` points numba's cache
(``numba.config.CACHE_DIR``) at ``<base>/wellspread-<digest>``, where the digest covers the bytes of
every source file of the packages holding compiled code, numba's version and Python's. ``<base>`` is
``NUMBA_CACHE_DIR`` when the user sets it (a SLURM job's node-local folder, say), else
``$XDG_CACHE_HOME/wellspread/numba`` (``~/.cache/wellspread/numba``).

Why: numba checks a cached function against its *own* file only. A cached function that calls a
kernel in another file carries that kernel's old code after the other file changes (an edit, a
``git pull``), while the Python around it passes the new arrays: kernels then read out of bounds and
die with a segmentation fault (seen in this project after editing ``model/rules/threshold.py``,
issue 14). Keying the folder by the whole tree means a changed tree compiles afresh and never reads
another version's cache; processes of one version share one folder safely, since numba writes each
cache file to a temporary name and renames it. Folders of other versions unused for
``KEEP_DAYS`` days are removed.

Set ``WELLSPREAD_NUMBA_CACHE=plain`` to leave numba's own choice untouched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import numba

PACKAGES = ("networks", "model")  # the packages whose modules hold compiled kernels
KEEP_DAYS = 14
PREFIX = "wellspread-"
_ROOT = Path(__file__).resolve().parent.parent


def source_digest(root: Path = _ROOT, packages: tuple[str, ...] = PACKAGES) -> str:
    """Hex digest of the packages' ``.py`` files (paths and bytes), numba's and Python's versions.

    Examples
    --------
    >>> len(source_digest())
    16
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{numba.__version__} {sys.version}".encode())
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def default_base() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wellspread" / "numba"


def use_versioned_cache() -> str | None:
    """Point numba's cache at this version's folder (idempotent); the folder, or None when left alone."""
    if os.environ.get("WELLSPREAD_NUMBA_CACHE", "").lower() == "plain":
        return None
    current = str(numba.config.CACHE_DIR or "")
    if Path(current).name.startswith(PREFIX):
        return current  # already chosen in this process (or inherited by a worker)
    base = Path(current) if current else default_base()
    folder = base / (PREFIX + source_digest())
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # an unwritable base: numba warns and compiles without a cache, as it would anyway
    numba.config.CACHE_DIR = str(folder)
    _prune(base, keep=folder)
    return str(folder)


def _prune(base: Path, keep: Path) -> None:
    """Remove other versions' folders not used for ``KEEP_DAYS`` days (best effort)."""
    horizon = time.time() - KEEP_DAYS * 86400
    try:
        others = [p for p in base.iterdir() if p.name.startswith(PREFIX) and p != keep]
    except OSError:
        return
    for old in others:
        try:
            if old.stat().st_mtime < horizon:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


#: This process's cache folder, chosen on import, before any of the project's kernels is compiled.
FOLDER = use_versioned_cache()
