"""The pip wheel as a user gets it: built from a clean copy, installed into a fresh venv; JupyterLab lists its
extension as enabled and OK, and the kernelspec it carries runs the artifact notebook."""
import json
import re
import subprocess
import zipfile

from packaging_artifacts import VERSION, env_with, kernel_argv1, run_artifact_notebook


def test_the_wheel_carries_the_extension_its_install_json_and_the_kernel(wheel):
    assert re.fullmatch(rf"threadlab-{VERSION}-py3-none-\w+\.whl", wheel.name), wheel.name
    data = f"threadlab-{VERSION}.data/data/share"
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ["jupyter/labextensions/threadlab/package.json", "jupyter/labextensions/threadlab/install.json",
              "jupyter/kernels/threadlab/kernel.json", "jupyter/kernels/threadlab/launch.sh",
              "threadlab/kernel/node_modules/threadlab/bin/threadlab.js",
              "threadlab/kernel/node_modules/threadlab/dist/kernel/cli/main.js",
              "threadlab/kernel/node_modules/zeromq/package.json", "threadlab/kernel/node_modules/tslab/package.json"]:
        assert f"{data}/{f}" in names, f"{f} is missing from {wheel.name}"
    # Production dependencies only.
    assert not any(n.startswith(f"{data}/threadlab/kernel/node_modules/{dev}/") for n in names for dev in ("piscina", "eslint", "@jupyterlab", "@playwright"))
    install = json.loads(zipfile.ZipFile(wheel).read(f"{data}/jupyter/labextensions/threadlab/install.json"))
    assert install == {"packageManager": "python", "packageName": "threadlab",
                       "uninstallInstructions": "Use your Python package manager (pip, conda, etc.) to uninstall the package threadlab"}


def test_jupyter_lists_the_wheels_extension_as_enabled_and_ok(wheel_venv):
    r = subprocess.run([wheel_venv / "bin" / "python", "-m", "jupyterlab.labextensions", "list"], capture_output=True, text=True,
                       env={**env_with(), "NO_COLOR": "1"})
    listing = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
    assert f"{wheel_venv}/share/jupyter/labextensions" in listing, listing
    assert f"threadlab v{VERSION} enabled OK (python, threadlab)" in listing, listing


def test_the_wheels_kernelspec_runs_the_notebook_with_node_from_path(wheel_venv, cache_dir, monkeypatch):
    data = wheel_venv / "share" / "jupyter"
    spec = json.loads((data / "kernels" / "threadlab" / "kernel.json").read_text())
    assert spec["argv"][:2] == ["/bin/sh", "{resource_dir}/launch.sh"]
    outs = run_artifact_notebook("threadlab", data, monkeypatch, cache_dir)
    assert kernel_argv1(outs) == str(wheel_venv / "share" / "threadlab" / "kernel" / "node_modules" / "threadlab" / "bin" / "threadlab.js")
