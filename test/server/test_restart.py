"""Restarting a threadlab kernel through a real jupyter_server, as JupyterLab does: websocket on
/api/kernels/<id>/channels, POST .../restart, then a new websocket with the same session.

JupyterLab (4.5+) ignores status messages whose parent is one of the server's `untracked_message_types`
(kernel_info_request, shutdown_request, ...), so after a restart its kernel stays "restarting" until the
kernel publishes a status it does count. The kernel must do that on its own, also when the restart comes
during its first seconds (the synchronous TypeScript warm-up)."""
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

TOKEN = uuid.uuid4().hex
TIMEOUT = 60  # a 2-core machine shared with other jobs: the warm-up alone can take several seconds


def untracked_message_types() -> set:
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    return set(MappingKernelManager.class_traits()["untracked_message_types"].make_dynamic_default())


UNTRACKED = untracked_message_types()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    root = tmp_path_factory.mktemp("server")
    log = open(root / "server.log", "w")
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "JUPYTER_RUNTIME_DIR": str(root / "runtime")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root", "--debug"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            asyncio.run(http(base, "GET", "/api/status"))
            break
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"jupyter_server did not start; see {root / 'server.log'}")
            time.sleep(0.5)
    yield base
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


async def http(base, method, path, body=None):
    req = HTTPRequest(base + path, method=method, headers={"Authorization": f"token {TOKEN}"}, request_timeout=TIMEOUT,
                      body=json.dumps(body) if body is not None else (b"" if method == "POST" else None))
    r = await AsyncHTTPClient().fetch(req)
    return json.loads(r.body) if r.body else None


class Channels:
    """One websocket on a kernel's channels, as JupyterLab opens it (one client session across reconnects)."""

    def __init__(self, base, kernel_id, session):
        self.url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?session_id={session}"
        self.session = session
        self.messages = []

    async def open(self):
        self.ws = await websocket_connect(HTTPRequest(self.url, headers={"Authorization": f"token {TOKEN}"},
                                                      request_timeout=TIMEOUT))
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        while True:
            m = await self.ws.read_message()
            if m is None:
                return
            if isinstance(m, str):
                self.messages.append(json.loads(m))

    def send(self, msg_type, content, channel="shell"):
        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "test", "session": self.session,
                  "date": "", "version": "5.3"}
        self.ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                                          "channel": channel, "buffers": []}))
        return header["msg_id"]

    async def wait_for(self, pred, what, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for m in self.messages:
                if pred(m):
                    return m
            await asyncio.sleep(0.02)
        seen = [(m["msg_type"], m["content"].get("execution_state"), (m.get("parent_header") or {}).get("msg_type"))
                for m in self.messages]
        pytest.fail(f"no {what} within {timeout} s; saw {seen}")

    def close(self):
        self.reader.cancel()
        self.ws.close()


def tracked_status(m):
    """A status JupyterLab's kernel connection acts on (services' KernelConnection._handleMessage)."""
    return m["msg_type"] == "status" and (m.get("parent_header") or {}).get("msg_type") not in UNTRACKED


async def execute(ch, code):
    msg_id = ch.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                         "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    reply = await ch.wait_for(lambda m: m["msg_type"] == "execute_reply" and m["parent_header"].get("msg_id") == msg_id,
                              f"execute_reply to {code!r}")
    result = await ch.wait_for(lambda m: m["msg_type"] == "execute_result" and m["parent_header"].get("msg_id") == msg_id,
                               f"execute_result of {code!r}")
    return reply["content"]["status"], result["content"]["data"]["text/plain"]


@pytest.mark.parametrize("when", ["during-warm-up", "after-a-cell"])
def test_restart_comes_back_idle_for_jupyterlab(server, when):
    async def scenario():
        kernel = await http(server, "POST", "/api/kernels", {"name": "threadlab"})
        session = uuid.uuid4().hex
        try:
            ch = await Channels(server, kernel["id"], session).open()
            ch.send("kernel_info_request", {})
            if when == "after-a-cell":
                assert await execute(ch, "1 + 1") == ("ok", "2")
            # else: jupyter_server's kernel_info on connect has started the warm-up; restart in the middle of it.
            old = await ch.wait_for(lambda m: m["channel"] == "iopub", "a first IOPub message", timeout=TIMEOUT)
            await http(server, "POST", f"/api/kernels/{kernel['id']}/restart")
            ch.close()
            # JupyterLab reconnects after the restart request returns, and asks for kernel_info.
            ch = await Channels(server, kernel["id"], session).open()
            ch.send("kernel_info_request", {})
            status = await ch.wait_for(lambda m: tracked_status(m) and m["header"]["session"] != old["header"]["session"],
                                       "status JupyterLab would count from the new process")
            assert status["content"]["execution_state"] == "idle"
            assert await execute(ch, "2 + 3") == ("ok", "5")
            ch.close()
        finally:
            try:
                await http(server, "DELETE", f"/api/kernels/{kernel['id']}")
            except HTTPClientError:
                pass

    asyncio.run(scenario())
