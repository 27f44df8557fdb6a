"""The README's Python tour runs, and prints what it shows (its ``>>>`` lines are doctests)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_tour_prints_what_it_shows(monkeypatch):
    monkeypatch.chdir(ROOT)  # the tour reads experiments/examples/ as a user in the project folder would
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if ">>>" in b]
    assert blocks, "the README has no runnable tour"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        runner.run(doctest.DocTestParser().get_doctest(block, {}, f"README tour {i}", "README.md", 0))
    failed, attempted = runner.summarize(verbose=False)
    assert attempted > 10 and failed == 0
