/**
 * The other native BLAS libraries threadpoolctl knows: MKL (through its single dynamic library
 * `libmkl_rt`), BLIS and FlexiBLAS. They follow the same shape as OpenBLAS and are kept together because
 * each is a handful of symbols; none of them is installed in CI, so these are exercised only where present.
 *
 * @module
 */
import type { ControllerInfo, ControllerProvider, Scope, ThreadpoolController } from "../controller";
import { libraryFileName, nativeInfoBase, openMappedWithPrefix, type NativeLibrary } from "./library";

/** `MKL_Set_Threading_Layer(-1)` returns the current layer without changing it; codes from mkl_service.h. */
export const MKL_THREADING_LAYERS: Record<number, string> = {
  0: "intel",
  1: "sequential",
  2: "pgi",
  3: "gnu",
  4: "tbb",
  [-1]: "not specified",
};

interface NativeBlasSpec {
  internalApi: string;
  filenamePrefixes: string[];
  /** Symbol names tried in order for get/set (first found wins). */
  get: { names: string[]; result: string };
  set: { names: string[]; arg: string };
  envVar: string;
  describe(lib: NativeLibrary): { version: string | null; threadingLayer?: string };
  /** OpenMP-threaded builds follow the calling thread's OpenMP limit. */
  scopeFor(threadingLayer: string | undefined): Scope;
}

class NativeBlasController implements ThreadpoolController {
  readonly userApi = "blas";
  readonly settable = true;
  readonly id: string;
  readonly prefix: string;
  readonly internalApi: string;
  readonly scope: Scope;
  readonly startupEnv: readonly string[];
  private readonly description: { version: string | null; threadingLayer?: string };

  constructor(
    private readonly lib: NativeLibrary,
    private readonly spec: NativeBlasSpec,
    private readonly getter: () => unknown,
    private readonly setter: (n: unknown) => unknown,
  ) {
    this.internalApi = spec.internalApi;
    // Each falls back to OpenMP's variable when its own is unset.
    this.startupEnv = [spec.envVar, "OMP_NUM_THREADS"];
    this.id = `${spec.internalApi}:${lib.path}`;
    const file = libraryFileName(lib.path);
    this.prefix = spec.filenamePrefixes.find((p) => file.startsWith(p)) ?? spec.internalApi;
    this.description = spec.describe(lib);
    this.scope = spec.scopeFor(this.description.threadingLayer);
  }

  get(): number {
    const n = Number(this.getter());
    // BLIS reports -1 when it was never set and uses a single thread then.
    return n < 1 ? 1 : n;
  }

  set(threads: number): void {
    this.setter(this.spec.set.arg.includes("64") ? BigInt(threads) : threads);
  }

  info(): ControllerInfo {
    return {
      ...nativeInfoBase(this, this.lib),
      version: this.description.version,
      threadingLayer: this.description.threadingLayer,
    };
  }

  envVarsForChildren(threads: number): Record<string, string> {
    return { [this.spec.envVar]: String(threads) };
  }
}

const mkl: NativeBlasSpec = {
  internalApi: "mkl",
  filenamePrefixes: ["libmkl_rt"],
  get: { names: ["MKL_Get_Max_Threads"], result: "int" },
  set: { names: ["MKL_Set_Num_Threads"], arg: "int" },
  envVar: "MKL_NUM_THREADS",
  describe(lib) {
    const raw = lib.readStringInto("MKL_Get_Version_String", 256);
    const version = raw ? (/Version\s+(\S+)/.exec(raw)?.[1] ?? raw) : null;
    const layer = lib.fn("MKL_Set_Threading_Layer", "int", ["int"]);
    const code = layer ? (layer(-1) as number) : undefined;
    return { version, threadingLayer: code === undefined ? undefined : (MKL_THREADING_LAYERS[code] ?? `code ${code}`) };
  },
  scopeFor: (layer) => (layer === "intel" || layer === "gnu" ? "thread" : "process"),
};

const blis: NativeBlasSpec = {
  internalApi: "blis",
  filenamePrefixes: ["libblis"],
  // dim_t is 64-bit in BLIS's default configuration.
  get: { names: ["bli_thread_get_num_threads"], result: "int64_t" },
  set: { names: ["bli_thread_set_num_threads"], arg: "int64_t" },
  envVar: "BLIS_NUM_THREADS",
  describe(lib) {
    const version = (lib.fn("bli_info_get_version_str", "const char *")?.() as string | undefined) ?? null;
    const omp = Number(lib.fn("bli_info_get_enable_openmp", "int64_t")?.() ?? 0);
    const pthreads = Number(lib.fn("bli_info_get_enable_pthreads", "int64_t")?.() ?? 0);
    return { version, threadingLayer: omp ? "openmp" : pthreads ? "pthreads" : "disabled" };
  },
  scopeFor: (layer) => (layer === "openmp" ? "thread" : "process"),
};

const flexiblas: NativeBlasSpec = {
  internalApi: "flexiblas",
  filenamePrefixes: ["libflexiblas"],
  get: { names: ["flexiblas_get_num_threads"], result: "int" },
  set: { names: ["flexiblas_set_num_threads"], arg: "int" },
  envVar: "FLEXIBLAS_NUM_THREADS",
  describe(lib) {
    // Typed arrays are passed in place to pointer parameters, so the library writes straight into them.
    const getVersion = lib.fn("flexiblas_get_version", "void", ["int *", "int *", "int *"]);
    let version: string | null = null;
    if (getVersion) {
      const parts = [new Int32Array(1), new Int32Array(1), new Int32Array(1)];
      getVersion(parts[0], parts[1], parts[2]);
      version = parts.map((p) => p[0]).join(".");
    }
    // FlexiBLAS forwards to a backend; which one is the useful "threading layer" to show.
    const backend = lib.readStringInto("flexiblas_current_backend", 256, "size_t");
    return { version, threadingLayer: backend ? `backend ${backend}` : undefined };
  },
  scopeFor: () => "process",
};

function providerFor(spec: NativeBlasSpec): ControllerProvider {
  return {
    name: spec.internalApi,
    detect({ mappedLibraries }) {
      const found: ThreadpoolController[] = [];
      for (const lib of openMappedWithPrefix(mappedLibraries, spec.filenamePrefixes)) {
        const get = lib.firstFn(spec.get.names, spec.get.result);
        const set = lib.firstFn(spec.set.names, "void", [spec.set.arg]);
        if (get && set) found.push(new NativeBlasController(lib, spec, get.call, set.call));
      }
      return found;
    },
  };
}

export const mklProvider = providerFor(mkl);
export const blisProvider = providerFor(blis);
export const flexiblasProvider = providerFor(flexiblas);
