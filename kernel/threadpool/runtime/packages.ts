/**
 * npm packages that run their own native thread pools: sharp (libvips) and onnxruntime-node. They are
 * controlled only when the notebook has already required them — detection looks in `require.cache` and
 * never calls `require`, so a kernel that does not use them never pays for loading them.
 *
 * @module
 */
import {
  controllerInfoBase,
  type ControllerInfo,
  type ControllerProvider,
  type ThreadpoolController,
} from "../controller";

/** The exports of an already-loaded module whose path ends with `suffix` (e.g. `/sharp/lib/index.js`). */
export function loadedModule(suffix: RegExp, cache: NodeJS.Require["cache"] = require.cache): unknown {
  for (const [path, mod] of Object.entries(cache)) {
    if (mod?.loaded && suffix.test(path)) return mod.exports;
  }
  return undefined;
}

interface SharpLike {
  concurrency(n?: number): number;
}

export class SharpController implements ThreadpoolController {
  readonly id = "sharp";
  readonly userApi = "sharp";
  readonly internalApi = "libvips";
  readonly prefix = "sharp";
  readonly scope = "process" as const;
  readonly settable = true;
  readonly startupEnv = ["VIPS_CONCURRENCY"] as const;

  constructor(private readonly sharp: SharpLike) {}

  get(): number {
    return this.sharp.concurrency();
  }

  set(threads: number): void {
    this.sharp.concurrency(threads);
  }

  info(): ControllerInfo {
    return {
      ...controllerInfoBase(this),
      notes: ["libvips threads per image operation; process-wide"],
    };
  }

  envVarsForChildren(threads: number): Record<string, string> {
    return { [this.startupEnv[0]]: String(threads) };
  }
}

// sharp ≤ 0.34 loads lib/index.js; 0.35 moved its CommonJS entry to dist/index.cjs.
const SHARP_PATH = /[\\/]sharp[\\/](lib[\\/]index\.js|dist[\\/]index\.cjs)$/;
const ORT_PATH = /[\\/]onnxruntime-node[\\/]dist[\\/]index\.js$/;

export const sharpProvider: ControllerProvider = {
  name: "sharp",
  detect() {
    const sharp = loadedModule(SHARP_PATH) as Partial<SharpLike> | undefined;
    return typeof sharp?.concurrency === "function" ? [new SharpController(sharp as SharpLike)] : [];
  },
};

type CreateFn = (...args: unknown[]) => unknown;
interface OrtLike {
  InferenceSession: { create: CreateFn };
}

// onnxruntime fixes its thread counts per InferenceSession at create() and has no process-wide knob, so a
// limit is a default injected into the options of sessions created afterwards. One patch per module object.
const injected = new WeakMap<OrtLike, { threads: number | null; original: CreateFn }>();

function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof ArrayBuffer) &&
    !(typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer)
  );
}

/**
 * Adds `intraOpNumThreads`/`interOpNumThreads` to a `create()` call's options unless the caller gave them.
 * Only the `(pathOrBuffer)` and `(pathOrBuffer, options)` forms are changed: appending an options object to
 * the `(buffer, byteOffset, byteLength?, options?)` form could be read as `byteLength`, so it passes as is.
 */
export function injectSessionThreads(args: unknown[], threads: number): unknown[] {
  if (args.length > 2 || (args.length === 2 && !isOptionsObject(args[1]))) return args;
  const options = isOptionsObject(args[1]) ? args[1] : {};
  return [args[0], { intraOpNumThreads: threads, interOpNumThreads: 1, ...options }];
}

export class OnnxRuntimeController implements ThreadpoolController {
  readonly id = "onnxruntime";
  readonly userApi = "onnxruntime";
  readonly internalApi = "onnxruntime";
  readonly prefix = "onnxruntime-node";
  readonly scope = "session" as const;
  readonly settable = true;

  constructor(private readonly ort: OrtLike) {}

  get(): number | null {
    return injected.get(this.ort)?.threads ?? null;
  }

  set(threads: number): void {
    let state = injected.get(this.ort);
    if (!state) {
      const original = this.ort.InferenceSession.create;
      const patchedState = { threads: null as number | null, original };
      this.ort.InferenceSession.create = function (this: unknown, ...args: unknown[]) {
        const n = patchedState.threads;
        return original.apply(this, n === null ? args : injectSessionThreads(args, n));
      };
      injected.set(this.ort, patchedState);
      state = patchedState;
    }
    state.threads = threads;
  }

  reset(): void {
    const state = injected.get(this.ort);
    if (state) state.threads = null;
  }

  info(): ControllerInfo {
    const n = this.get();
    return {
      ...controllerInfoBase(this),
      notes: [
        n === null
          ? "no default injected: sessions use onnxruntime's own (one thread per physical core)"
          : `sessions created from now get intraOpNumThreads=${n}, interOpNumThreads=1 unless given; ` +
            "sessions created earlier keep their threads",
      ],
    };
  }
}

export const onnxruntimeProvider: ControllerProvider = {
  name: "onnxruntime",
  detect() {
    const ort = loadedModule(ORT_PATH) as Partial<OrtLike> | undefined;
    return typeof ort?.InferenceSession?.create === "function" ? [new OnnxRuntimeController(ort as OrtLike)] : [];
  },
};
