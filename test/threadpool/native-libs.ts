/**
 * The real Debian libraries the native tests load (CI installs libopenblas0-pthread, libopenblas0-openmp and
 * libgomp1), a koffi `cblas_sgemm`, and a way to see how many threads actually compute.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import koffi = require("koffi");

export const repoRoot = resolve(__dirname, "..", "..", "..");
export const fixtures = resolve(repoRoot, "test", "threadpool", "fixtures");

const LIB = "/usr/lib/x86_64-linux-gnu";
export const OPENBLAS_PTHREAD = `${LIB}/openblas-pthread/libopenblas.so.0`;
export const OPENBLAS_OPENMP = `${LIB}/openblas-openmp/libopenblas.so.0`;
export const LIBGOMP = `${LIB}/libgomp.so.1`;

/** Loads a library the way a notebook would (the test plays the user here, not the detector). */
export function loadLibrary(path: string): koffi.LibraryHandle {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: apt-get install -y libopenblas0-pthread libopenblas0-openmp libgomp1`);
  }
  return koffi.load(path);
}

export function mappedPaths(): string[] {
  return readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .map((l) => l.split(/\s+/).slice(5).join(" "))
    .filter(Boolean);
}

/** `C = A·B` for n×n float matrices, `reps` times, through the library's own cblas_sgemm. */
export function makeSgemm(lib: koffi.LibraryHandle, n: number): (reps: number) => void {
  const sgemm = lib.func(
    "void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)",
  );
  const a = new Float32Array(n * n).map((_, i) => (i % 7) / 7);
  const b = new Float32Array(n * n).map((_, i) => (i % 5) / 5);
  const c = new Float32Array(n * n);
  return (reps) => {
    for (let r = 0; r < reps; r++) sgemm(101, 111, 111, n, n, n, 1, a, n, b, n, 0, c, n);
  };
}

// Well past 2^28 cycles at any clock this machine could have (134 ms at 2 GHz).
const SPIN_SETTLE_MS = 600;

function cpuTicksByThread(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      // Fields after the parenthesised name: state is 3rd, utime 14th and stime 15th of the whole line.
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(tid, Number(f[11]) + Number(f[12]));
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out;
}

/**
 * Runs `fn` and counts the threads of this process that computed during it: those whose CPU time grew by
 * at least a third of the busiest thread's. Also returns how many threads existed at the end.
 *
 * Idle OpenBLAS threads spin (sched_yield) for 2^28 TSC cycles after their last job, and libgomp's spin a
 * little too, so a thread that worked just before `fn` can still burn CPU during it without computing. CI
 * once counted such a thread under blas=1; waiting out the spin first makes the count mean "computed".
 */
export function busyThreadsDuring(fn: () => void): { busy: number; alive: number } {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SPIN_SETTLE_MS);
  const before = cpuTicksByThread();
  fn();
  const after = cpuTicksByThread();
  const deltas = [...after].map(([tid, t]) => t - (before.get(tid) ?? 0));
  const max = Math.max(...deltas);
  return { busy: deltas.filter((d) => d >= max / 3 && d > 0).length, alive: after.size };
}
