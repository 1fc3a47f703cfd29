/**
 * OpenBLAS. Builds differ in symbol names: SciPy's wheels prefix `scipy_`, ILP64 builds append `64_` or
 * `_64`, so every affix combination is probed, like threadpoolctl does.
 *
 * @module
 */
import type { ControllerInfo, ControllerProvider, Scope, ThreadpoolController } from "../controller";
import { libraryFileName, nativeInfoBase, openMappedWithPrefix, type NativeLibrary } from "./library";

const SYMBOL_PREFIXES = ["", "scipy_"];
const SYMBOL_SUFFIXES = ["", "64_", "_64"];
const FILENAME_PREFIXES = ["libopenblas", "libscipy_openblas"];

/** `openblas_get_parallel()` → threading layer name (0 and 1 and 2 are OpenBLAS's own codes). */
export function openblasThreadingLayer(code: number): string {
  return code === 0 ? "disabled" : code === 1 ? "pthreads" : code === 2 ? "openmp" : "unknown";
}

/** Version from `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …" → "0.3.21". */
export function openblasVersion(config: string | undefined): string | null {
  const m = config ? /OpenBLAS\s+(\S+)/.exec(config) : null;
  return m ? m[1] : null;
}

export class OpenBLASController implements ThreadpoolController {
  readonly userApi = "blas";
  readonly internalApi = "openblas";
  readonly settable = true;
  // openblas_env.c reads them in this order.
  readonly startupEnv = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"] as const;
  readonly id: string;
  readonly prefix: string;
  readonly threadingLayer: string;
  readonly scope: Scope;
  private readonly getNum: () => number;
  private readonly setNum: (n: number) => void;

  constructor(
    private readonly lib: NativeLibrary,
    private readonly affix: { prefix: string; suffix: string },
  ) {
    this.id = `openblas:${lib.path}`;
    const file = libraryFileName(lib.path);
    this.prefix = FILENAME_PREFIXES.filter((p) => file.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    const getter = lib.fn(this.sym("openblas_get_num_threads"), "int");
    const setter = lib.fn(this.sym("openblas_set_num_threads"), "void", ["int"]);
    if (!getter || !setter) throw new Error(`${lib.path} lacks openblas_get/set_num_threads`);
    this.getNum = () => getter() as number;
    this.setNum = (n) => void setter(n);
    const parallel = lib.fn(this.sym("openblas_get_parallel"), "int");
    this.threadingLayer = parallel ? openblasThreadingLayer(parallel() as number) : "unknown";
    // With the OpenMP layer, OpenBLAS re-reads omp_get_max_threads() of the calling thread at each call,
    // so its limit follows the per-thread OpenMP value.
    this.scope = this.threadingLayer === "openmp" ? "thread" : "process";
  }

  private sym(name: string): string {
    return `${this.affix.prefix}${name}${this.affix.suffix}`;
  }

  get(): number {
    return this.getNum();
  }

  set(threads: number): void {
    this.setNum(threads);
  }

  info(): ControllerInfo {
    const config = this.lib.fn(this.sym("openblas_get_config"), "const char *")?.() as string | undefined;
    const core = this.lib.fn(this.sym("openblas_get_corename"), "const char *")?.() as string | undefined;
    const notes =
      this.scope === "process"
        ? ["process-wide: one limit for every thread"]
        : ["OpenMP layer: follows each thread's OpenMP limit"];
    return {
      ...nativeInfoBase(this, this.lib),
      version: openblasVersion(config),
      threadingLayer: this.threadingLayer,
      architecture: core?.trim() || undefined,
      notes,
    };
  }

  envVarsForChildren(threads: number): Record<string, string> {
    return { [this.startupEnv[0]]: String(threads) };
  }
}

export const openblasProvider: ControllerProvider = {
  name: "openblas",
  detect({ mappedLibraries }) {
    const found: ThreadpoolController[] = [];
    for (const lib of openMappedWithPrefix(mappedLibraries, FILENAME_PREFIXES)) {
      const affix = findAffix(lib);
      if (affix) found.push(new OpenBLASController(lib, affix));
    }
    return found;
  },
};

function findAffix(lib: NativeLibrary): { prefix: string; suffix: string } | undefined {
  for (const prefix of SYMBOL_PREFIXES) {
    for (const suffix of SYMBOL_SUFFIXES) {
      if (lib.fn(`${prefix}openblas_get_num_threads${suffix}`, "int")) return { prefix, suffix };
    }
  }
  return undefined;
}
