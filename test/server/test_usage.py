"""JupyterLab's Kernel Usage panel against a threadlab kernel: the pip package jupyter-resource-usage asks the
kernel `usage_request` through its server extension (GET /api/metrics/v1/kernel_usage/get_usage/<id>) and shows
the reply's content. Its figures are checked against psutil's for the same process, as ipykernel computes them,
and its CPU must count the worker threads of a `parallel.map`, not only the main thread."""
import asyncio
import socket
import time
import uuid

import psutil
import pytest

from test_restart import Channels, execute, http, server  # noqa: F401  (server: the jupyter_server fixture)

# Two workers spin for this long while the main thread only awaits them.
BUSY_MS = 1500


async def usage(base, kernel_id):
    r = await http(base, "GET", f"/api/metrics/v1/kernel_usage/get_usage/{kernel_id}")
    assert "content" in r and "reason" not in r["content"], f"the panel would say 'not available': {r}"
    assert r["msg_type"] == "usage_reply", r
    return r["content"]


def main_thread_seconds(proc):
    (main,) = [t for t in proc.threads() if t.id == proc.pid]
    return main.user_time + main.system_time


def cpu_seconds(proc):
    """User + system time of the process and its children, as ipykernel sums them."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def test_kernel_usage_panel_figures(server):  # noqa: F811
    async def scenario():
        kernel = await http(server, "POST", "/api/kernels", {"name": "threadlab"})
        try:
            ch = await Channels(server, kernel["id"], uuid.uuid4().hex).open()
            ch.send("kernel_info_request", {})
            # Start the pool first, so the measured window holds the map's work, not the workers' start.
            assert await execute(ch, "import { parallel } from 'threadlab'\n(await parallel.map([0, 1], (x) => x)).length") == ("ok", "2")
            first = await usage(server, kernel["id"])
            proc = psutil.Process(first["pid"])
            assert first["hostname"] == socket.gethostname()
            assert first["cpu_count"] == psutil.cpu_count(logical=True)
            assert first["kernel_cpu"] == 0, "the first request has no interval: psutil's cpu_percent says 0"
            vm = psutil.virtual_memory()._asdict()
            assert set(first["host_virtual_memory"]) == set(vm)
            assert first["host_virtual_memory"]["total"] == vm["total"]
            assert abs(first["host_virtual_memory"]["percent"] - vm["percent"]) < 10
            pss = sum(p.memory_full_info().pss for p in [proc, *proc.children(recursive=True)])
            assert 0.7 * pss < first["kernel_memory"] < 1.3 * pss, (first["kernel_memory"], pss)
            assert len(first["threadlab"]["workers"]) >= 2, first["threadlab"]

            # The window psutil measures holds the kernel's (from the first request to the second).
            t0, cpu0, main0 = time.monotonic(), cpu_seconds(proc), main_thread_seconds(proc)
            await usage(server, kernel["id"])
            spin = f"(await parallel.map([0, 1], (x) => {{ const t = Date.now(); while (Date.now() - t < {BUSY_MS}) {{}} return x; }})).length"
            assert await execute(ch, spin) == ("ok", "2")
            second = await usage(server, kernel["id"])
            wall = time.monotonic() - t0
            total, main_cpu = cpu_seconds(proc) - cpu0, main_thread_seconds(proc) - main0
            workers = total - main_cpu
            reported = second["kernel_cpu"] / 100 * wall  # CPU seconds, as the kernel says
            figures = (f"kernel_cpu {second['kernel_cpu']} % over {wall:.1f} s = {reported:.2f} s; psutil: "
                       f"{total:.2f} s, of which the main thread {main_cpu:.2f} s")
            assert workers > 0.3, f"the map did not run on worker threads? {figures}"
            assert reported > main_cpu + 0.5 * workers, f"kernel_cpu does not count the worker threads: {figures}"
            # A loaded machine shifts both a little (the kernel's window is inside psutil's): same figure, roughly.
            assert 0.6 * total < reported < 1.5 * total, figures
            assert "host_cpu_percent" in second and 0 < second["host_cpu_percent"] <= 100
            ch.close()
        finally:
            await http(server, "DELETE", f"/api/kernels/{kernel['id']}")

    asyncio.run(scenario())
