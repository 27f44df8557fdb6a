"""The tutorial notebook (docs/tutorial.ipynb) runs top to bottom in a fresh kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
def test_tutorial_notebook_runs():
    nb = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the plot was not drawn"
    sweep = nb.cells[-2].outputs[-1]["data"]["text/plain"]
    assert "degree" in sweep and "random" in sweep
