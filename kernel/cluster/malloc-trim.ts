/**
 * Gives freed heap memory back to the system after a model fetch. The Object Store delivers a model in ~128 KB
 * messages; once copied into the model's SharedArrayBuffer they are freed, but glibc keeps those pages in its
 * arenas, so an agent's RSS stayed ~40 MB above one model copy for a 256 MB model (bench/cluster/model-fetch).
 * `malloc_trim(0)` returns them. glibc only: elsewhere this does nothing.
 */
let trim: (() => void) | null | undefined;

export function mallocTrim(): void {
  if (trim === undefined) {
    trim = null;
    if (process.platform === "linux") {
      try {
        // libc is mapped in every Node process on glibc Linux: this takes a reference, it loads nothing new.
        const koffi = require("koffi") as typeof import("koffi");
        const f = koffi.load("libc.so.6").func("int malloc_trim(size_t)") as (pad: number) => number;
        trim = () => void f(0);
      } catch {
        // musl or no koffi: nothing to trim with.
      }
    }
  }
  trim?.();
}

let gc: (() => void) | null | undefined;

/**
 * A full V8 collection, before `mallocTrim`: the fetched chunks' backing stores are freed only when V8 collects
 * the messages that hold them, which under load had not happened yet when the fetch ended (agent RSS 12 MB over
 * one 1 GB model + 10 MB, bench/cluster/model-fetch; without it 1037 / 1038 MB, with it 1033 / 1032 MB, both
 * with the small main-thread semi-space). Once per model fetched, so its few ms do not matter.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    gc = null;
    try {
      // Reaching gc() without starting Node with --expose-gc: the flag applies to contexts created while it is
      // set, so it is set for this one only (worker threads started later must not find a `gc` global).
      const v8 = require("node:v8") as typeof import("node:v8");
      v8.setFlagsFromString("--expose-gc");
      try {
        gc = (require("node:vm") as typeof import("node:vm")).runInNewContext("gc") as () => void;
      } finally {
        v8.setFlagsFromString("--no-expose-gc");
      }
    } catch {
      // Not available: RSS stays higher until V8 collects on its own.
    }
  }
  gc?.();
}
