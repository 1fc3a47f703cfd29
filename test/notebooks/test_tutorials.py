"""Every tutorial runs top to bottom with the installed threadlab kernelspec, with no error output."""
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

TUTORIALS = Path(__file__).resolve().parents[2] / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))


def test_there_are_tutorials():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_tutorial_runs_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "threadlab", "kernelspec.name must match the installed kernel"
    t0 = time.monotonic()
    NotebookClient(nb, timeout=120, kernel_name="threadlab", resources={"metadata": {"path": str(TUTORIALS)}}).execute()
    elapsed = time.monotonic() - t0
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == [], json.dumps(errors, indent=1)[:2000]
    assert elapsed < 90, f"{path.name} took {elapsed:.0f} s (tutorials must run in under 60 s on 2 cores, with margin here)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_tutorials_are_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
