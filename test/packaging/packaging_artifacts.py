"""The artifacts a user installs, built once per test run from a clean copy of the repository.

A clean copy is the tracked files only (no dist/, no extension/labextension/), so `npm pack` and the wheel
must build everything they ship themselves. node_modules is linked from the checkout rather than installed
again: it is what `npm ci` gives a clean clone, and reinstalling it would cost minutes without testing
anything of ours. Installs then go into temporary prefixes from the artifacts alone.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
VERSION = json.loads((ROOT / "package.json").read_text())["version"]
BIN = Path(sys.executable).parent


def sh(cmd, timeout=600, **kw):
    """Runs a command, failing the test with its output when it fails."""
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} exited {r.returncode}\n{(r.stdout + r.stderr)[-4000:]}"
    return r


@pytest.fixture(scope="session")
def clean_copy(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("clean") / "threadlab"
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for f in filter(None, out.decode().split("\0")):
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, src / f)
    (src / "node_modules").symlink_to(ROOT / "node_modules")
    return src


@pytest.fixture(scope="session")
def npm_tarball(wheel, clean_copy) -> Path:
    """The `npm pack` of the clean copy. The wheel's build runs that same `npm pack` (prepack builds the
    kernel and the prebuilt extension: nothing in the copy was built before) and keeps the tarball, so the
    kernel and the extension are built once per run for both artifacts."""
    (tarball,) = (clean_copy / "build" / "wheel").glob("threadlab-*.tgz")
    return tarball


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """XDG_CACHE_HOME for kernels and installs: their startup snapshots stay out of the user's cache."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session")
def global_prefix(npm_tarball, tmp_path_factory) -> Path:
    """`npm install -g` of the tarball into a temporary prefix, with no install scripts run: zeromq's and
    koffi's prebuilt binaries inside their packages are what the kernel loads."""
    prefix = tmp_path_factory.mktemp("npm-global")
    sh(["npm", "install", "-g", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", prefix, npm_tarball])
    return prefix


def env_with(**extra) -> dict:
    env = {**os.environ, **{k: str(v) for k, v in extra.items()}}
    env.pop("JUPYTER_DATA_DIR", None)
    return env


ARTIFACT_NOTEBOOK = [
    'import { share } from "threadlab";\nconst model = share({ weights: new Float64Array([0.5, 2, 4]) });',
    "%parallel map (x: number, m: typeof model) => x * m.weights[2] [1, 2, 3, 4] --model model --no-progress",
    "%threadpool info --json",
    # Where the kernel runs from: the launcher restores argv after the startup snapshot.
    "process.argv[1]",
]


def run_artifact_notebook(kernel_name: str, jupyter_path: Path, monkeypatch, cache: Path) -> list:
    """Runs the artifact notebook headlessly with the kernelspec found first in `jupyter_path`; returns the
    cells' outputs after checking the map's results and the thread-pool report."""
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("JUPYTER_DATA_DIR", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in ARTIFACT_NOTEBOOK]
    NotebookClient(nb, timeout=120, kernel_name=kernel_name).execute()
    outs = [c.outputs for c in nb.cells]
    errors = [o for cell in outs for o in cell if o.output_type == "error"]
    assert errors == [], errors
    assert outs[1][0]["data"]["text/plain"] == "[ 4, 8, 12, 16 ]"
    pools = {p["id"]: p for p in outs[2][0]["data"]["application/json"]["pools"]}
    assert pools["threadlab"]["internalApi"] == "worker_threads" and pools["threadlab"]["numThreads"] >= 1
    assert "libuv" in pools and "v8" in pools
    return outs


def kernel_argv1(outs) -> str:
    return json.loads(outs[3][0]["data"]["text/plain"].replace("'", '"'))


@pytest.fixture(scope="session")
def wheel(clean_copy, tmp_path_factory) -> Path:
    """`pip wheel .` in the clean copy. Without build isolation: hatchling and hatch-jupyter-builder come from
    test/requirements.txt (installed in ./.venv) instead of a fresh download per run; the build itself
    (npm install, npm run build:wheel) is the one a user's `pip wheel .` runs."""
    dest = tmp_path_factory.mktemp("wheel")
    sh([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-w", dest], cwd=clean_copy, timeout=900)
    (built,) = dest.glob("threadlab-*.whl")
    return built


@pytest.fixture(scope="session")
def wheel_venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed by its own pip. JupyterLab is not installed into it again: a .pth
    file makes ./.venv's packages importable (a JupyterLab environment, minutes of pip saved), while Jupyter's
    data path (sys.prefix/share/jupyter) is the fresh venv's own."""
    venv_dir = tmp_path_factory.mktemp("wheel-venv") / "venv"
    sh([sys.executable, "-m", "venv", venv_dir])
    py = venv_dir / "bin" / "python"
    purelib = lambda p: subprocess.run([p, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib(py)) / "jupyterlab-env.pth").write_text(purelib(sys.executable) + "\n")
    sh([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel])
    return venv_dir
