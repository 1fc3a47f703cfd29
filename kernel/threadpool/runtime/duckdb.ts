/**
 * DuckDB (`@duckdb/node-api`): `threads` is a setting of each database instance, default one per CPU. Every
 * thread that opens instances (the kernel, each pool worker) has its own copy of the module and so its own
 * instances; this controller reaches the ones of the calling thread.
 *
 * Finding live instances: DuckDB keeps no list of open databases, so the module's `DuckDBInstance.create`
 * and `fromCache` are wrapped the moment the notebook requires it (`module-hooks.ts`) and every instance they
 * return is remembered by a WeakRef — held weakly so that a database the notebook drops is still closed by
 * DuckDB's finalizer, and not kept open (a file database would keep its lock) by us. A limit is a
 * `SET threads = N` on each live instance; instances created while a limit is in force get it before
 * `create()` resolves, unless the caller passed `threads` in the options.
 *
 * DuckDB's API is asynchronous and `set()` is not: changes are queued per instance, and the wrapped
 * `connect()` waits for its instance's queue, so a query on a connection opened after a limit sees it.
 *
 * @module
 */
import {
  controllerInfoBase,
  type ControllerInfo,
  type ControllerProvider,
  type DetectContext,
  type ThreadpoolController,
} from "../controller";
import { loadedModule } from "./packages";
import { watchModule } from "./module-hooks";

type Fn = (...args: unknown[]) => unknown;

interface ReaderLike {
  getRowsJS(): unknown[][];
}
interface ConnectionLike {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<ReaderLike>;
  disconnectSync(): void;
}
interface InstanceLike {
  connect(): Promise<ConnectionLike>;
  closeSync?(): void;
}
interface DuckDBApi {
  DuckDBInstance: { create: Fn; fromCache: Fn; prototype: Record<string, unknown> };
  version?: () => string;
}

interface InstanceState {
  /** Threads as last read or set; null until the first read finishes. */
  threads: number | null;
  /** What the instance had before threadlab changed it, to restore. */
  baseline: number | null;
  /** Set by the caller's options: kept at creation, changed only by an explicit limit. */
  explicit: boolean;
  queue: Promise<void>;
}

/** Every DuckDB instance this thread's copy of the module created, and the limit it should have. */
export class DuckDBInstances {
  private readonly live = new Set<WeakRef<InstanceLike>>();
  private readonly states = new WeakMap<InstanceLike, InstanceState>();
  private readonly connect: (inst: InstanceLike) => Promise<ConnectionLike>;
  /** The limit in force in this thread, null when none. */
  target: number | null = null;
  readonly version: string | null;
  errors: string[] = [];

  constructor(api: DuckDBApi) {
    const cls = api.DuckDBInstance;
    const proto = cls.prototype as { connect: (this: InstanceLike) => Promise<ConnectionLike>; closeSync?: Fn };
    const originalConnect = proto.connect;
    this.connect = (inst) => originalConnect.call(inst);
    this.version = duckdbVersion(api);
    const adopt = (inst: unknown, args: unknown[]) => this.adopt(inst as InstanceLike, args[1]);
    for (const name of ["create", "fromCache"] as const) {
      const original = cls[name];
      cls[name] = async function (this: unknown, ...args: unknown[]) {
        const inst = await original.apply(this, args);
        await adopt(inst, args);
        return inst;
      };
    }
    const states = this.states;
    proto.connect = async function (this: InstanceLike) {
      await states.get(this)?.queue;
      return originalConnect.call(this);
    };
    const originalClose = proto.closeSync;
    if (typeof originalClose === "function") {
      const live = this.live;
      proto.closeSync = function (this: InstanceLike, ...args: unknown[]) {
        for (const ref of live) if (ref.deref() === this) live.delete(ref);
        return originalClose.apply(this, args);
      };
    }
  }

  private async adopt(inst: InstanceLike, options: unknown): Promise<void> {
    if (!inst || typeof inst.connect !== "function" || this.states.has(inst)) return;
    const explicit = !!options && typeof options === "object" && "threads" in (options as object);
    const state: InstanceState = { threads: null, baseline: null, explicit, queue: Promise.resolve() };
    this.states.set(inst, state);
    this.live.add(new WeakRef(inst));
    state.queue = this.run(inst, state, async (c) => {
      state.threads = state.baseline = await readThreads(c);
      if (this.target !== null && !explicit && state.threads !== this.target) {
        await c.run(`SET threads = ${this.target}`);
        state.threads = this.target;
      }
    });
    await state.queue;
  }

  private run(inst: InstanceLike, state: InstanceState, work: (c: ConnectionLike) => Promise<void>): Promise<void> {
    return state.queue.then(async () => {
      let c: ConnectionLike | undefined;
      try {
        c = await this.connect(inst);
      } catch {
        // A closed instance refuses connections: nothing left to limit.
        this.forget(inst);
        return;
      }
      try {
        await work(c);
      } catch (err) {
        // Reported by info(), never thrown: the notebook's own query must not fail over our SET.
        this.errors = [...this.errors.slice(-4), `duckdb: ${(err as Error)?.message ?? err}`];
      } finally {
        try {
          c?.disconnectSync();
        } catch {
          // Already gone with its database.
        }
      }
    });
  }

  private forget(inst: InstanceLike): void {
    for (const ref of this.live) if (ref.deref() === inst) this.live.delete(ref);
  }

  /** The live instances and what each is known to have. */
  instances(): { instance: InstanceLike; state: InstanceState }[] {
    const out: { instance: InstanceLike; state: InstanceState }[] = [];
    for (const ref of this.live) {
      const instance = ref.deref();
      const state = instance && this.states.get(instance);
      if (!instance || !state) this.live.delete(ref);
      else out.push({ instance, state });
    }
    return out;
  }

  /** `SET threads` on every live instance (queued); `null` restores each instance's own value. */
  apply(threads: number | null): void {
    this.target = threads;
    for (const { instance, state } of this.instances()) {
      const n = threads ?? state.baseline;
      if (n === null) continue;
      state.queue = this.run(instance, state, async (c) => {
        await c.run(`SET threads = ${n}`);
        state.threads = n;
      });
    }
  }

  /** Resolves when every queued change has reached its instance (tests, benchmarks, `%threadpool`). */
  async settled(): Promise<void> {
    await Promise.all(this.instances().map((i) => i.state.queue));
  }
}

function duckdbVersion(api: DuckDBApi): string | null {
  try {
    return api.version?.() ?? null;
  } catch {
    return null;
  }
}

async function readThreads(c: ConnectionLike): Promise<number> {
  const reader = await c.runAndReadAll("SELECT current_setting('threads')");
  return Number(reader.getRowsJS()[0]?.[0]);
}

// One tracker per module object: each thread's require gives its own copy of @duckdb/node-api.
const trackers = new WeakMap<object, DuckDBInstances>();

function trackerFor(api: unknown): DuckDBInstances | undefined {
  const a = api as Partial<DuckDBApi> | undefined;
  if (!a || typeof a.DuckDBInstance?.create !== "function") return undefined;
  let t = trackers.get(a);
  if (!t) {
    t = new DuckDBInstances(a as DuckDBApi);
    trackers.set(a, t);
  }
  return t;
}

const API_PATH = /[\\/]@duckdb[\\/]node-api[\\/]lib[\\/]index\.js$/;
// The native library every thread's copy shares: seen in /proc/self/maps even when only a worker loaded it.
const NATIVE_FILE = /[\\/](libduckdb\.so|duckdb\.node)$/;

/**
 * Wraps `@duckdb/node-api` in this thread when (or if already) required, then calls `onLoad` (which
 * re-applies limits, so a limit in force reaches the first instance); see the module comment.
 */
export function watchDuckDB(onLoad: () => void): void {
  watchModule(
    // The package name, or a path to its entry (require.resolve'd, as benchmarks and bundled code pass it).
    /^@duckdb\/node-api$|[\\/]@duckdb[\\/]node-api[\\/]lib[\\/]index\.js$/,
    (api) => {
      if (trackerFor(api)) onLoad();
    },
    () => loadedModule(API_PATH),
  );
}

export class DuckDBController implements ThreadpoolController {
  readonly id = "duckdb";
  readonly userApi = "duckdb";
  readonly internalApi = "duckdb";
  readonly prefix = "@duckdb/node-api";
  readonly scope = "session" as const;
  readonly settable = true;

  /** `tracker` is undefined when DuckDB is mapped in the process but this thread has not required it. */
  constructor(
    private readonly tracker: DuckDBInstances | undefined,
    readonly filepath?: string,
  ) {}

  get(): number | null {
    return this.tracker?.target ?? null;
  }

  set(threads: number): void {
    this.tracker?.apply(threads);
  }

  reset(): void {
    this.tracker?.apply(null);
  }

  settled(): Promise<void> {
    return this.tracker?.settled() ?? Promise.resolve();
  }

  info(): ControllerInfo {
    const all = this.tracker?.instances() ?? [];
    const known = all.map((i) => i.state.threads).filter((n): n is number => n !== null);
    const target = this.tracker?.target ?? null;
    const notes = [
      "threads per database instance (SET threads); instances created from now get the limit unless given " +
        "{ threads } in create()",
      this.tracker
        ? `${all.length} live instance${all.length === 1 ? "" : "s"} in this thread` +
          (known.length ? `: threads ${known.join(", ")}` : "")
        : "loaded by a pool worker, not this thread: workers give their instances the backend threads",
      ...(this.tracker?.errors ?? []),
    ];
    return {
      ...controllerInfoBase(this),
      numThreads: target ?? (known.length ? Math.max(...known) : null),
      version: this.tracker?.version ?? null,
      ...(this.filepath ? { filepath: this.filepath } : {}),
      notes,
    };
  }
}

export const duckdbProvider: ControllerProvider = {
  name: "duckdb",
  detect(context: DetectContext) {
    const tracker = trackerFor(loadedModule(API_PATH));
    const file = context.mappedLibraries.find((p) => NATIVE_FILE.test(p));
    return tracker || file ? [new DuckDBController(tracker, file)] : [];
  },
};
