/**
 * The sidebar's model (extension/src/model.ts) against real kernels: a `jupyter server` from the test venv,
 * @jupyterlab/services' KernelManager and kernel connections — the same objects JupyterLab hands the model —
 * and a thin stand-in for the notebook's session context (the one part that needs a browser).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Signal } from "@lumino/signaling";
import type { Kernel, KernelManager as KernelManagerType } from "@jupyterlab/services";
import {
  SidebarModel,
  type ConnectionState,
  type KernelLike,
  type SessionContextLike,
} from "../../extension/src/model";
import { skipWithoutJupyter as skip, startJupyterServer, type TestJupyterServer } from "../kernel/jupyter-server";
import { PROTOCOL_VERSION } from "../../schema/sidebar";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a notebook's session context does for the model: hold the kernel and say when it changes. */
class TestSessionContext implements SessionContextLike {
  readonly kernelChanged = new Signal<this, unknown>(this);
  readonly statusChanged = new Signal<this, string>(this);
  readonly disposed = new Signal<this, void>(this);
  isDisposed = false;
  session: { kernel: KernelLike | null } | null;
  constructor(
    kernel: Kernel.IKernelConnection | null,
    public kernelDisplayName: string,
  ) {
    this.session = { kernel: kernel as unknown as KernelLike };
  }
  changeKernel(kernel: Kernel.IKernelConnection, displayName: string) {
    const old = this.session?.kernel;
    this.session = { kernel: kernel as unknown as KernelLike };
    this.kernelDisplayName = displayName;
    this.kernelChanged.emit({ name: "kernel", oldValue: old, newValue: kernel });
  }
}

describe("sidebar model against a real Jupyter server and kernels", { skip }, () => {
  let jupyterServer: TestJupyterServer | undefined;
  let manager: KernelManagerType;
  let threadlab: Kernel.IKernelConnection;
  const log = () => jupyterServer?.log() ?? "";

  before(async () => {
    jupyterServer = await startJupyterServer("threadlab-model-", 30000);
    manager = jupyterServer.manager;
    threadlab = await manager.startNew({ name: "threadlab" });
    // Wait out the kernel's TypeScript warm-up (seconds of synchronous work) before timing anything.
    await threadlab.requestExecute({ code: "1+1" }).done;
  });

  after(async () => {
    await jupyterServer?.stop();
  });

  async function until(
    model: SidebarModel,
    what: string,
    pred: (s: ConnectionState) => boolean,
    timeoutMs = 30000,
  ): Promise<ConnectionState> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(model.state)) {
      if (Date.now() > deadline)
        throw new Error(`model never reached ${what}; state ${JSON.stringify(model.state)}\n${log().slice(-1500)}`);
      await sleep(25);
    }
    return model.state;
  }

  async function updateAfter(model: SidebarModel, pred: (m: SidebarModel) => boolean = () => true, timeoutMs = 15000) {
    const start = Date.now();
    let seen = 0;
    const on = () => seen++;
    model.updated.connect(on);
    try {
      while (!(seen > 0 && pred(model))) {
        if (Date.now() - start > timeoutMs)
          throw new Error(`no matching update within ${timeoutMs} ms; state ${JSON.stringify(model.state)}`);
        await sleep(25);
      }
    } finally {
      model.updated.disconnect(on);
    }
    return model.lastUpdate!;
  }

  test("with no notebook the model says so and holds no comm", () => {
    const model = new SidebarModel();
    model.setSessionContext(null);
    assert.equal(model.state.kind, "no-notebook");
    model.dispose();
  });

  test("connects even when JupyterLab's kernel info never settles (as after a restart in the kernel's first seconds)", async () => {
    // The real connection, with only its `info` promise stuck: the model must ask the kernel itself.
    const stuck = new Proxy(threadlab, {
      get: (t, p) => (p === "info" ? new Promise(() => {}) : Reflect.get(t, p, t)),
    });
    const model = new SidebarModel({ rate: 4 });
    model.setSessionContext(new TestSessionContext(stuck, "TypeScript (threadlab)"), "stuck.ipynb");
    assert.equal(model.state.kind, "connecting");
    await until(model, "connected", (s) => s.kind === "connected", 20000);
    model.dispose();
  });

  test("attaches to a threadlab kernel: hello, then updates at the set rate", async () => {
    const model = new SidebarModel({ rate: 10 });
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    assert.equal(model.hello?.versions.protocol, PROTOCOL_VERSION);
    const s = await updateAfter(model);
    assert.ok(s.cpus.n >= 1);
    await sleep(1000);
    assert.ok(model.lastUpdate!.seq >= 6, `expected ~10 updates in 1 s at 10 Hz, got seq ${model.lastUpdate!.seq}`);
    assert.equal(model.protocolErrors.count, 0);
    model.dispose();
  });

  test("a hidden panel receives no updates; showing it resumes them", async () => {
    const model = new SidebarModel({ rate: 10 });
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    await updateAfter(model);
    model.setVisible(false);
    await sleep(200);
    const seq = model.lastUpdate!.seq;
    await sleep(600);
    assert.equal(model.lastUpdate!.seq, seq, "updates kept coming while hidden");
    model.setVisible(true);
    await updateAfter(model, (m) => m.lastUpdate!.seq > seq);
    model.dispose();
  });

  test("controls: an invalid request is an error kept for its control; a valid one is obeyed", async () => {
    const model = new SidebarModel({ rate: 10 });
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    const bad = await model.setLimit({ api: "cuda" }, 2);
    assert.equal(bad.type, "error");
    assert.equal(model.control("limit:cuda")?.error?.field, "api");
    const ok = await model.setWorkers(3);
    assert.equal(ok.type, "ack", JSON.stringify(ok));
    assert.equal(model.control("workers")?.error, undefined);
    const s = await updateAfter(model, (m) => m.lastUpdate!.config.workers.n === 3);
    assert.equal(s.config.workers.src, "sidebar");
    assert.equal((await model.reset()).type, "ack");
    await updateAfter(model, (m) => m.lastUpdate!.config.workers.src !== "sidebar");
    model.dispose();
  });

  test("a comm closed by the kernel is re-opened", async () => {
    const model = new SidebarModel({ rate: 4 });
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    // Recorded from a signal, not polled: the model may pass through "disconnected" and re-attach within
    // a few milliseconds, faster than a poll would see.
    const seen: string[] = [];
    const record = (_: unknown, st: ConnectionState) => void seen.push(st.kind);
    model.stateChanged.connect(record);
    try {
      // The kernel's diagnostic comm target closes the kernel side of the sidebar's comm.
      const echo = threadlab.createComm("threadlab.echo");
      await echo.open({}).done;
      await echo.send({ close: "threadlab" }).done;
      const deadline = Date.now() + 5000;
      while (!seen.includes("disconnected") && Date.now() < deadline) await sleep(25);
      assert.ok(seen.includes("disconnected"), `the model never reported the closed comm; states: ${seen.join(", ")}`);
      await until(model, "connected again", (s) => s.kind === "connected", 10000);
      await updateAfter(model);
    } finally {
      model.stateChanged.disconnect(record);
      model.dispose();
    }
  });

  test("a malformed message from the kernel is dropped and counted, not shown", async () => {
    const model = new SidebarModel({ rate: 1 });
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    // The kernel's diagnostic comm target sends a malformed message on the sidebar's comm.
    const echo = threadlab.createComm("threadlab.echo");
    await echo.open({}).done;
    await echo.send({ sendTo: "threadlab", data: { v: PROTOCOL_VERSION, type: "update", cpus: "many" } }).done;
    const deadline = Date.now() + 5000;
    while (model.protocolErrors.count === 0 && Date.now() < deadline) await sleep(25);
    assert.ok(model.protocolErrors.count >= 1);
    assert.match(model.protocolErrors.last ?? "", /update/);
    assert.equal(model.state.kind, "connected");
    model.dispose();
  });

  test("a kernel restart shows 'restarting' and re-attaches afterwards", async () => {
    const model = new SidebarModel({ rate: 10 });
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    await updateAfter(model);
    const states: string[] = [];
    model.stateChanged.connect((_, s) => states.push(s.kind === "starting" && s.restarting ? "restarting" : s.kind));
    await threadlab.restart();
    await until(model, "connected after restart", (s) => s.kind === "connected" && states.length > 0, 60000);
    assert.ok(states.includes("restarting") || states.includes("starting"), `states: ${states.join(" → ")}`);
    const s = await updateAfter(model, () => true, 20000);
    assert.equal(s.seq >= 1, true);
    model.dispose();
  });

  test("switching to another kernel explains that it is not threadlab, and back re-attaches", async () => {
    const model = new SidebarModel();
    const ctx = new TestSessionContext(threadlab, "TypeScript (threadlab)");
    model.setSessionContext(ctx, "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    const specs = (await manager.serverSettings
      .fetch(`${manager.serverSettings.baseUrl}api/kernelspecs?token=${manager.serverSettings.token}`)
      .then((r) => r.json())) as { kernelspecs: Record<string, unknown> };
    if (!specs.kernelspecs.python3) {
      model.dispose();
      return;
    }
    const python = await manager.startNew({ name: "python3" });
    ctx.changeKernel(python, "Python 3 (ipykernel)");
    const s = await until(model, "not-threadlab", (x) => x.kind === "not-threadlab");
    assert.equal(s.kind === "not-threadlab" && s.displayName, "Python 3 (ipykernel)");
    assert.equal(s.kind === "not-threadlab" && s.implementation, "ipython");
    ctx.changeKernel(threadlab, "TypeScript (threadlab)");
    await until(model, "connected again", (x) => x.kind === "connected");
    await python.shutdown();
    model.dispose();
  });

  test("closing the notebook detaches: the kernel has no sidebar comm left", async () => {
    const model = new SidebarModel();
    model.setSessionContext(new TestSessionContext(threadlab, "TypeScript (threadlab)"), "a.ipynb");
    await until(model, "connected", (s) => s.kind === "connected");
    const ids = async () =>
      Object.keys(
        ((await threadlab.requestCommInfo({ target_name: "threadlab" })).content as { comms?: object }).comms ?? {},
      );
    const before = await ids();
    model.setSessionContext(null);
    assert.equal(model.state.kind, "no-notebook");
    await sleep(300);
    const after = await ids();
    assert.equal(before.length - after.length, 1, `comms before ${before.join(",")}, after ${after.join(",")}`);
    assert.deepEqual(after, [], "an earlier model left a comm open");
    model.dispose();
  });
});
