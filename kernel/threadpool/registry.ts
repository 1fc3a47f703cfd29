/**
 * The registry of controller providers: the built-in ones (native libraries, Node's pools, known packages,
 * the threadlab worker pool) and any registered by third-party code. Detection runs fresh on every call,
 * because libraries and packages get loaded while a notebook runs.
 *
 * @module
 */
import type { ControllerProvider, DetectContext, ThreadpoolController } from "./controller";
import { mappedLibraries } from "./controller/maps";
import { openblasProvider } from "./native/openblas";
import { openmpProvider } from "./native/openmp";
import { blisProvider, flexiblasProvider, mklProvider } from "./native/others";
import { duckdbProvider } from "./runtime/duckdb";
import { libuvProvider, v8Provider } from "./runtime/node-pools";
import { onnxruntimeProvider, sharpProvider } from "./runtime/packages";
import { polarsProvider } from "./runtime/polars";
import { workerPoolProvider } from "./runtime/worker-pool";

/** Providers of native libraries: these are the ones a pool worker re-detects inside its own thread. */
export const NATIVE_PROVIDERS: readonly ControllerProvider[] = [
  openblasProvider,
  mklProvider,
  blisProvider,
  flexiblasProvider,
  openmpProvider,
];

/**
 * Providers a pool worker applies its limits to in its own thread: native per-thread pools, and packages
 * whose limit lives in the objects this thread creates (DuckDB instances, onnxruntime sessions).
 */
export const WORKER_PROVIDERS: readonly ControllerProvider[] = [
  ...NATIVE_PROVIDERS,
  duckdbProvider,
  onnxruntimeProvider,
];

const BUILT_IN: readonly ControllerProvider[] = [
  workerPoolProvider,
  ...NATIVE_PROVIDERS,
  libuvProvider,
  v8Provider,
  sharpProvider,
  onnxruntimeProvider,
  duckdbProvider,
  polarsProvider,
];

const thirdParty: ControllerProvider[] = [];

function isProvider(x: ThreadpoolController | ControllerProvider): x is ControllerProvider {
  return typeof (x as ControllerProvider).detect === "function";
}

/**
 * Adds a third-party pool. Pass a controller (always present once registered) or a provider (asked on every
 * detection, so it can report the pool only while it exists). Returns a function that unregisters it.
 *
 * @example
 * ```ts
 * const off = register({ id: "mylib", userApi: "mylib", internalApi: "mylib", prefix: "mylib",
 *   scope: "process", settable: true, get: () => mylib.threads, set: (n) => mylib.setThreads(n),
 *   info() { return { ... } } });
 * ```
 */
export function register(controller: ThreadpoolController | ControllerProvider): () => void {
  const provider: ControllerProvider = isProvider(controller)
    ? controller
    : { name: controller.id, detect: () => [controller] };
  if (!provider.name) throw new Error("register(): a controller needs an id, and a provider a name.");
  const clash = [...BUILT_IN, ...thirdParty].find((p) => p.name === provider.name);
  if (clash) {
    throw new Error(`register(): "${provider.name}" is already registered; give your controller a different id.`);
  }
  thirdParty.push(provider);
  return () => {
    const i = thirdParty.indexOf(provider);
    if (i >= 0) thirdParty.splice(i, 1);
  };
}

/** Result of a detection: the controllers, and the providers that failed (reported, never thrown). */
export interface Detection {
  controllers: ThreadpoolController[];
  errors: string[];
}

/**
 * Every pool present in this process right now. `providers` narrows the search (a worker only wants native
 * libraries); `context` lets tests pass a copy of /proc/self/maps.
 */
export function detectControllers(
  options: { providers?: readonly ControllerProvider[]; context?: DetectContext } = {},
): Detection {
  const context = options.context ?? { mappedLibraries: mappedLibraries() };
  const providers = options.providers ?? [...BUILT_IN, ...thirdParty];
  const controllers: ThreadpoolController[] = [];
  const errors: string[] = [];
  const ids = new Set<string>();
  for (const provider of providers) {
    let found: ThreadpoolController[];
    try {
      found = provider.detect(context);
    } catch (err) {
      errors.push(`detecting ${provider.name} failed: ${(err as Error)?.message ?? err}`);
      continue;
    }
    for (const c of found) {
      if (ids.has(c.id)) continue;
      ids.add(c.id);
      controllers.push(c);
    }
  }
  return { controllers, errors };
}
