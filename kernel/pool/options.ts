/** The worker pool's own options and tunables; the options of a map are kernel/map/options.ts. */
import os from "node:os";
import { MAP_TUNING, MapOptionError } from "../map";
import type { ChunkLog } from "../timeline";

export interface WorkerSetup {
  /** Absolute path or package name, required in each worker; its `applyBackendLimits(data)` is called if present. */
  module: string;
  data?: unknown;
}

export interface PoolOptions {
  /** Number of workers. Default: os.availableParallelism(). */
  size?: number;
  /** V8 old-generation limit per worker in MB (`resourceLimits`; ArrayBuffers are not counted). */
  maxHeapMB?: number;
  workerSetup?: WorkerSetup;
  /**
   * Worker console output, tagged with the map that printed it, so the kernel can route it to the cell that ran
   * the map and drop output of cancelled maps. Output of finished or cancelled maps is dropped before this.
   * Default: written to this process's stdout / stderr.
   */
  onOutput?: (mapId: number, stream: "stdout" | "stderr", text: string) => void;
  /** Where finished chunks are logged: the notebook's one log, which its cluster maps share. Default: the pool's own. */
  chunkLog?: ChunkLog;
}

/** Tunables that are not user options; measured trade-offs, kept together (those of every map: MAP_TUNING). */
export const POOL_TUNING = {
  ...MAP_TUNING,
  /** Chunks in flight per worker: 2 hides the round trip without starving other workers. */
  inFlightPerWorker: 2,
  /** How long cancelled work may run on before its worker is terminated and replaced. */
  cancelGraceMs: 200,
  /** Consecutive workers dying before "ready" after which respawning stops. */
  maxStartFailures: 3,
  /**
   * Stats slots in shared memory; the pool cannot hold more workers at once. The one owner of the pool-size
   * ceiling: the magic, the API, the sidebar and the `hello` message all read it here.
   */
  maxWorkers: 256,
} as const;

export function defaultPoolSize(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1;

/** The pool size's one rule: a whole number from 1 to the ceiling. Throws MapOptionError("size"). */
export function checkPoolSize(n: number): number {
  if (!(isCount(n) && n <= POOL_TUNING.maxWorkers))
    throw new MapOptionError("size", `a whole number from 1 to ${POOL_TUNING.maxWorkers}`, n);
  return n;
}
