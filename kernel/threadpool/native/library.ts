/**
 * Opening an already-mapped shared library through koffi, and finding its symbols.
 *
 * koffi has no RTLD_NOLOAD, so the never-load rule is enforced here: a path is handed to `koffi.load` only
 * while `/proc/self/maps` lists it, in which case `dlopen` just takes another reference to the mapped copy.
 * koffi itself is required lazily so that a process with no native pool never loads its addon either.
 *
 * @module
 */
import { controllerInfoBase, type ControllerInfo, type ThreadpoolController } from "../controller";
import { isMapped } from "../controller/maps";

type Koffi = typeof import("koffi");
type LibraryHandle = ReturnType<Koffi["load"]>;
type NativeFunction = (...args: unknown[]) => unknown;

let koffiModule: Koffi | undefined;
function koffi(): Koffi {
  koffiModule ??= require("koffi") as Koffi;
  return koffiModule;
}

/** A mapped library opened for calls. Symbols are resolved once and cached. */
export class NativeLibrary {
  private readonly functions = new Map<string, NativeFunction | null>();

  private constructor(
    readonly path: string,
    private readonly handle: LibraryHandle,
  ) {}

  private static readonly cache = new Map<string, NativeLibrary>();

  /**
   * Opens `path` if, and only if, it is mapped in the process. Returns undefined otherwise (never loads).
   * Handles are kept for the life of the process: the reference they hold keeps the library from being
   * unmapped under a controller, which is also what threadpoolctl's ctypes handles do.
   */
  static openMapped(path: string, mapped: readonly string[]): NativeLibrary | undefined {
    const cached = NativeLibrary.cache.get(path);
    if (cached) return cached;
    // Check both the caller's copy of the maps and the live ones: the copy may be stale by the time we load.
    if (!mapped.includes(path) || !isMapped(path)) return undefined;
    let handle: LibraryHandle;
    try {
      handle = koffi().load(path);
    } catch {
      return undefined;
    }
    const lib = new NativeLibrary(path, handle);
    NativeLibrary.cache.set(path, lib);
    return lib;
  }

  /**
   * The function `name` with the given C signature, or undefined when the library does not export it.
   * `signature` is `[result, [args…]]` in koffi's type names.
   */
  fn(name: string, result: string, args: string[] = []): NativeFunction | undefined {
    const key = `${name}(${args.join(",")})${result}`;
    let f = this.functions.get(key);
    if (f === undefined) {
      try {
        f = this.handle.func(name, result, args) as NativeFunction;
      } catch {
        f = null;
      }
      this.functions.set(key, f);
    }
    return f ?? undefined;
  }

  /** Like `fn`, but tries each name in turn (symbol prefixes and suffixes differ between builds). */
  firstFn(names: string[], result: string, args: string[] = []): { name: string; call: NativeFunction } | undefined {
    for (const name of names) {
      const call = this.fn(name, result, args);
      if (call) return { name, call };
    }
    return undefined;
  }

  /** Calls `name(char* buf, int len)`-style getters that write a C string into a buffer. */
  readStringInto(name: string, bufferLength = 256, lengthType = "int"): string | undefined {
    // `void *` makes koffi pass the Buffer's memory as is, so the library can write into it.
    const f = this.fn(name, "void", ["void *", lengthType]);
    if (!f) return undefined;
    const buf = Buffer.alloc(bufferLength);
    f(buf, bufferLength);
    const end = buf.indexOf(0);
    return buf
      .subarray(0, end < 0 ? buf.length : end)
      .toString("utf8")
      .trim();
  }
}

/** Basename of a library path, used for prefix matching like threadpoolctl's `filename_prefixes`. */
export function libraryFileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Mapped libraries whose file name starts with one of `prefixes`, opened (the first step of every native provider). */
export function openMappedWithPrefix(mapped: readonly string[], prefixes: readonly string[]): NativeLibrary[] {
  const out: NativeLibrary[] = [];
  for (const path of mapped) {
    const file = libraryFileName(path);
    if (!prefixes.some((p) => file.startsWith(p))) continue;
    const lib = NativeLibrary.openMapped(path, mapped);
    if (lib) out.push(lib);
  }
  return out;
}

/** The `info()` fields a native controller reports like every other: who it is, its limit now, its file. */
export function nativeInfoBase(c: ThreadpoolController, lib: NativeLibrary): Omit<ControllerInfo, "version"> {
  return { ...controllerInfoBase(c), filepath: lib.path };
}
