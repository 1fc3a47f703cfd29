/**
 * Environment for child processes spawned from cells, after joblib: each native library's `*_NUM_THREADS`
 * set to the limit a pool worker would get, so a child does not start one thread per CPU on top of ours.
 * Variables the user already set are never overwritten — an explicit choice beats our default.
 *
 * @module
 */
import { winningEntry } from "./limit-state";
import { backendLimitsForWorkers } from "./limits";

/** Each variable, and the pool it stands for (matched against limits like a controller would be). */
export const CHILD_THREAD_VARS: Readonly<Record<string, { userApi: string; internalApi: string; prefix: string }>> = {
  OMP_NUM_THREADS: { userApi: "openmp", internalApi: "openmp", prefix: "libgomp" },
  OPENBLAS_NUM_THREADS: { userApi: "blas", internalApi: "openblas", prefix: "libopenblas" },
  MKL_NUM_THREADS: { userApi: "blas", internalApi: "mkl", prefix: "libmkl_rt" },
  BLIS_NUM_THREADS: { userApi: "blas", internalApi: "blis", prefix: "libblis" },
  VECLIB_MAXIMUM_THREADS: { userApi: "blas", internalApi: "veclib", prefix: "libBLAS" },
  NUMEXPR_NUM_THREADS: { userApi: "numexpr", internalApi: "numexpr", prefix: "numexpr" },
  NUMBA_NUM_THREADS: { userApi: "numba", internalApi: "numba", prefix: "numba" },
  // Polars in a child (nodejs-polars, or Python's polars) sizes its one pool from this at first use.
  POLARS_MAX_THREADS: { userApi: "polars", internalApi: "rayon", prefix: "nodejs-polars" },
};

/**
 * A copy of `base` with the thread-count variables a child should get added. Values come from the active
 * limits (`blas=1` gives `OPENBLAS_NUM_THREADS=1`…) or else the per-worker backend default.
 *
 * @example
 * ```ts
 * spawn("python", ["train.py"], { env: threadpool.childEnv() });
 * ```
 */
export function childEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { entries } = backendLimitsForWorkers();
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [name, pool] of Object.entries(CHILD_THREAD_VARS)) {
    if (base[name] !== undefined) continue;
    const win = winningEntry({ id: name, ...pool }, entries);
    if (win) env[name] = String(win.threads);
  }
  return env;
}
