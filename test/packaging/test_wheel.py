"""The pip wheel as a user gets it: built from a clean copy, installed into a fresh venv; JupyterLab lists its
extension as enabled and OK, and the kernelspec it carries runs the artifact notebook."""
import json
import platform
import re
import subprocess
import zipfile

from packaging_artifacts import ROOT, VERSION, env_with, kernel_argv1, run_artifact_notebook


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


def test_the_wheels_project_links_are_package_jsons(wheel):
    pkg = json.loads((ROOT / "package.json").read_text())
    (metadata,) = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA")]
    links = re.findall(r"^Project-URL: (.*)$", zipfile.ZipFile(wheel).read(metadata).decode(), re.M)
    assert sorted(links) == sorted([f"Homepage, {pkg['homepage']}", f"Bug Tracker, {pkg['bugs']['url']}",
                                    f"Repository, {pkg['repository']['url']}"]), links


def test_on_glibc_linux_the_wheel_is_manylinux_and_its_loaded_binaries_need_no_newer_glibc(wheel, wheel_venv):
    """PyPI takes no plain linux_* wheels. The tag's glibc (scripts/hatch_wheel_kernel.py GLIBC_FLOOR) must
    cover the native binaries the kernel loads: those Node.js maps when it requires zeromq and koffi."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        assert "manylinux" not in wheel.name, wheel.name  # and nothing to check it against
        return
    tag = re.fullmatch(rf"threadlab-{VERSION}-py3-none-manylinux_(\d+)_(\d+)_{platform.machine()}\.whl", wheel.name)
    assert tag, wheel.name
    floor = (int(tag[1]), int(tag[2]))
    modules = wheel_venv / "share" / "threadlab" / "kernel" / "node_modules"
    code = ("for (const m of ['zeromq', 'koffi']) require(require('path').join(process.argv[1], m));"
            "const maps = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n');"
            "console.log([...new Set(maps.map((l) => l.split(/\\s+/)[5]).filter((f) => f && f.endsWith('.node')))].join('\\n'))")
    loaded = subprocess.run(["node", "-e", code, modules], capture_output=True, text=True, check=True).stdout.split()
    assert len(loaded) == 2 and all(f.startswith(str(modules)) for f in loaded), loaded
    for binary in loaded:
        symbols = subprocess.run(["objdump", "-T", binary], capture_output=True, text=True, check=True).stdout
        needs = max((int(a), int(b)) for a, b in re.findall(r"GLIBC_(\d+)\.(\d+)", symbols))
        assert needs <= floor, f"{binary} needs glibc {needs}, the wheel's tag promises {floor}"


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
