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
