"""JupyterLab for the UI tests (galata): scripts/test-ui.mjs starts it through Playwright's webServer.

Loopback only, no token (galata drives it without one), the extension manager read-only (it would otherwise
ask PyPI), and the root directory inside the repository so that notebooks can `require("koffi")` from the
repository's node_modules.
"""
import os

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - `c` is the config object Jupyter passes in

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ.get("THREADLAB_UI_PORT", "8888"))
c.ServerApp.root_dir = os.environ["THREADLAB_UI_ROOT"]
c.ServerApp.open_browser = False
c.LabApp.extension_manager = "readonly"
c.ServerApp.terminals_enabled = False
if hasattr(os, "getuid") and os.getuid() == 0:
    c.ServerApp.allow_root = True
# Notebook 7 (the same server) exposes its app to the tests too.
c.JupyterNotebookApp.expose_app_in_browser = True
# THREADLAB_UI_DEBUG=1 node scripts/test-ui.mjs … logs the server at DEBUG (websocket, nudge, restart).
if os.environ.get("THREADLAB_UI_DEBUG"):
    c.ServerApp.log_level = "DEBUG"
