/**
 * The pools Node itself runs: libuv's thread pool (fs, dns, crypto, zlib and addons' async work) and V8's
 * platform threads (GC and compilation helpers). Both are sized once at startup, so their controllers are
 * read-only and report the number Node's own rules give.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import {
  controllerInfoBase,
  readOnlyError,
  type ControllerInfo,
  type ControllerProvider,
  type ThreadpoolController,
} from "../controller";

/**
 * libuv's pool size for a `UV_THREADPOOL_SIZE` value, reproducing `init_threads()` in libuv's threadpool.c:
 * unset → 4; otherwise `atoi(value)` stored in an unsigned int, 0 → 1, above 1024 → 1024. So "abc" and ""
 * give 1, "3x" gives 3, and a negative number wraps around and gives 1024 (measured on Node 20).
 */
export function libuvThreadpoolSize(value: string | undefined): number {
  if (value === undefined) return 4;
  const m = /^\s*([+-]?\d+)/.exec(value);
  let n = m ? Number.parseInt(m[1], 10) : 0;
  if (n < 0) n = 1024;
  if (n === 0) n = 1;
  return Math.min(n, 1024);
}

// libuv reads the variable at the first use of its pool, which in a kernel happens during startup; the
// value seen when this module is first loaded is the closest observable stand-in.
const uvAtLoad = process.env.UV_THREADPOOL_SIZE;

export class LibuvController implements ThreadpoolController {
  readonly id = "libuv";
  readonly userApi = "libuv";
  readonly internalApi = "libuv";
  readonly prefix = "libuv";
  readonly startupEnv = ["UV_THREADPOOL_SIZE"] as const;
  readonly scope = "startup" as const;
  readonly settable = false;

  constructor(private readonly value: string | undefined = uvAtLoad) {}

  get(): number {
    return libuvThreadpoolSize(this.value);
  }

  set(): void {
    throw readOnlyError(this.id, "libuv sizes its pool once; set UV_THREADPOOL_SIZE before starting the kernel.");
  }

  info(): ControllerInfo {
    return {
      ...controllerInfoBase(this),
      version: process.versions.uv,
      notes: [`UV_THREADPOOL_SIZE=${this.value ?? "(unset)"}; process-wide, fixed at first use`],
    };
  }
}

/** The value of `--v8-pool-size` in a list of Node options, if present (last one wins, as in Node). */
export function v8PoolSizeOption(args: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let raw: string | undefined;
    if (a.startsWith("--v8-pool-size=")) raw = a.slice("--v8-pool-size=".length);
    else if (a === "--v8-pool-size") raw = args[++i];
    if (raw !== undefined && /^-?\d+$/.test(raw.trim())) found = Number.parseInt(raw, 10);
  }
  return found;
}

/**
 * V8 platform worker threads: `--v8-pool-size` (default 4); below 1 Node uses available parallelism − 1,
 * and at least 1 (NodePlatform's constructor). NODE_OPTIONS is parsed before the command line, so a value
 * on the command line wins.
 */
export function v8PlatformThreads(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  parallelism = availableParallelism(),
): { threads: number; option: number | undefined } {
  const fromEnv = v8PoolSizeOption((nodeOptions ?? "").split(/\s+/).filter(Boolean));
  const option = v8PoolSizeOption(execArgv) ?? fromEnv;
  let threads = option ?? 4;
  if (threads < 1) threads = Math.max(parallelism - 1, 1);
  return { threads, option };
}

export class V8PlatformController implements ThreadpoolController {
  readonly id = "v8";
  readonly userApi = "v8";
  readonly internalApi = "v8-platform";
  readonly prefix = "v8";
  readonly scope = "startup" as const;
  readonly settable = false;

  get(): number {
    return v8PlatformThreads(process.execArgv, process.env.NODE_OPTIONS).threads;
  }

  set(): void {
    throw readOnlyError(this.id, "V8's platform threads are started with Node; pass --v8-pool-size=N to node.");
  }

  info(): ControllerInfo {
    const { option } = v8PlatformThreads(process.execArgv, process.env.NODE_OPTIONS);
    return {
      ...controllerInfoBase(this),
      version: process.versions.v8,
      notes: [option === undefined ? "--v8-pool-size not given (Node's default 4)" : `--v8-pool-size=${option}`],
    };
  }
}

export const libuvProvider: ControllerProvider = { name: "libuv", detect: () => [new LibuvController()] };
export const v8Provider: ControllerProvider = { name: "v8", detect: () => [new V8PlatformController()] };
