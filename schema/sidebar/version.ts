/** The sidebar protocol's version, its history, and the bounds both sides check. */
// 2: chunk records for the task timeline (pool.c, running-chunk time in worker tuples, timeline "chunks");
//    updates leave out unchanged slow parts.
// 3: the kernel's state message is "update" (was "snapshot"); maps carry how they ended (`end`), and `over`
//    the backend threads per worker it counted (`backend`); set_workers' `n` has no bound of its own.
//    (Still 3:) an optional `cluster` part; an older panel ignores it, an older kernel never sends it.
// 4: the timeline's chunks moved from `pool.c` to the update's `c` (a cluster map's chunks arrive without a local
//    pool), a chunk tuple may name its cluster node (a 9th field), and `legend` names those nodes and maps.
// 5: a cluster chunk tuple may have a tenth field (a re-run), which a v4 panel's validation rejects; and an
//    optional `r`, the cluster's running batches.
// 6: a worker tuple may have an eighth and ninth field (CPU % and heap MiB, null where the kernel's Node has
//    no per-worker figures), which a v5 panel's validation rejects.
// 7: the update's thread-pool controllers are `threadpools` (were `pools`, one letter from `pool`, the
//    %parallel worker pool); a v6 panel would find no `pools` and fail to validate the update.
// 8: `legend.maps` names every map the update's tuples refer to, local ones too (a local bar took its name from
//    `pool.maps`, which drops a map once another ends after it); a v7 panel would leave those bars unnamed.
export const PROTOCOL_VERSION = 8 as const;
export const COMM_TARGET = "threadlab";

/** Update rates in Hz. Requests above `maxHz` (up to `acceptedMaxHz`) are clamped; more is an error. */
export const RATE = { defaultHz: 4, maxHz: 10, minHz: 0.2, acceptedMaxHz: 100 } as const;
/**
 * Schema bounds. The pool's size has none here: its ceiling belongs to the pool (POOL_TUNING.maxWorkers), which
 * the kernel checks and reports in `hello`.
 */
export const LIMITS = { maxThreads: 4096, idLength: 64, selectorLength: 256 } as const;
