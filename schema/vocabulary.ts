/**
 * Words the kernel and the sidebar share, defined once: the states a pool worker can be in and where a
 * setting came from. Plain constants with no dependencies, so kernel modules that run in every pool worker
 * (kernel/pool/stats.ts) can import them without loading the message schemas.
 *
 * @module
 */

/**
 * A worker's lifecycle as the pool writes it into shared memory; a state's index in this list is the number
 * stored, so new states go at the end.
 */
export const WORKER_LIFECYCLE = ["free", "starting", "ready", "retiring", "stopping"] as const;
export type WorkerLifecycle = (typeof WORKER_LIFECYCLE)[number];

/** What the sidebar shows for a worker: its lifecycle, or `busy` while a `ready` worker runs a chunk. */
export const WORKER_STATES = [...WORKER_LIFECYCLE, "busy"] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

/**
 * Where a setting or limit came from, lowest precedence first (kernel/threadpool/config.ts ranks them:
 * cell > api | magic | sidebar > env > default).
 */
export const CONFIG_SOURCES = ["default", "env", "api", "magic", "sidebar", "cell"] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];
