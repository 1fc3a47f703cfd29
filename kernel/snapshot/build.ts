/**
 * The entry of `node --snapshot-blob <blob> --build-snapshot build.js`: a V8 startup snapshot of a heap in
 * which TypeScript and threadlab's converter are loaded and every declaration file of the cells' program (lib +
 * `@types/node`, ~155 files, 2.8 MB) is parsed and bound. Creating that program is what delays a new
 * kernel's first result by ~2 s, and ~85 % of it is parsing and binding those files (measured with
 * `ts.performance`: Parse 4955 ms, Bind 1077 ms of Program 6339 ms under load), which a snapshot skips.
 *
 * The program itself is not kept: it belongs to the notebook directory (root files, type roots, a user's own
 * `@types/node`), unknown here. Only the parsed files are, and a new program in the kernel takes one of them
 * instead of parsing when its path, the file's size and mtime, and the parse options match (see `lookup`) —
 * the reuse TypeScript's own watch mode does from one program to the next (it rebinds nothing, and each
 * checker keeps its own symbol and node links).
 *
 * Snapshot builder scripts may require built-in modules only, so the CommonJS modules are loaded by hand.
 * Inputs come from the environment: THREADLAB_SNAPSHOT_ROOT (the package root) and THREADLAB_SNAPSHOT_KEY.
 */
// A script, not a module (no import/export): the builder runs it without `exports`, and the IIFE keeps its
// names out of the global scope of the other files tsc compiles with it.
(() => {
  const builtinRequire = require;
  const { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeSync } = builtinRequire(
    "node:fs",
  ) as typeof import("node:fs");
  const { tmpdir } = builtinRequire("node:os") as typeof import("node:os");
  const { dirname, join, resolve } = builtinRequire("node:path") as typeof import("node:path");
  const { Script } = builtinRequire("node:vm") as typeof import("node:vm");
  const v8 = builtinRequire("node:v8") as typeof import("node:v8");

  // Not kernel/package-root.ts: a snapshot builder may require only built-ins (its own loader is below).
  const root = resolve(process.env.THREADLAB_SNAPSHOT_ROOT ?? join(__dirname, "..", "..", ".."));
  const key = process.env.THREADLAB_SNAPSHOT_KEY ?? "";

  interface Loaded {
    file: string;
    exports: unknown;
  }
  const loaded = new Map<string, Loaded>();

  function resolvePackage(name: string, from: string): string {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", name);
      try {
        statSync(candidate);
        return candidate;
      } catch {
        if (dirname(dir) === dir) throw new Error(`cannot find ${name} from ${from}`);
      }
    }
  }

  function resolveFile(request: string, fromDir: string): string {
    let base: string;
    if (request.startsWith(".") || request.startsWith("/")) base = resolve(fromDir, request);
    else {
      const parts = request.split("/");
      const pkgName = request.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
      const rest = parts.slice(request.startsWith("@") ? 2 : 1).join("/");
      const pkg = resolvePackage(pkgName, fromDir);
      if (rest) base = join(pkg, rest);
      else {
        const main =
          (JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { main?: string }).main ?? "index.js";
        base = join(pkg, main);
      }
    }
    for (const f of [base, `${base}.js`, `${base}.json`, join(base, "index.js")]) {
      try {
        if (statSync(f).isFile()) return f;
      } catch {
        // next candidate
      }
    }
    throw new Error(`cannot resolve ${request} from ${fromDir}`);
  }

  /**
   * `node:crypto` must not be in the snapshot's heap. On Node 24 (seen on 24.19.0 and 24.22.3; 22.23.5 and
   * 26.12.1 are fine) a process started from a user-land snapshot that holds `node:crypto` aborts as soon as
   * a worker thread loads crypto: the worker's environment finds the key-object class template already set
   * (`Assertion failed: env->crypto_key_object_constructor_template().IsEmpty()` in
   * `NativeKeyObject::CreateNativeKeyObjectClass`), a native abort no JavaScript can catch. Reproduced
   * without threadlab by a builder script that only does `require("node:crypto")` and a deserialized main
   * that starts a `Worker` requiring it; no upstream report of it was found. The one user here is
   * TypeScript's `sys`, which keeps the module it gets when it loads and hashes file texts with
   * `createHash("sha256")` to version them in watch mode: it gets an object whose `createHash` loads crypto
   * on first use in the running kernel, where that is safe, and hashes with TypeScript's own djb2 while the
   * snapshot is built (the warm-up's versions are not kept: the kernel's watch program versions every file
   * again). test/kernel/snapshot.test.ts runs a crypto cell and a map whose workers load crypto in a kernel
   * started from the snapshot, on every Node line CI runs.
   */
  type CreateHash = typeof import("node:crypto").createHash;
  let crypto: typeof import("node:crypto") | undefined;
  function deferredCrypto(): { createHash: CreateHash } {
    const buildTimeHash = () => {
      let text = "";
      const hash = {
        update: (data: string) => ((text += data), hash),
        digest: () => String(realTs.generateDjb2Hash(text)),
      };
      return hash;
    };
    return {
      createHash: ((algorithm: string) =>
        v8.startupSnapshot.isBuildingSnapshot()
          ? buildTimeHash()
          : (crypto ??= process.getBuiltinModule("node:crypto")).createHash(algorithm)) as unknown as CreateHash,
    };
  }

  /** A CommonJS loader just good enough for TypeScript and threadlab's converter (pure JavaScript). */
  function load(request: string, fromDir: string): unknown {
    if (!request.startsWith(".") && !request.startsWith("/")) {
      // Built-ins first, as Node's loader does. The builder's require knows nothing else and throws (and its
      // node:module has no list); outside the builder (a diagnostic run) the list tells them apart.
      const list = (builtinRequire("node:module") as { builtinModules?: string[] }).builtinModules;
      const bare = request.replace(/^node:/, "");
      if (bare === "crypto") return deferredCrypto();
      if (!list || list.includes(bare)) {
        try {
          return builtinRequire(request);
        } catch {
          // a package
        }
      }
    }
    const file = resolveFile(request, fromDir);
    const hit = loaded.get(file);
    if (hit) return hit.exports;
    const mod: Loaded & { loaded?: boolean } = { file, exports: {} };
    loaded.set(file, mod);
    if (file.endsWith(".json")) {
      mod.exports = JSON.parse(readFileSync(file, "utf8"));
      return mod.exports;
    }
    const wrapper = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, "utf8")}\n})`;
    const fn = new Script(wrapper, { filename: file }).runInThisContext() as (...a: unknown[]) => void;
    const dir = dirname(file);
    const req = Object.assign((r: string) => load(r, dir), { resolve: (r: string) => resolveFile(r, dir) });
    fn.call(mod.exports, mod.exports, req, mod, file, dir);
    return mod.exports;
  }

  const tslabDir = resolvePackage("tslab", root);
  const tsFile = resolveFile("typescript", root);
  const realTs = load(tsFile, root) as any;

  interface Entry {
    sf: { languageVersion: number; impliedNodeFormat?: number; text: string; version?: string };
    size: number;
    mtimeMs: number;
    state: "unchecked" | "valid" | "stale";
  }
  const files = new Map<string, Entry>();

  /** The snapshot's parse of `path`, if the file on disk is the one parsed (size and mtime, checked once). */
  function lookup(fileName: string, path: string, options: unknown): Entry | undefined {
    const e = files.get(path);
    if (!e || e.state === "stale") return undefined;
    const version =
      typeof options === "object" && options ? (options as { languageVersion: number }).languageVersion : options;
    const format =
      typeof options === "object" && options
        ? (options as { impliedNodeFormat?: number }).impliedNodeFormat
        : undefined;
    if (version !== e.sf.languageVersion || format !== e.sf.impliedNodeFormat) return undefined;
    if (e.state === "unchecked") {
      try {
        const st = statSync(fileName);
        e.state = st.size === e.size && st.mtimeMs === e.mtimeMs ? "valid" : "stale";
      } catch {
        e.state = "stale";
      }
    }
    return e.state === "valid" ? e : undefined;
  }

  /**
   * The watch program keeps its own record of every file (version, watcher) and only creates it by parsing:
   * without that record it would rebuild the program on every cell, even an unchanged one (measured: a repeated
   * `1 + 1` converts in 24 ms instead of 4.6). So the first read of a cached file is answered with an empty
   * text: the watch program parses that (nothing), records it and watches the real file, and we hand the
   * compiler the snapshot's parse in its place, versioned as the record is. When the file changes, the watch
   * program reads and parses it for real — not a placeholder any more — and the snapshot's copy is dropped.
   */
  const placeholders = new WeakSet<object>();
  let faking: string | undefined;
  const hooked = new WeakSet<object>();
  function hookCompilerHost(host: any): void {
    if (hooked.has(host)) return;
    hooked.add(host);
    const first = new Set<string>();
    const swap = (fileName: string, path: string, options: unknown, get: () => any) => {
      const e = lookup(fileName, path, options);
      if (!e) return get();
      const fake = !first.has(path);
      first.add(path);
      faking = fake ? fileName : undefined;
      let r: any;
      try {
        r = get();
      } finally {
        if (faking === undefined && fake && r) placeholders.add(r);
        faking = undefined;
      }
      if (r && placeholders.has(r)) {
        e.sf.version = r.version;
        return e.sf;
      }
      e.state = "stale";
      return r;
    };
    const byPath = host.getSourceFileByPath;
    const byName = host.getSourceFile;
    if (typeof byPath === "function") {
      host.getSourceFileByPath = (
        fileName: string,
        path: string,
        options: unknown,
        onError: unknown,
        fresh?: boolean,
      ) => swap(fileName, path, options, () => byPath.call(host, fileName, path, options, onError, fresh));
    }
    host.getSourceFile = (fileName: string, options: unknown, onError: unknown, fresh?: boolean) =>
      swap(fileName, host.toPath ? host.toPath(fileName) : fileName, options, () =>
        byName.call(host, fileName, options, onError, fresh),
      );
  }

  /**
   * TypeScript's exports are non-writable getters, so the converter gets a copy of them (getters again) with
   * one override: its watch host reads through `faking`, and its createProgram routes the compiler host's file
   * lookups through `swap` first.
   */
  // The warm-up's program, kept until its files are collected and no longer: its checker and types would
  // otherwise be in the snapshot.
  let building = true;
  let lastProgram: any;
  const ts: Record<string, unknown> = {};
  for (const name of Object.keys(realTs)) {
    if (name !== "createWatchCompilerHost")
      Object.defineProperty(ts, name, { enumerable: true, get: () => realTs[name] });
  }
  Object.defineProperty(ts, "createWatchCompilerHost", {
    enumerable: true,
    value(...args: unknown[]) {
      const host = realTs.createWatchCompilerHost(...args);
      const readFile = host.readFile;
      host.readFile = (fileName: string, encoding?: string) => {
        if (faking !== undefined && fileName === faking) {
          // Consumed: the caller sees that the watch program parsed the placeholder, not a real read.
          faking = undefined;
          return "";
        }
        return readFile.call(host, fileName, encoding);
      };
      const createProgram = host.createProgram;
      host.createProgram = (roots: unknown, options: unknown, compilerHost: unknown, ...rest: unknown[]) => {
        if (compilerHost) hookCompilerHost(compilerHost);
        const program = createProgram(roots, options, compilerHost, ...rest);
        if (building) lastProgram = program;
        return program;
      };
      return host;
    },
  });
  loaded.get(tsFile)!.exports = ts;
  // tslab's executor and display require its TypeScript 5.0 fork: they get this one (execution/tslab-compiler.ts).
  const forkFile = resolveFile("@tslab/typescript-for-tslab", tslabDir);
  if (!loaded.has(forkFile)) loaded.set(forkFile, { file: forkFile, exports: ts });

  const converterDir = join(root, "dist", "kernel", "execution", "converter");
  const converter = load(
    join(converterDir, "converter.js"),
    converterDir,
  ) as typeof import("../execution/converter/converter");

  // Parse and bind in a scratch notebook directory that sees the kernel's @types/node the way the kernel
  // makes it visible (typescript-env.ts forwards <cwd>/node_modules/@types/node; TypeScript resolves both to
  // the real path, which is what the cache is keyed by).
  let collected: readonly any[];
  const scratch = mkdtempSync(join(tmpdir(), "threadlab-snapshot-"));
  const sys = realTs.sys as { getCurrentDirectory(): string };
  try {
    mkdirSync(join(scratch, "node_modules", "@types"), { recursive: true });
    symlinkSync(resolvePackage("@types/node", root), join(scratch, "node_modules", "@types", "node"));
    // TypeScript memoizes the process's directory on the first call, and the converter takes its notebook
    // directory from there: the scratch directory is lent for this conversion only (see the reset below), not chdir'd.
    sys.getCurrentDirectory = () => scratch;
    const conv = converter.createConverter({ isJS: false, isBrowser: false });
    const out = conv.convert("", "const x: number = 1 + 1; x");
    if (!out.output || out.diagnostics.length)
      throw new Error(`snapshot warm-up failed: ${JSON.stringify(out.diagnostics)}`);
    // The checker has bound every file of the newest program, the one the conversion checked.

    collected = lastProgram.getProgram().getSourceFiles();
    conv.close();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // As TypeScript's own: the kernel's directory, read once, after deserialization.
  let cwd: string | undefined;
  sys.getCurrentDirectory = () => (cwd ??= process.cwd());

  function record(sf: any): void {
    if (!sf || typeof sf.fileName !== "string" || sf.fileName.startsWith(scratch) || !sf.locals) return;
    const st = statSync(sf.fileName);
    files.set(sf.resolvedPath ?? sf.path, { sf, size: st.size, mtimeMs: st.mtimeMs, state: "unchecked" });
  }
  for (const sf of collected) record(sf);
  // Dropped so that the program and the array holding its files are not kept in the snapshot's heap.
  /* eslint-disable no-useless-assignment */
  collected = [];
  lastProgram = undefined;
  /* eslint-enable no-useless-assignment */
  building = false;
  if (!files.size) throw new Error("snapshot warm-up parsed no declaration files");

  (globalThis as any).__threadlabSnapshot = {
    key,
    root,
    modules: [...loaded.values()],
    stats: () => ({ files: files.size, hits: [...files.values()].filter((e) => e.state === "valid").length }),
  };

  // Run without --build-snapshot (a diagnostic), the state is left on globalThis for the caller.
  if (v8.startupSnapshot.isBuildingSnapshot())
    v8.startupSnapshot.setDeserializeMainFunction(() => {
      const state = (globalThis as any).__threadlabSnapshot;
      const runtime = builtinRequire("node:module").createRequire(
        join(state.root, "dist", "kernel", "snapshot", "runtime.js"),
      );
      runtime("./runtime.js").main(state);
    });

  // Reported to the builder's parent (launch.ts) on stdout; the blob is written after this script returns.
  writeSync(1, `threadlab snapshot: ${files.size} files\n`);
})();
