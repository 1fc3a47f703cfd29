import path = require("node:path");
import util = require("node:util");
import { Worker } from "node:worker_threads";
import { shipFunction, type ShipEnvironment } from "../../kernel/ship/analyze";
import type { ShippedFunction } from "../../kernel/ship/types";
import { createConverter } from "../../kernel/execution/converter/converter";

/**
 * A real notebook in-process (threadlab's converter under tslab's executor, as the kernel builds them), and a
 * real worker thread to run what it ships. One converter per test file: its warm-up takes seconds.
 */

// Deep import: tslab has no types for its dist modules.

const { createExecutor } = require("tslab/dist/executor") as {
  createExecutor(
    rootDir: string,
    convs: { node: unknown; browser: unknown; close(): void },
    console: { log(...a: unknown[]): void; error(...a: unknown[]): void },
  ): { execute(src: string): Promise<boolean>; locals: Record<string, unknown>; close(): void };
};

export const NOTEBOOK_DIR = path.resolve(__dirname, "../../..");

let converter: { close(): void } | undefined;

function sharedConverter(): { close(): void } {
  converter ??= createConverter({ isJS: false, isBrowser: false });
  return converter;
}

export function closeConverter(): void {
  converter?.close();
  converter = undefined;
}

export interface Notebook {
  /** Runs cells in order; throws with tslab's diagnostics when one fails. */
  run(...cells: string[]): Promise<void>;
  readonly locals: Record<string, unknown>;
  execute(source: string): Promise<boolean>;
  ship(name: string, env?: Partial<ShipEnvironment>): ShippedFunction;
}

/** A fresh notebook (its own names) over the shared converter. */
export function createNotebook(): Notebook {
  const conv = sharedConverter();
  const errors: string[] = [];
  const executor = createExecutor(
    NOTEBOOK_DIR,
    { node: conv, browser: conv, close: () => undefined },
    {
      log: () => undefined,
      error: (...a: unknown[]) => errors.push(util.format(...a)),
    },
  );
  return {
    locals: executor.locals,
    execute: (source) => executor.execute(source),
    async run(...cells) {
      for (const cell of cells) {
        errors.length = 0;
        if (!(await executor.execute(cell))) throw new Error(`cell failed: ${cell}\n${errors.join("\n")}`);
      }
    },
    ship(name, env = {}) {
      return shipFunction(executor.locals[name] as Function, {
        locals: executor.locals,
        resolveDir: NOTEBOOK_DIR,
        ...env,
      });
    },
  };
}

export type WorkerOutcome = { ok: true; results: unknown[] } | { ok: false; message: string; stack: string };

/** Runs a shipped function over items in a fresh worker thread, as `fn(item, model, index)`. */
export function runInWorker(
  shipped: ShippedFunction,
  items: unknown[],
  options: { models?: Record<string, unknown>; model?: string } = {},
): Promise<WorkerOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, "fixtures", "run-shipped.js"), {
      workerData: { shipped, items, ...options },
    });
    worker.once("message", (m: WorkerOutcome) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`test worker exited with ${code} before answering`)));
  });
}

/** Results from the worker; fails the test with the worker's stack when the function threw there. */
export async function resultsInWorker(
  shipped: ShippedFunction,
  items: unknown[],
  options: { models?: Record<string, unknown>; model?: string } = {},
): Promise<unknown[]> {
  const outcome = await runInWorker(shipped, items, options);
  if (!outcome.ok) throw new Error(`worker failed: ${outcome.stack}`);
  return outcome.results;
}

/** The same function run in the kernel, item by item, for comparison. */
export async function resultsInKernel(fn: unknown, items: unknown[], model?: unknown): Promise<unknown[]> {
  const results: unknown[] = [];
  for (let i = 0; i < items.length; i++) results.push(await (fn as Function)(items[i], model, i));
  return results;
}
