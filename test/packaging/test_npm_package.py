"""The npm package as a user gets it: `npm pack` in a clean copy, `npm install -g` (install scripts off) into
a temporary prefix, `threadlab install --prefix` into a fresh Jupyter prefix, a notebook run with that
kernelspec."""
import json
import re
import subprocess
import tarfile

from packaging_artifacts import BIN, VERSION, env_with, kernel_argv1, run_artifact_notebook, sh


def test_npm_pack_ships_the_built_kernel_the_prebuilt_extension_and_the_license(npm_tarball):
    with tarfile.open(npm_tarball) as t:
        names = set(t.getnames())
    for f in ["bin/threadlab.js", "dist/kernel/cli/main.js", "dist/kernel/snapshot/launch.js", "dist/kernel/pool/worker.js",
              "dist/kernel/snapshot/build.js", "extension/labextension/package.json",
              "kernel/assets/logo-64x64.png", "LICENSE", "NOTICE", "README.md", "package.json"]:
        assert f"package/{f}" in names, f"{f} is missing from {npm_tarball.name}"
    assert any(n.startswith("package/extension/labextension/static/remoteEntry.") for n in names)
    assert any(n.startswith("package/dist/schema/") and n.endswith(".js") for n in names)
    assert not any(n.startswith(("package/dist/test/", "package/test/", "package/node_modules/")) for n in names)
    with tarfile.open(npm_tarball) as t:
        pkg = json.load(t.extractfile("package/package.json"))
    assert pkg["version"] == VERSION
    # What `require("threadlab")` and its types resolve to.
    assert f"package/{pkg['main']}" in names and f"package/{pkg['types']}" in names
    # `exports` is the package's boundary: the library and package.json, both shipped, and nothing else.
    assert set(pkg["exports"]) == {".", "./package.json"}, pkg["exports"]
    for target in pkg["exports"]["."].values():
        assert f"package/{target.removeprefix('./')}" in names, f"exports names {target}, which is not packed"
    assert re.fullmatch(r"git\+https://github\.com/[\w.-]+/[\w.-]+\.git", pkg["repository"]["url"]), pkg["repository"]
    assert pkg["bugs"]["url"] and pkg["homepage"] and pkg["license"] == "Apache-2.0"


def test_global_install_runs_a_notebook_with_its_kernelspec(global_prefix, tmp_path, cache_dir, monkeypatch):
    threadlab = global_prefix / "bin" / "threadlab"
    version = sh([threadlab, "--version"]).stdout.strip()
    assert version == VERSION
    jupyter = tmp_path / "jupyter-prefix"
    out = sh([threadlab, "install", "--prefix", jupyter], env=env_with(XDG_CACHE_HOME=cache_dir)).stdout
    assert "installed kernelspec threadlab" in out and "installed JupyterLab extension" in out
    data = jupyter / "share" / "jupyter"
    spec = json.loads((data / "kernels" / "threadlab" / "kernel.json").read_text())
    entry = global_prefix / "lib" / "node_modules" / "threadlab" / "bin" / "threadlab.js"
    assert spec["metadata"]["threadlab"]["entry"] == str(entry)
    outs = run_artifact_notebook("threadlab", data, monkeypatch, cache_dir)
    assert kernel_argv1(outs) == str(entry)


def test_the_installed_extension_is_listed_by_jupyter(global_prefix, tmp_path, cache_dir):
    jupyter = tmp_path / "jupyter-prefix"
    sh([global_prefix / "bin" / "threadlab", "install", "--prefix", jupyter, "--no-snapshot"])
    r = subprocess.run([BIN / "jupyter", "labextension", "list"], capture_output=True, text=True,
                       env=env_with(JUPYTER_PATH=jupyter / "share" / "jupyter"))
    listing = r.stdout + r.stderr
    line = next((l for l in listing.splitlines() if l.strip().startswith("threadlab ")), "")
    assert f"threadlab v{VERSION}" in line and "enabled" in line and "OK" in line, listing


def test_conflicting_scopes_are_an_error_that_names_them(global_prefix, tmp_path):
    r = subprocess.run([global_prefix / "bin" / "threadlab", "install", "--user", "--prefix", tmp_path / "x"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "--user, --prefix: choose one scope" in r.stderr
    assert not (tmp_path / "x").exists()


def test_threadlab_install_user_writes_to_jupyters_user_data_dir(global_prefix, tmp_path):
    # JUPYTER_DATA_DIR is what jupyter_core's jupyter_data_dir() honours first: the user scope, moved to tmp.
    # JUPYTER_PREFER_ENV_PATH=0: Jupyter outside a virtualenv, where the user's kernelspecs come first.
    user_data = tmp_path / "user-data"
    env = {**env_with(), "JUPYTER_DATA_DIR": str(user_data), "JUPYTER_PREFER_ENV_PATH": "0"}
    sh([global_prefix / "bin" / "threadlab", "install", "--user", "--python", BIN / "python", "--no-snapshot"], env=env)
    r = sh([BIN / "jupyter", "kernelspec", "list", "--json"], env=env)
    assert json.loads(r.stdout)["kernelspecs"]["threadlab"]["resource_dir"] == str(user_data / "kernels" / "threadlab")
