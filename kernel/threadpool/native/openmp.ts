/**
 * OpenMP runtimes: GNU libgomp, LLVM libomp, Intel libiomp.
 *
 * The limit is the `nthreads-var` ICV, which OpenMP keeps per thread: `omp_set_num_threads` on the main
 * thread leaves every worker thread at the runtime's default. Hence scope `thread`, and hence pool workers
 * apply their limits themselves (see worker-side.ts).
 *
 * @module
 */
import type { ControllerInfo, ControllerProvider, ThreadpoolController } from "../controller";
import { libraryFileName, nativeInfoBase, openMappedWithPrefix, type NativeLibrary } from "./library";

const FILENAME_PREFIXES = ["libgomp", "libomp", "libiomp"];

export class OpenMPController implements ThreadpoolController {
  readonly userApi = "openmp";
  readonly internalApi = "openmp";
  readonly scope = "thread" as const;
  readonly settable = true;
  readonly startupEnv = ["OMP_NUM_THREADS"] as const;
  readonly id: string;
  readonly prefix: string;
  private readonly getMax: () => unknown;
  private readonly setNum: (n: number) => unknown;

  constructor(private readonly lib: NativeLibrary) {
    this.id = `openmp:${lib.path}`;
    const file = libraryFileName(lib.path);
    this.prefix = FILENAME_PREFIXES.find((p) => file.startsWith(p)) ?? "libomp";
    const getter = lib.fn("omp_get_max_threads", "int");
    const setter = lib.fn("omp_set_num_threads", "void", ["int"]);
    if (!getter || !setter) throw new Error(`${lib.path} lacks omp_get_max_threads/omp_set_num_threads`);
    this.getMax = getter;
    this.setNum = setter;
  }

  get(): number {
    return this.getMax() as number;
  }

  set(threads: number): void {
    this.setNum(threads);
  }

  info(): ControllerInfo {
    return {
      ...nativeInfoBase(this, this.lib),
      // None of the three runtimes exports its version through the OpenMP API (threadpoolctl reports None).
      version: null,
      notes: ["per thread: the number is the calling thread's; workers apply their own"],
    };
  }

  envVarsForChildren(threads: number): Record<string, string> {
    return { [this.startupEnv[0]]: String(threads) };
  }
}

export const openmpProvider: ControllerProvider = {
  name: "openmp",
  detect({ mappedLibraries }) {
    const found: ThreadpoolController[] = [];
    for (const lib of openMappedWithPrefix(mappedLibraries, FILENAME_PREFIXES)) {
      // libomptarget and friends share the prefix but not the API: the symbol check tells them apart.
      if (lib.fn("omp_get_max_threads", "int")) found.push(new OpenMPController(lib));
    }
    return found;
  },
};

/**
 * Warnings about OpenMP runtimes: two different runtimes in one process each keep their own pool and can
 * deadlock or crash (the libgomp + libiomp case threadpoolctl warns about); two copies of one runtime
 * each keep separate limits.
 */
export function openmpWarnings(
  infos: readonly Pick<ControllerInfo, "internalApi" | "prefix" | "filepath">[],
): string[] {
  const omp = infos.filter((i) => i.internalApi === "openmp");
  if (omp.length < 2) return [];
  const prefixes = [...new Set(omp.map((i) => i.prefix))];
  const files = omp.map((i) => i.filepath ?? i.prefix).join(", ");
  if (prefixes.length > 1) {
    return [
      `Several OpenMP runtimes are loaded (${prefixes.join(", ")}: ${files}). Mixing runtimes can oversubscribe, ` +
        `slow down or crash; prefer libraries built against the same runtime, or limit every one of them.`,
    ];
  }
  return [
    `${omp.length} copies of ${prefixes[0]} are loaded (${files}); each keeps its own thread limit, so limits ` +
      `are applied to every copy.`,
  ];
}
