"""The threadlab JupyterLab sidebar, as shipped by the `threadlab` wheel.

The wheel's real payload is the prebuilt extension in share/jupyter/labextensions/threadlab (hatch
shared-data). This module exists because hatchling ships shared-data only alongside selected files, and it
tells `jupyter labextension` where the extension lives in a source checkout.
"""
from pathlib import Path


def _jupyter_labextension_paths():
    return [{"src": str(Path(__file__).parent.parent.parent / "labextension"), "dest": "threadlab"}]
