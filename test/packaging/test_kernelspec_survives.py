"""A kernelspec that survives: an npx run does not leave it pointing into npx's cache, a Node that has gone
away is reported (by the launcher in the server's log, and by `threadlab doctor`), and the kernel still
starts with a Node from PATH."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from packaging_artifacts import VERSION, env_with, kernel_argv1, run_artifact_notebook, sh


def npx_cache() -> Path:
    return Path(subprocess.run(["npm", "config", "get", "cache"], capture_output=True, text=True, check=True).stdout.strip()) / "_npx"


@pytest.fixture
def npx_entries():
    """The npx cache entries a test creates, removed afterwards (they hold a whole node_modules tree)."""
    before = set(npx_cache().glob("*")) if npx_cache().exists() else set()
    yield lambda: [p for p in npx_cache().glob("*") if p not in before]
    for p in npx_cache().glob("*") if npx_cache().exists() else []:
        if p not in before:
            shutil.rmtree(p, ignore_errors=True)


def test_an_npx_install_copies_threadlab_out_of_the_cache_and_keeps_working_after_npm_clears_it(npm_tarball, tmp_path, cache_dir, npx_entries, monkeypatch):
    jupyter = tmp_path / "jupyter-prefix"
    out = sh(["npx", "--yes", "--prefer-offline", "--ignore-scripts", f"--package={npm_tarball}", "--", "threadlab", "install", "--prefix", jupyter, "--no-snapshot"]).stdout
    assert "npx runs threadlab from npm's cache" in out
    (entry,) = npx_entries()
    assert (entry / "node_modules" / "threadlab").is_dir(), "npx did not run threadlab from its cache"
    data = jupyter / "share" / "jupyter"
    record = json.loads((data / "kernels" / "threadlab" / "kernel.json").read_text())["metadata"]["threadlab"]
    copy = data / "threadlab" / VERSION / "node_modules" / "threadlab"
    assert record["entry"] == str(copy / "bin" / "threadlab.js")
    assert not record["entry"].startswith(str(npx_cache()))
    # What npm may do at any time: clear its exec cache.
    shutil.rmtree(entry)
    outs = run_artifact_notebook("threadlab", data, monkeypatch, cache_dir)
    assert kernel_argv1(outs) == record["entry"]
    # Uninstall takes the copy with the kernelspec.
    removed = sh(["node", copy / "bin" / "threadlab.js", "uninstall", "--prefix", jupyter]).stdout
    assert str(data / "threadlab" / VERSION) in removed
    assert not (data / "threadlab").exists() and not (data / "kernels" / "threadlab").exists()


@pytest.fixture
def spec_with_a_node_that_is_gone(global_prefix, tmp_path):
    """A kernelspec installed by a Node that was then removed, as an nvm or Homebrew upgrade does."""
    old_node = tmp_path / "old-node" / "bin" / "node"
    old_node.parent.mkdir(parents=True)
    shutil.copy2(shutil.which("node"), old_node)
    jupyter = tmp_path / "jupyter-prefix"
    sh([old_node, global_prefix / "lib" / "node_modules" / "threadlab" / "bin" / "threadlab.js", "install", "--prefix", jupyter, "--no-snapshot"])
    shutil.rmtree(old_node.parent.parent)
    return jupyter / "share" / "jupyter", str(old_node)


def doctor(global_prefix, data, path=None) -> dict:
    env = env_with(JUPYTER_PATH=data, **({"PATH": path} if path else {}))
    out = sh([shutil.which("node"), global_prefix / "lib" / "node_modules" / "threadlab" / "bin" / "threadlab.js", "doctor", "--json"], env=env).stdout
    return {k["name"]: k for k in json.loads(out)["kernelspecs"]}


def test_doctor_reports_a_kernelspec_whose_node_is_gone(global_prefix, spec_with_a_node_that_is_gone, tmp_path):
    data, old_node = spec_with_a_node_that_is_gone
    # A PATH without any node: the kernel cannot start.
    (tmp_path / "empty-bin").mkdir()
    spec = doctor(global_prefix, data, path=f"{tmp_path / 'empty-bin'}:/usr/sbin:/sbin")["threadlab"]
    assert spec["health"] == "broken"
    assert any(old_node in p and "is gone" in p and "threadlab install --prefix" in p for p in spec["problems"]), spec
    # With a Node >= 20 on PATH the launcher falls back to it: stale, not broken.
    spec = doctor(global_prefix, data)["threadlab"]
    assert spec["health"] == "stale"
    assert any("from PATH instead" in p for p in spec["problems"]), spec


def test_doctor_text_names_the_broken_kernelspec_and_the_repair(global_prefix, spec_with_a_node_that_is_gone, tmp_path):
    data, old_node = spec_with_a_node_that_is_gone
    env = env_with(JUPYTER_PATH=data, PATH=f"{tmp_path}:/usr/sbin:/sbin")
    out = sh([shutil.which("node"), global_prefix / "lib" / "node_modules" / "threadlab" / "bin" / "threadlab.js", "doctor"], env=env).stdout
    section = out[out.index("Kernelspecs:"):]
    assert f"threadlab [broken] {data / 'kernels' / 'threadlab'}" in section
    assert f"error: the Node.js it was installed with ({old_node}) is gone" in section


def test_the_launcher_says_in_the_log_why_the_kernel_cannot_start(spec_with_a_node_that_is_gone, tmp_path):
    data, old_node = spec_with_a_node_that_is_gone
    launcher = data / "kernels" / "threadlab" / "launch.sh"
    r = subprocess.run(["/bin/sh", launcher, "--connection-file", tmp_path / "none.json"], capture_output=True, text=True,
                       env=env_with(PATH=f"{tmp_path}:/usr/bin/nonexistent"), timeout=30)
    assert r.returncode == 1
    assert f"the Node.js it was installed with ({old_node}) is gone, and there is no Node.js >= 20 on PATH" in r.stderr
    assert "then run: threadlab install --prefix" in r.stderr


def test_a_kernelspec_whose_node_is_gone_starts_with_node_from_path(spec_with_a_node_that_is_gone, cache_dir, monkeypatch):
    data, _ = spec_with_a_node_that_is_gone
    run_artifact_notebook("threadlab", data, monkeypatch, cache_dir)
