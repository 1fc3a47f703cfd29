"""Session fixtures of the packaging tests: the artifacts, built once per run (packaging_artifacts.py)."""
from packaging_artifacts import cache_dir, clean_copy, global_prefix, npm_tarball, wheel, wheel_venv  # noqa: F401
