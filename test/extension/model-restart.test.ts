/**
 * The sidebar model's ordering around a kernel restart, without a server: a fake kernel connection implements
 * the small structural interface the model uses (extension/src/jupyterlab.ts) and lets the test deliver status
 * events in the order a real restart interleaves them. model.test.ts checks the same against real kernels;
 * here each step can be asserted in turn.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Signal } from "@lumino/signaling";
import type { CommLike, KernelLike, SessionContextLike } from "../../extension/src/jupyterlab";
import { SidebarModel } from "../../extension/src/model";
import { PROTOCOL_VERSION as V } from "../../schema/sidebar";
import { sampleHello, sampleUpdate } from "./sample-messages";

class FakeComm implements CommLike {
  isDisposed = false;
  opened = false;
  closed = false;
  readonly sent: Array<Record<string, unknown>> = [];
  constructor(readonly commId: string) {}
  onMsg(_msg: { content: { data: unknown } }): void {}
  onClose(_msg: { content: { data: unknown } }): void {}
  open(): void {
    this.opened = true;
  }
  send(data: never): void {
    if (this.isDisposed) throw new Error("comm disposed");
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
    this.isDisposed = true;
  }
  dispose(): void {
    this.isDisposed = true;
  }
  /** The kernel sends `data` on this comm. */
  deliver(data: unknown): void {
    void this.onMsg({ content: { data } });
  }
}

class FakeKernel implements KernelLike {
  readonly id = "k1";
  readonly name = "threadlab";
  status = "idle";
  connectionStatus = "connected";
  isDisposed = false;
  info: PromiseLike<{ implementation: string }> = Promise.resolve({ implementation: "threadlab" });
  readonly comms: FakeComm[] = [];
  readonly statusChanged = new Signal<this, string>(this);
  readonly connectionStatusChanged = new Signal<this, string>(this);
  readonly disposed = new Signal<this, void>(this);
  createComm(): FakeComm {
    const c = new FakeComm(`comm-${this.comms.length + 1}`);
    this.comms.push(c);
    return c;
  }
  setStatus(s: string): void {
    this.status = s;
    this.statusChanged.emit(s);
  }
  setConnection(s: string): void {
    this.connectionStatus = s;
    this.connectionStatusChanged.emit(s);
  }
}

class FakeSessionContext implements SessionContextLike {
  readonly kernelDisplayName = "TypeScript (threadlab)";
  readonly isDisposed = false;
  readonly kernelChanged = new Signal<this, unknown>(this);
  readonly statusChanged = new Signal<this, string>(this);
  readonly disposed = new Signal<this, void>(this);
  constructor(readonly kernel: FakeKernel) {}
  get session() {
    return { kernel: this.kernel };
  }
}

const hello = sampleHello();
const update = (seq: number) => sampleUpdate({ seq, t: 1000 * seq });

/** The model's state now (a function, so TypeScript does not narrow it across the events a test delivers). */
const kind = (model: SidebarModel): string => model.state.kind;
const seq = (model: SidebarModel): number | undefined => model.lastUpdate?.seq;

/** Lets the model's promise steps (kernel info) run. */
const settle = () => new Promise((r) => setImmediate(r));

// Long enough never to fire during a test: the ordering here comes from the events alone.
const QUIET = { newProcessMs: 60_000, startingCheckMs: 60_000, helloMs: 60_000, retryMs: 60_000 };

async function connected(kernel: FakeKernel, timeouts = QUIET): Promise<{ model: SidebarModel; comm: FakeComm }> {
  const model = new SidebarModel({ rate: 4, timeouts });
  model.setSessionContext(new FakeSessionContext(kernel), "a.ipynb");
  assert.equal(kind(model), "connecting");
  await settle();
  const comm = kernel.comms.at(-1)!;
  assert.ok(comm?.opened, "the comm is opened once the kernel says it is threadlab");
  comm.deliver(hello);
  assert.equal(kind(model), "connected");
  assert.deepEqual(
    comm.sent.map((m) => m.type),
    ["subscribe"],
    "subscribes as soon as hello arrives",
  );
  comm.deliver(update(1));
  assert.equal(seq(model), 1);
  return { model, comm };
}

test("a restart: the old process's last idle opens nothing; the new process gets a new comm and a subscribe", async () => {
  const kernel = new FakeKernel();
  const { model, comm: old } = await connected(kernel);
  const pending = model.setWorkers(3);
  assert.equal(model.control("workers")?.pending, true);

  const sentBefore = old.sent.length;
  kernel.setStatus("restarting");
  assert.deepEqual(model.state, { kind: "starting", label: "a.ipynb", restarting: true });
  const answer = await pending;
  assert.equal(answer.type, "error");
  assert.match(answer.type === "error" ? answer.message : "", /restarting/);
  assert.equal(model.lastUpdate, null, "what the panel held belonged to the old process");
  assert.equal(model.recent.span, null);
  assert.ok(old.isDisposed && !old.closed, "the old comm is dropped without a comm_close to a dying process");

  // The old process's last status arrives after `restarting`: a comm opened now would reach the new process
  // behind the model's back, so nothing may be opened.
  kernel.setStatus("idle");
  await settle();
  assert.equal(kernel.comms.length, 1, "no comm opened on the old process's idle");
  assert.equal(kind(model), "starting");

  // The new process: starting, then idle.
  kernel.setStatus("starting");
  await settle();
  assert.equal(kernel.comms.length, 1);
  kernel.setStatus("idle");
  assert.equal(kind(model), "connecting");
  await settle();
  assert.equal(kernel.comms.length, 2, "one new comm for the new process");
  const fresh = kernel.comms[1];
  assert.ok(fresh.opened);

  // Something arriving late on the old comm is ignored.
  old.deliver(update(7));
  assert.equal(model.lastUpdate, null);

  fresh.deliver(hello);
  assert.equal(kind(model), "connected");
  assert.deepEqual(
    fresh.sent.map((m) => m.type),
    ["subscribe"],
  );
  assert.equal(old.sent.length, sentBefore, "nothing more was sent to the old comm");
  fresh.deliver(update(2));
  assert.equal(seq(model), 2);
  model.dispose();
});

test("a restart whose new process gives no sign: the model attaches to the idle kernel after the named wait", async () => {
  const kernel = new FakeKernel();
  const { model } = await connected(kernel, { ...QUIET, newProcessMs: 80 });
  kernel.setStatus("restarting");
  kernel.setStatus("idle");
  await settle();
  assert.equal(kernel.comms.length, 1, "not before the wait");
  await new Promise((r) => setTimeout(r, 150));
  await settle();
  assert.equal(kernel.comms.length, 2, "attached once the wait for a sign of the new process ran out");
  kernel.comms[1].deliver(hello);
  assert.equal(kind(model), "connected");
  model.dispose();
});

test("a lost connection fails pending requests and reconnects when JupyterLab does", async () => {
  const kernel = new FakeKernel();
  const { model } = await connected(kernel);
  const pending = model.reset();
  kernel.setConnection("connecting");
  assert.equal(kind(model), "disconnected");
  const answer = await pending;
  assert.match(answer.type === "error" ? answer.message : "", /Lost the connection/);
  kernel.setConnection("connected");
  await settle();
  assert.equal(kernel.comms.length, 2);
  kernel.comms[1].deliver(hello);
  assert.equal(kind(model), "connected");
  // Reconnecting to the same process keeps what the panel held.
  assert.equal(seq(model), 1);
  model.dispose();
});

test("a request no one answers times out into an error for its control", async () => {
  const kernel = new FakeKernel();
  const model = new SidebarModel({ timeouts: QUIET, requestTimeoutMs: 50 });
  model.setSessionContext(new FakeSessionContext(kernel), "a.ipynb");
  await settle();
  kernel.comms[0].deliver(hello);
  const answer = await model.setLimit({ api: "blas" }, 1);
  assert.equal(answer.type, "error");
  assert.equal(model.control("limit:blas")?.error?.message, answer.type === "error" ? answer.message : "");
  assert.deepEqual(kernel.comms[0].sent.at(-1), { type: "set_limit", api: "blas", value: 1, v: V, id: "limit:blas#1" });
  model.dispose();
});
