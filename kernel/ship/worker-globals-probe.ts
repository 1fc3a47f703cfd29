import { type MessagePort, workerData } from "node:worker_threads";

/**
 * Started as a file (not `eval: true`) by worker-globals.ts: an eval worker would also see `require`,
 * `module`, `exports`, `__filename` and `__dirname` as globals, which a pool worker does not.
 */
const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
const names = new Set<string>();
for (let o: object | null = globalThis; o; o = Object.getPrototypeOf(o)) {
  for (const n of Object.getOwnPropertyNames(o)) names.add(n);
}
port.postMessage([...names]);
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
