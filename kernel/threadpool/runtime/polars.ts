/**
 * Polars (`nodejs-polars`): one rayon pool for the whole process, shared by the kernel thread and every pool
 * worker, sized from `POLARS_MAX_THREADS` (else one thread per CPU) when Polars first computes and fixed
 * afterwards. So it is reported, not set; what threadlab can do is set the variable before the pool starts —
 * for child processes (`childEnv`) and, while Polars has not started here, in this process's own environment
 * (`syncPolarsStartEnv` in polars-env.ts, called whenever limits change or a worker pool appears).
 *
 * Found by its native addon in /proc/self/maps (whichever thread loaded it) or by the package in
 * `require.cache`; its threads are counted by name (`polars-0`, `polars-1`, … in /proc/self/task) once started.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import {
  controllerInfoBase,
  readOnlyError,
  type ControllerInfo,
  type ControllerProvider,
  type ThreadpoolController,
} from "../controller";
import { loadedModule } from "./packages";

export const POLARS_ENV = "POLARS_MAX_THREADS";
const API_PATH = /[\\/]nodejs-polars[\\/]bin[\\/]index\.js$/;
const NATIVE_FILE = /[\\/]nodejs-polars[^\\/]*\.node$/;
const THREAD_NAME = /^polars-\d+$/;

/** How the selectors of a limit see Polars (also when it is not loaded yet). */
export const POLARS_SELECTABLE = { id: "polars", userApi: "polars", internalApi: "rayon", prefix: "nodejs-polars" };

/** Threads of this process named like Polars' pool workers; 0 before the pool starts or off Linux. */
export function runningPolarsThreads(taskDir = "/proc/self/task"): number {
  let n = 0;
  try {
    for (const t of readdirSync(taskDir)) {
      try {
        if (THREAD_NAME.test(readFileSync(`${taskDir}/${t}/comm`, "utf8").trim())) n++;
      } catch {
        // The thread exited between the listing and the read.
      }
    }
  } catch {
    return 0;
  }
  return n;
}

/**
 * The pool size Polars will start with given `env`: a positive integer, else Rust's
 * `available_parallelism()` — affinity, which `os.availableParallelism()` also reads (Rust also honours a
 * cgroup quota; cpus.ts is not imported here to keep runtime/ below the folder that loads it).
 */
export function polarsStartThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env[POLARS_ENV]);
  return Number.isInteger(v) && v > 0 ? v : availableParallelism();
}

export class PolarsController implements ThreadpoolController {
  readonly id = POLARS_SELECTABLE.id;
  readonly userApi = POLARS_SELECTABLE.userApi;
  readonly internalApi = POLARS_SELECTABLE.internalApi;
  readonly prefix = POLARS_SELECTABLE.prefix;
  readonly scope = "startup" as const;
  readonly settable = false;
  readonly startupEnv = [POLARS_ENV] as const;

  constructor(
    private readonly api: { version?: unknown } | undefined,
    readonly filepath?: string,
  ) {}

  get(): number {
    return runningPolarsThreads() || polarsStartThreads();
  }

  set(): void {
    throw readOnlyError(this.id, `Polars sizes its pool from ${POLARS_ENV} once, when it first computes`);
  }

  info(): ControllerInfo {
    const running = runningPolarsThreads();
    const version = typeof this.api?.version === "string" ? this.api.version : null;
    return {
      ...controllerInfoBase(this),
      version,
      ...(this.filepath ? { filepath: this.filepath } : {}),
      notes: [
        running
          ? `process-wide pool of ${running} threads, fixed when it started (${POLARS_ENV} before the kernel starts changes it)`
          : `pool not started yet: it will start with ${polarsStartThreads()} threads (${POLARS_ENV}=` +
            `${process.env[POLARS_ENV] ?? "unset"})`,
      ],
    };
  }

  envVarsForChildren(threads: number): Record<string, string> {
    return { [POLARS_ENV]: String(threads) };
  }
}

export const polarsProvider: ControllerProvider = {
  name: "polars",
  detect(context) {
    const api = loadedModule(API_PATH) as { version?: unknown } | undefined;
    const file = context.mappedLibraries.find((p) => NATIVE_FILE.test(p));
    return api || file ? [new PolarsController(api, file)] : [];
  },
};
