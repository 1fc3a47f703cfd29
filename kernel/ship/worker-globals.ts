import fs = require("node:fs");
import path = require("node:path");
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";

/**
 * The names a fresh worker thread sees as globals. Asked of a real worker rather than listed by hand or
 * read from the kernel's own global object: notebook cells may have added kernel-only globals
 * (`globalThis.x = …`), and a worker's globals differ slightly from the main thread's.
 */

let cached: ReadonlySet<string> | undefined;

const PROBE_FILE = path.join(__dirname, "worker-globals-probe.js");
/** What an `eval: true` worker has on top of a file worker's globals (CommonJS wrapper names). */
const EVAL_ONLY = ["require", "module", "exports", "__filename", "__dirname"];
const PROBE_SOURCE = `
const { workerData } = require("node:worker_threads");
const names = new Set();
for (let o = globalThis; o; o = Object.getPrototypeOf(o)) for (const n of Object.getOwnPropertyNames(o)) names.add(n);
workerData.port.postMessage([...names]);
Atomics.store(workerData.flag, 0, 1);
Atomics.notify(workerData.flag, 0);
`;

/** Global names of a worker thread, probed once per process (about 40 ms, synchronously). */
export function workerGlobalNames(): ReadonlySet<string> {
  if (!cached) cached = probeWorker() ?? mainThreadGlobals();
  return cached;
}

function probeWorker(): Set<string> | undefined {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | undefined;
  try {
    const fromFile = fs.existsSync(PROBE_FILE);
    const options = { workerData: { port: port2, flag }, transferList: [port2] };
    worker = fromFile ? new Worker(PROBE_FILE, options) : new Worker(PROBE_SOURCE, { ...options, eval: true });
    worker.unref();
    // shipFunction is synchronous; blocking here once costs a worker start-up, not a whole event-loop turn.
    Atomics.wait(flag, 0, 0, 10_000);
    const received = receiveMessageOnPort(port1);
    if (!received) return undefined;
    const names = new Set(received.message as string[]);
    if (!fromFile) for (const n of EVAL_ONLY) names.delete(n);
    return names;
  } catch {
    return undefined;
  } finally {
    port1.close();
    void worker?.terminate();
  }
}

/** Fallback when no worker can start: the kernel's globals, minus what a worker never has. */
function mainThreadGlobals(): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = globalThis; o; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) names.add(n);
  }
  names.delete("__tslab__");
  return names;
}
