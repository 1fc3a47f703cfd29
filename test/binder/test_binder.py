"""Binder: repo2docker's dry run picks the Python buildpack and runs postBuild; postBuild itself, run in a fresh
venv on a copy of the repository, installs the kernel and the JupyterLab extension."""
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_repo2docker_dry_run_uses_the_python_buildpack_and_postbuild():
    out = subprocess.run(
        [str(BIN / "repo2docker"), "--no-build", "--debug", str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-3000:]
    assert "Building conda environment for python=3.11" in text  # runtime.txt read by the Python buildpack
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in text
    assert "libgomp1 libopenblas0-pthread" in text  # apt.txt
    assert "RUN ./binder/postBuild" in text


def test_the_binder_badge_opens_the_repository_package_json_names():
    url = json.loads((ROOT / "package.json").read_text())["repository"]["url"]
    github = re.fullmatch(r"git\+https://github\.com/([\w.-]+/[\w.-]+)\.git", url)
    assert github, f"package.json's repository is not a GitHub URL: {url}"
    badges = re.findall(r"https://mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", (ROOT / "README.md").read_text())
    assert badges and set(badges) == {github[1]}, f"README's Binder links {badges} vs package.json {github[1]}"


def test_tutorials_name_the_installed_kernel():
    spec = json.loads(subprocess.run([str(BIN / "jupyter"), "kernelspec", "list", "--json"], capture_output=True, text=True, check=True).stdout)
    names = set(spec["kernelspecs"])
    for nb in (ROOT / "tutorials").glob("*.ipynb"):
        kernel = json.loads(nb.read_text())["metadata"]["kernelspec"]["name"]
        assert kernel in names, f"{nb.name} asks for kernel {kernel!r}; installed: {sorted(names)}"


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f]


# Slow (npm ci, build, pip install: a few minutes), but it is what Binder runs.
def test_postbuild_in_a_fresh_venv_installs_kernel_and_extension(tmp_path):
    repo = tmp_path / "repo"
    for f in tracked_files():
        src = ROOT / f
        if src.is_file():
            (repo / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / f)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(repo / "binder/requirements.txt")], check=True, timeout=900)
    # npm's global prefix as Binder's image has one on PATH; the machine's warm npm cache instead of a fresh download.
    npm_global = tmp_path / "npm-global"
    npm_cache = subprocess.run(["npm", "config", "get", "cache"], capture_output=True, text=True, check=True).stdout.strip()
    env = {**os.environ, "PATH": f"{env_dir / 'bin'}:{npm_global / 'bin'}:{os.environ['PATH']}", "JUPYTER_PLATFORM_DIRS": "1",
           "npm_config_prefix": str(npm_global), "THREADLAB_NPM_CACHE": npm_cache}
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_DATA_DIR", None)
    r = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=1500)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    kernels = subprocess.run([str(env_dir / "bin" / "jupyter"), "kernelspec", "list", "--json"], env=env, capture_output=True, text=True, check=True).stdout
    spec = json.loads(kernels)["kernelspecs"]["threadlab"]
    assert spec["resource_dir"].startswith(str(env_dir))
    # The kernel runs from the installed package, and the development tree is gone from the image.
    assert spec["spec"]["metadata"]["threadlab"]["entry"] == str(npm_global / "lib" / "node_modules" / "threadlab" / "bin" / "threadlab.js")
    assert not (repo / "node_modules").exists() and not (repo / "dist").exists()
    assert not (npm_global / "lib" / "node_modules" / "threadlab" / "node_modules" / "piscina").exists()  # a dev dependency
    ext = subprocess.run([str(env_dir / "bin" / "jupyter"), "labextension", "list"], env=env, capture_output=True, text=True)
    assert "threadlab" in ext.stdout + ext.stderr
    # A notebook in tutorials/ finds what the tutorials load, with the development node_modules gone.
    for name in json.loads((repo / "tutorials" / "package.json").read_text())["dependencies"]:
        found = subprocess.run(["node", "-e", f"console.log(require.resolve({json.dumps(name)}))"],
                               cwd=repo / "tutorials", env=env, capture_output=True, text=True)
        assert found.returncode == 0 and str(repo / "tutorials" / "node_modules") in found.stdout, found.stdout + found.stderr


BUILTIN_OR_OURS = re.compile(r"^(node:|threadlab$|threadlab/)")


def test_tutorials_package_json_lists_what_the_tutorials_load_at_the_roots_versions():
    deps = json.loads((ROOT / "tutorials" / "package.json").read_text())["dependencies"]
    root = json.loads((ROOT / "package.json").read_text())
    pinned = {**root["dependencies"], **root["devDependencies"]}
    loaded = set()
    for nb in (ROOT / "tutorials").glob("*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            for m in re.finditer(r"""(?:require(?:\.resolve)?\(\s*|\bfrom\s+|import\(\s*)["']([^"'.][^"']*)["']""", src):
                spec = m.group(1)
                if BUILTIN_OR_OURS.match(spec):
                    continue
                parts = spec.split("/")
                loaded.add("/".join(parts[:2]) if spec.startswith("@") else parts[0])
    assert loaded, "no package found in the tutorials: the pattern is wrong"
    assert loaded == set(deps), f"tutorials load {sorted(loaded)}; tutorials/package.json lists {sorted(deps)}"
    for name, version in deps.items():
        assert pinned.get(name) == version, f"tutorials/package.json pins {name}@{version}; the root has {pinned.get(name)}"
