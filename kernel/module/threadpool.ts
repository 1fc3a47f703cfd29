/**
 * `threadpool` as the `threadlab` module exports it: threadpoolctl's few verbs. The rest of the thread-pool
 * code (controllers, precedence, worker-side limits) stays internal (kernel/threadpool; the package's `exports` keeps users out of it).
 *
 * @example
 * ```ts
 * import { threadpool } from "threadlab";
 * threadpool.info();                                  // every pool, like threadpool_info()
 * using _ = threadpool.limits({ blas: 1 });           // restored at the end of the block
 * await threadpool.withLimits(1, async () => work()); // restored even if work() throws
 * ```
 *
 * @module
 */
export { info, limits, withLimits, register, config, doctor, childEnv, settled } from "../threadpool";
export type {
  ControllerInfo,
  ControllerProvider,
  LimitSpec,
  ThreadpoolLimits,
  ParallelConfig,
  DoctorReport,
} from "../threadpool";
