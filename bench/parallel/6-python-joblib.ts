/**
 * Benchmark 6: the kNN top-10 workload of benchmark 3 (100k × 256 float32 items, one user vector per item of
 * work) in Python with joblib (loky) + numpy, against threadlab, from the same run:
 *  - serial ms/user and 2-worker speedup for Python, threadlab pure JS (bench/parallel/knn.ts) and threadlab
 *    calling Debian OpenBLAS `cblas_sgemv` through koffi inside the workers;
 *  - the ratio of parallel efficiencies (speedup / 2);
 *  - time to first result with a 1 GiB model: Python = joblib.dump + memmap (or joblib's own auto-memmapping)
 *    + cold loky pool start + first task; threadlab = `share()` + pool ready (spawn + model in both workers)
 *    + first item.
 * Both sides use the same data: knn.ts's LCG (`knnModel`), written to a raw
 * float32 file that Python reads with
 * `numpy.fromfile`. Variants run alternately, ROUNDS times, and medians are reported (other sessions may be
 * using the CPUs). The Python venv (bench/.venv-py, pinned by requirements-py.txt) is created when missing.
 *
 *   npx tsc -p tsconfig.node.json && node dist/bench/parallel/6-python-joblib.js
 *   env: USERS (default 100; Python and BLAS), JS_USERS (default 20; pure JS), ROUNDS (default 3),
 *        TTFR_REPS (default 3), BLAS=0 to skip the koffi variant.
 * Each implementation's 2-worker run is timed twice: with its default chunking (threadlab chunk "auto", joblib
 * one delayed call per user with batch_size "auto") and with explicit chunks of ceil(users / (4 × workers)).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { range, WorkerPool } from "../../kernel/pool";
import { share } from "../../kernel/share";
import type { ShippedFunction } from "../../kernel/ship/types";
import { fmt, median } from "./common";
import { KNN_TOP10, knnModel, knnTop10Source } from "./knn";

const USERS = Number(process.env.USERS ?? 100);
/** Pure-JS scoring is ~10× slower per user than the BLAS paths here, so it runs fewer users (ms/user is reported). */
const JS_USERS = Number(process.env.JS_USERS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TTFR_REPS = Number(process.env.TTFR_REPS ?? 3);
const WITH_BLAS = process.env.BLAS !== "0";
const N = 100_000;
const DIM = 256;
const BIG_ROWS = 1 << 20; // 1,048,576 × 256 × 4 B = 1 GiB
const WORKERS = 2;
const OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";

const ROOT = path.resolve(__dirname, "../../..");
const VENV = path.join(ROOT, "bench/.venv-py");
const PY = path.join(VENV, "bin/python");
const PY_SCRIPT = path.join(ROOT, "bench/parallel/knn_joblib.py");
const REQS = path.join(ROOT, "bench/parallel/requirements-py.txt");

/** Same top-10 as KNN_TOP10, but the 100k dot products are one `cblas_sgemv` (OpenBLAS limited to 1 thread). */
const KNN_TOP10_BLAS = knnTop10Source(
  `let b = globalThis.__bench6Blas;
  if (!b) {
    const lib = koffi.load(OPENBLAS);
    lib.func("void openblas_set_num_threads(int n)")(1);
    b = globalThis.__bench6Blas = {
      sgemv: lib.func("void cblas_sgemv(int order, int trans, int M, int N, float alpha, const float *A, int lda, const float *X, int incX, float beta, float *Y, int incY)"),
      y: null,
    };
  }
  if (!b.y || b.y.length !== n) b.y = new Float32Array(n);
  const y = b.y;
  b.sgemv(101 /* RowMajor */, 111 /* NoTrans */, n, dim, 1, items, dim, users.subarray(u * dim, (u + 1) * dim), 1, 0, y, 1);`,
  "const s = y[j];",
);

function shipped(code: string, blas: boolean): ShippedFunction {
  const scope: ShippedFunction["scope"] = blas
    ? { koffi: { kind: "module", specifier: "koffi" }, OPENBLAS: { kind: "value", value: OPENBLAS } }
    : {};
  return { name: blas ? "knnBlas" : "knn", code, scope, resolveDir: ROOT };
}

/** The same function on the main thread (serial baseline), with the same free identifiers bound. */
function local(code: string, blas: boolean): (u: number, m: unknown) => Int32Array {
  if (!blas) return new Function(`return (${code})`)();
  return new Function("koffi", "OPENBLAS", `return (${code})`)(
    require(require.resolve("koffi", { paths: [ROOT] })),
    OPENBLAS,
  );
}

function ensureVenv(): void {
  if (fs.existsSync(PY)) return;
  console.log(`creating ${path.relative(ROOT, VENV)} (python3 -m venv; pip install -r ${path.relative(ROOT, REQS)}) …`);
  execFileSync("python3", ["-m", "venv", VENV], { stdio: "inherit" });
  execFileSync(PY, ["-m", "pip", "install", "-q", "-r", REQS], { stdio: "inherit" });
}

function python(args: string[]): any {
  const out = execFileSync(PY, [PY_SCRIPT, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

function loadavg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}

const sameSet = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const s = new Set(Array.from(a));
  return a.length === b.length && Array.from(b).every((x) => s.has(x));
};

interface Variant {
  label: string;
  users: number;
  serialMs: number[];
  parMs: number[];
  parChunkMs: number[];
}
const chunkOf = (users: number) => Math.ceil(users / (4 * WORKERS));

async function main() {
  const t0 = performance.now();
  console.log(
    `6. kNN top-10, ${N}×${DIM} f32, ${USERS} users, ${WORKERS} workers, ${ROUNDS} alternating rounds; ${os.cpus().length} CPUs, load ${loadavg()}`,
  );
  ensureVenv();
  if (WITH_BLAS && !fs.existsSync(OPENBLAS))
    throw new Error(`${OPENBLAS} missing: apt-get install -y libopenblas0-pthread, or run with BLAS=0`);
  const versions = execFileSync(
    PY,
    [
      "-c",
      "import sys, numpy, joblib, threadpoolctl; print(sys.version.split()[0], numpy.__version__, joblib.__version__, threadpoolctl.__version__)",
    ],
    { encoding: "utf8" },
  )
    .trim()
    .split(" ");
  console.log(
    `  Python ${versions[0]}, numpy ${versions[1]}, joblib ${versions[2]} (loky), threadpoolctl ${versions[3]}; Node ${process.versions.node}`,
  );

  // Same data on both sides: items then users, raw float32.
  const raw = knnModel(N, DIM, Math.max(USERS, JS_USERS));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "threadlab-bench6-"));
  const dataFile = path.join(tmp, "knn.f32");
  const fd = fs.openSync(dataFile, "w");
  fs.writeSync(fd, new Uint8Array(raw.items.buffer));
  fs.writeSync(fd, new Uint8Array(raw.users.buffer));
  fs.closeSync(fd);
  const pyArgs = ["--data", dataFile, "--n", String(N), "--dim", String(DIM)];

  try {
    const model = share({ items: raw.items, users: raw.users, dim: DIM, n: N }, { name: "knn" });
    const js: Variant = { label: "threadlab, pure JS loops", users: JS_USERS, serialMs: [], parMs: [], parChunkMs: [] };
    const blas: Variant = {
      label: "threadlab, OpenBLAS sgemv via koffi",
      users: USERS,
      serialMs: [],
      parMs: [],
      parChunkMs: [],
    };
    const py: Variant = {
      label: "Python joblib (loky) + numpy",
      users: USERS,
      serialMs: [],
      parMs: [],
      parChunkMs: [],
    };
    const variants = WITH_BLAS ? [py, js, blas] : [py, js];
    const fns = new Map<Variant, { code: string; blas: boolean }>([
      [js, { code: KNN_TOP10, blas: false }],
      [blas, { code: KNN_TOP10_BLAS, blas: true }],
    ]);
    let jsIds: Int32Array[] = [];
    let blasIds: Int32Array[] = [];
    let pyIds: number[][] = [];

    const pool = new WorkerPool({ size: WORKERS });
    await pool.preload(model);
    for (const [, f] of fns) await pool.map(range(WORKERS), shipped(f.code, f.blas), { model, chunk: 1 }); // warm JIT / load koffi in both workers

    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) {
        if (v === py) {
          const r = python([
            "knn",
            ...pyArgs,
            "--users",
            String(USERS),
            "--workers",
            String(WORKERS),
            "--chunk",
            String(chunkOf(USERS)),
          ]);
          if (
            r.blas_threads_main.some((x: number) => x !== 1) ||
            r.blas_threads_workers.flat().some((x: number) => x !== 1)
          )
            throw new Error(`Python BLAS not limited to 1 thread: ${JSON.stringify(r)}`);
          py.serialMs.push(r.serial_ms);
          py.parMs.push(r.parallel_ms);
          py.parChunkMs.push(r.parallel_chunked_ms);
          pyIds = r.ids;
          continue;
        }
        const f = fns.get(v)!;
        const score = local(f.code, f.blas);
        score(0, model); // compile / load before timing, as the workers' warm-up did
        let t = performance.now();
        const serial: Int32Array[] = [];
        for (let u = 0; u < v.users; u++) serial.push(score(u, model));
        v.serialMs.push(performance.now() - t);
        t = performance.now();
        const par = (await pool.map(range(v.users), shipped(f.code, f.blas), { model })) as Int32Array[];
        v.parMs.push(performance.now() - t);
        t = performance.now();
        const parC = (await pool.map(range(v.users), shipped(f.code, f.blas), {
          model,
          chunk: chunkOf(v.users),
        })) as Int32Array[];
        v.parChunkMs.push(performance.now() - t);
        for (let u = 0; u < v.users; u++)
          if (par[u].join() !== serial[u].join() || parC[u].join() !== serial[u].join())
            throw new Error(`${v.label}, user ${u}: parallel result differs from serial`);
        if (v === js) jsIds = serial;
        else blasIds = serial;
      }
      console.log(
        `  round ${round + 1}: ` +
          variants
            .map(
              (v) =>
                `${v === py ? "Python" : v === js ? "JS" : "BLAS"} ${fmt(v.serialMs[round] / v.users)}/${fmt(v.parMs[round] / v.users)}/${fmt(v.parChunkMs[round] / v.users)}`,
            )
            .join(" · ") +
          ` ms/user serial/2w auto/2w chunked · load ${loadavg()}`,
      );
    }
    await pool.close();
    const agree = (a: ArrayLike<number>[], b: ArrayLike<number>[]) => {
      const m = Math.min(a.length, b.length);
      return `${a.slice(0, m).filter((x, i) => sameSet(x, b[i])).length}/${m}`;
    };
    console.log(
      `  top-10 id sets equal: Python vs JS ${agree(pyIds, jsIds)}` +
        (WITH_BLAS ? `, Python vs BLAS ${agree(pyIds, blasIds)}, JS vs BLAS ${agree(jsIds, blasIds)}` : "") +
        " (float32 vs float64 accumulation may swap near-ties)",
    );

    // ---- time to first result, 1 GiB model -------------------------------------------------------------
    const bigBytes = BIG_ROWS * DIM * 4;
    interface Ttfr {
      label: string;
      ms: number[];
      parts: string[];
      oneUserMs: number[];
    }
    const tPyDump: Ttfr = {
      label: "Python: joblib.dump + memmap + loky start + 1st task",
      ms: [],
      parts: [],
      oneUserMs: [],
    };
    const tPyAuto: Ttfr = {
      label: "Python: Parallel auto-memmap (max_nbytes) + loky start + 1st task",
      ms: [],
      parts: [],
      oneUserMs: [],
    };
    const tJs: Ttfr = { label: "threadlab JS: share() + pool ready + 1st item", ms: [], parts: [], oneUserMs: [] };
    const tBlas: Ttfr = { label: "threadlab BLAS: share() + pool ready + 1st item", ms: [], parts: [], oneUserMs: [] };
    const ttfrs = WITH_BLAS ? [tPyDump, tJs, tPyAuto, tBlas] : [tPyDump, tJs, tPyAuto];
    for (let rep = 0; rep < TTFR_REPS; rep++) {
      for (const v of ttfrs) {
        if (v === tPyDump || v === tPyAuto) {
          const r = python([
            "ttfr",
            ...pyArgs,
            "--rows",
            String(BIG_ROWS),
            "--how",
            v === tPyDump ? "dump" : "auto",
            "--workers",
            String(WORKERS),
          ]);
          if (r.model_bytes !== bigBytes) throw new Error(`Python model is ${r.model_bytes} bytes`);
          v.ms.push(r.ttfr_ms);
          v.oneUserMs.push(r.one_user_serial_ms);
          v.parts.push(
            r.dump_ms !== undefined
              ? `dump+load ${fmt(r.dump_ms)} + pool start & 1st task ${fmt(r.ttfr_ms - r.dump_ms)}`
              : "hash+dump, pool start & 1st task in one call",
          );
          continue;
        }
        const f = v === tJs ? fns.get(js)! : fns.get(blas)!;
        // The model exists in (unshared) memory before timing, as the numpy array does on the Python side.
        const big = new Float32Array(BIG_ROWS * DIM);
        for (let o = 0; o < big.length; o += raw.items.length)
          big.set(raw.items.subarray(0, Math.min(raw.items.length, big.length - o)), o);
        const t = performance.now();
        const bigModel = share({ items: big, users: raw.users, dim: DIM, n: BIG_ROWS }, { name: `knn-1g-${rep}` });
        const tShared = performance.now();
        const p = new WorkerPool({ size: WORKERS });
        await p.preload(bigModel);
        const tReady = performance.now();
        const first = (await p.map([0], shipped(f.code, f.blas), { model: bigModel })) as Int32Array[];
        const tFirst = performance.now();
        v.ms.push(tFirst - t);
        v.parts.push(`share ${fmt(tShared - t)} + ready ${fmt(tReady - tShared)} + 1st item ${fmt(tFirst - tReady)}`);
        if (first[0].length !== 10) throw new Error("bad first result");
        await p.close();
        const score = local(f.code, f.blas);
        score(1, bigModel);
        const t1 = performance.now();
        score(0, bigModel);
        v.oneUserMs.push(performance.now() - t1);
        share.release(bigModel);
      }
    }

    // ---- report ----------------------------------------------------------------------------------------
    interface Row {
      label: string;
      users: number;
      s: number;
      p: number;
      speedup: number;
      eff: number;
    }
    const rowsOf = (v: Variant): Row[] =>
      (
        [
          ["default chunking", v.parMs],
          [`chunks of ${chunkOf(v.users)}`, v.parChunkMs],
        ] as const
      ).map(([how, par]) => {
        const speedup = median(v.serialMs.map((x, i) => x / par[i]));
        return {
          label: `${v.label}; 2 workers, ${how}`,
          users: v.users,
          s: median(v.serialMs) / v.users,
          p: median(par) / v.users,
          speedup,
          eff: speedup / WORKERS,
        };
      });
    const [pyAuto, pyChunk] = rowsOf(py);
    const [jsAuto, jsChunk] = rowsOf(js);
    const blasRows = WITH_BLAS ? rowsOf(blas) : [];
    const pyFor = (r: Row) => (r.label.includes("default") ? pyAuto : pyChunk);
    console.log(
      `\n6. kNN top-10, 100k×256 f32, medians of ${ROUNDS} alternating rounds (load ${loadavg()}); speedup = median over rounds of serial/parallel in the same round`,
    );
    console.log(
      "| variant | users | serial ms/user | 2 workers ms/user | speedup | parallel efficiency | serial vs Python | efficiency vs Python (same chunking) |",
    );
    console.log("|---|---|---|---|---|---|---|---|");
    for (const r of [pyAuto, pyChunk, jsAuto, jsChunk, ...blasRows])
      console.log(
        `| ${r.label} | ${r.users} | ${fmt(r.s)} | ${fmt(r.p)} | ${r.speedup.toFixed(2)}× | ${(r.eff * 100).toFixed(0)} % | ${(r.s / pyAuto.s).toFixed(2)}× | ${(r.eff / pyFor(r).eff).toFixed(2)}× |`,
      );
    console.log(
      `\nTime to first result, 1 GiB model (1,048,576 × 256 f32), ${WORKERS} workers, medians of ${TTFR_REPS} (fresh process / fresh pool each)`,
    );
    console.log(
      "| path | time to first result ms | parts (last rep) | one user serial on 1 GiB, ms | overhead (TTFR − one user) ms |",
    );
    console.log("|---|---|---|---|---|");
    for (const v of ttfrs) {
      const m = median(v.ms);
      const one = median(v.oneUserMs);
      console.log(`| ${v.label} | ${fmt(m)} | ${v.parts[v.parts.length - 1] ?? "—"} | ${fmt(one)} | ${fmt(m - one)} |`);
    }
    const ttfrRatio = (v: Ttfr) => (median(v.ms) / median(tPyDump.ms)).toFixed(2);
    console.log(
      `\nRatios (threadlab / Python): serial time JS ${(jsAuto.s / pyAuto.s).toFixed(2)}×` +
        (WITH_BLAS ? `, BLAS ${(blasRows[0].s / pyAuto.s).toFixed(2)}×` : "") +
        `; parallel efficiency, default chunking JS ${(jsAuto.eff / pyAuto.eff).toFixed(2)}×` +
        (WITH_BLAS ? `, BLAS ${(blasRows[0].eff / pyAuto.eff).toFixed(2)}×` : "") +
        `; chunked JS ${(jsChunk.eff / pyChunk.eff).toFixed(2)}×` +
        (WITH_BLAS ? `, BLAS ${(blasRows[1].eff / pyChunk.eff).toFixed(2)}×` : "") +
        `; time to first result (vs Python dump+memmap) JS ${ttfrRatio(tJs)}×` +
        (WITH_BLAS ? `, BLAS ${ttfrRatio(tBlas)}×` : ""),
    );
    console.log(`total ${fmt((performance.now() - t0) / 1000)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
