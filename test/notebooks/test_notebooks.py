"""Notebooks executed headlessly with nbclient through the installed threadlab kernelspec."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent


def run(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(HERE / name, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name="threadlab", resources={"metadata": {"path": str(HERE)}}).execute()
    return nb


def outputs(cell):
    return {o["output_type"]: o for o in cell["outputs"]}


def test_kernel_basics_notebook_outputs():
    nb = run("kernel-basics.ipynb")
    c = nb.cells
    assert outputs(c[0])["stream"]["text"] == "hello from threadlab\n"
    assert outputs(c[1])["execute_result"]["data"]["text/plain"] == "[ 10, 20, 30 ]"
    assert outputs(c[2])["display_data"]["data"]["text/html"] == "<b>bold</b>"
    assert outputs(c[3])["execute_result"]["data"]["text/plain"] == "'yes'"
    timing = outputs(c[4])
    assert "Wall time:" in timing["stream"]["text"]
    assert timing["execute_result"]["data"]["text/plain"] == "499999500000"
    assert outputs(c[5])["execute_result"]["data"]["text/plain"] == "100"
    counts = [cell["execution_count"] for cell in c]
    assert counts == [1, 2, 3, 4, 5, 6]


def test_daily_use_notebook_shell_and_rich_display():
    nb = run("daily-use.ipynb")
    c = nb.cells
    assert outputs(c[0])["stream"]["text"] == "shell says hi\n"
    assert outputs(c[1])["stream"]["text"] == "from bash 42\n"
    table = outputs(c[2])["execute_result"]["data"]
    assert "<caption>120 rows × 2 columns</caption>" in table["text/html"]
    assert "50 of 120 rows shown" in table["text/html"]
    assert table["text/plain"].startswith("[\n  { id: 0, square: 0 }")
    chart = outputs(c[3])["display_data"]["data"]
    assert chart["application/vnd.vegalite.v5+json"]["mark"] == "bar"
    image = outputs(c[4])["execute_result"]["data"]
    assert image["image/png"].startswith("iVBORw0KGgo")
    failed = outputs(c[5])
    assert failed["error"]["ename"] == "ShellError"
    assert "No such file or directory" in failed["stream"]["text"]
    assert outputs(c[6])["stream"]["text"] == "display\tgreeting\n"  # imports are top-level names too
